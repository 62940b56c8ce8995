"""Reading-comprehension passages about made-up entities, with questions whose answer is a span.

A passage is a few facts, one per sentence, ``the zorb lives in north vell .``. Every passage has
*distractors*: the asked-about entity has a second fact (so the entity's name matches two
sentences), and another entity has a fact of the asked relation (so the relation matches two
sentences). Questions paraphrase the relation (``where is the home of the zorb ?``): their
relation words never occur in any passage, so counting shared words finds the entity but cannot
tell which of its sentences answers. The answer is a span of the passage, given by its first and
last token positions (inclusive).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ENTITIES = ("zorb", "quell", "mivo", "tandle", "brisk", "olun", "pemmet", "sarro", "vint",
            "glaup", "nerr", "dobby")  # fmt: skip
#: relation -> (passage words, value words; two-word values pair a first and a second word,
#: question templates with ``{e}`` for the entity)
RELATIONS = {
    "home": (("lives", "in"), (("north", "port", "west", "lake"), ("vell", "amar", "dun", "ford")),
             ("where is the home of the {e} ?", "which town is the {e} from ?")),
    "colour": (("likes",), (("red", "blue", "green", "amber", "violet", "grey"),),
               ("what colour does the {e} prefer ?", "which shade is the {e} fond of ?")),
    "job": (("works", "as", "a"), (("baker", "tailor", "pilot", "farmer", "smith", "nurse"),),
            ("what is the {e} 's trade ?", "how does the {e} earn a living ?")),
}  # fmt: skip


@dataclass
class Example:
    """One question: passage and question tokens, the answer span, each token's sentence."""

    passage: list[str]
    question: list[str]
    start: int  # position of the answer's first token in the passage
    end: int  # position of its last token (inclusive)
    sentence: list[int]  # (S,) the sentence index of every passage token

    @property
    def answer(self) -> list[str]:
        return self.passage[self.start : self.end + 1]


def _fact(rng: np.random.Generator, entity: str, relation: str) -> tuple[list[str], int]:
    """Tokens of one fact sentence and the offset of the value inside it."""
    verb, values, _ = RELATIONS[relation]
    value = [str(rng.choice(choices)) for choices in values]
    words = ["the", entity, *verb]
    return [*words, *value, "."], len(words)


def reading_examples(n: int, seed: int = 0, n_facts: int = 4) -> list[Example]:
    """``n`` passages of ``n_facts`` shuffled facts, each with one question and its span.

    The asked fact (entity e, relation r) comes with two distractors: a fact about e with
    another relation, and a fact about another entity with relation r; the remaining facts are
    random (entity, relation) pairs not repeating one already stated.

    Args:
        n: number of examples. seed: generator seed. n_facts: sentences per passage (>= 3).

    Returns:
        list of :class:`Example`.
    """
    if n_facts < 3:
        raise ValueError(f"n_facts must be >= 3 (the fact and two distractors), got {n_facts}")
    rng = np.random.default_rng(seed)
    relations = list(RELATIONS)
    out = []
    for _ in range(n):
        e, other = (str(x) for x in rng.choice(ENTITIES, size=2, replace=False))
        r = relations[rng.integers(len(relations))]
        r2 = relations[(relations.index(r) + 1 + rng.integers(len(relations) - 1)) % len(relations)]
        pairs = [(e, r), (e, r2), (other, r)]
        while len(pairs) < n_facts:
            pair = (str(rng.choice(ENTITIES)), relations[rng.integers(len(relations))])
            if pair not in pairs:
                pairs.append(pair)
        order = rng.permutation(len(pairs))
        passage, sentence, start = [], [], -1
        for s, k in enumerate(order):
            words, offset = _fact(rng, *pairs[k])
            if k == 0:
                start = len(passage) + offset
                length = len(words) - offset - 1  # the value, without the full stop
            passage += words
            sentence += [s] * len(words)
        templates = RELATIONS[r][2]
        question = templates[rng.integers(len(templates))].format(e=e).split()
        out.append(Example(passage, question, start, start + length - 1, sentence))
    return out


def reading_vocabulary() -> list[str]:
    """Every word a passage or question can contain (sorted), for ``Vocab``."""
    words = set(ENTITIES) | {"the", "."}
    for verb, values, templates in RELATIONS.values():
        words |= set(verb) | {w for choices in values for w in choices}
        words |= {w for t in templates for w in t.split() if w != "{e}"}
    return sorted(words)
