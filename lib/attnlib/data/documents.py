"""Short documents about made-up creatures, with a known extractive summary.

A document is about one *topic* creature: the creature named most often. It holds:

- ``k`` **key** sentences, one fact each about the topic (``the zorb lives in north vell .``);
  they are the gold summary;
- **distractors**: facts of the same form about other creatures (at most one each, so the topic
  is always the creature named most often);
- **mentions**: sentences that name the topic but state no fact (``people often talk about the
  zorb .``), which keep word counts from telling key from non-key;
- **filler** without any creature (``the weather was mild that year .``);
- with probability ``p_repeat``, a **repeat**: a later, word-for-word copy of one key sentence.
  A summary needs it once, so only the first copy is gold.

Sentences are shuffled, except that with probability ``p_lead`` a key sentence opens the
document (lead-k is then a real, beatable baseline). Whether a fact sentence is key depends on
the *rest* of the document (which creature is named most), so no model that scores each
sentence on its own can be perfect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CREATURES = ("zorb", "quell", "mivo", "tandle", "brisk", "olun", "pemmet", "sarro", "vint",
             "glaup", "nerr", "dobby")  # fmt: skip
FACTS = (
    ("lives", "in", ("north", "port", "west", "lake"), ("vell", "amar", "dun", "ford")),
    ("likes", ("red", "blue", "green", "amber", "violet", "grey")),
    ("works", "as", "a", ("baker", "tailor", "pilot", "farmer", "smith", "nurse")),
    ("eats", ("roots", "fish", "seeds", "moss", "berries")),
    ("fears", ("storms", "owls", "silence", "crowds", "water")),
)
MENTIONS = ("people often talk about the {e} .", "everyone has heard of the {e} .",
            "this story is about the {e} .", "the {e} is well known .")  # fmt: skip
FILLER = ("the weather was mild that year .", "many visitors came in spring .",
          "the roads were quiet .", "some said it was luck .", "nobody kept records then .",
          "the market opened early .", "it rained for a week .")  # fmt: skip


@dataclass
class Document:
    """One document: its sentences (token lists) and which of them are the gold summary."""

    sentences: list[list[str]]
    key: list[int]  # indices of the gold sentences, ascending
    repeat: int | None  # index of the repeated copy of a key sentence, if any
    topic: str

    @property
    def labels(self) -> list[int]:
        """(N,) 1 for a gold sentence, 0 otherwise."""
        return [int(i in self.key) for i in range(len(self.sentences))]


def _fact(rng: np.random.Generator, creature: str, fact: tuple) -> list[str]:
    words = [w if isinstance(w, str) else str(rng.choice(w)) for w in fact]
    return ["the", creature, *words, "."]


def documents(n: int, seed: int = 0, k: int = 3, n_distractors: tuple[int, int] = (2, 4),
              n_mentions: tuple[int, int] = (1, 2), n_filler: tuple[int, int] = (2, 4),
              p_repeat: float = 0.5, p_lead: float = 0.5) -> list[Document]:  # fmt: skip
    """``n`` documents of ``k`` key sentences and the rest (ranges are inclusive).

    Args:
        n: number of documents. seed: generator seed. k: key sentences (1..len(FACTS)).
        n_distractors, n_mentions, n_filler: (low, high) counts of each kind of sentence.
        p_repeat: chance that one key sentence is repeated word for word later on.
        p_lead: chance that a key sentence is moved to the front.

    Returns:
        list of :class:`Document`.
    """
    if not 1 <= k <= len(FACTS):
        raise ValueError(f"k must be in 1..{len(FACTS)}, got {k}")
    if n_distractors[1] > len(CREATURES) - 1 or min(*n_distractors, *n_mentions, *n_filler) < 0:
        raise ValueError("counts must be >= 0 and distractors < number of creatures")
    if not (0 <= p_repeat <= 1 and 0 <= p_lead <= 1):
        raise ValueError(f"probabilities must be in [0, 1], got {p_repeat}, {p_lead}")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        topic, *others = (str(c) for c in rng.permutation(CREATURES))
        facts = rng.choice(len(FACTS), size=k, replace=False)
        key = [_fact(rng, topic, FACTS[f]) for f in facts]
        n_d = rng.integers(n_distractors[0], n_distractors[1] + 1)
        rest = [_fact(rng, others[i], FACTS[rng.integers(len(FACTS))]) for i in range(n_d)]
        rest += [str(rng.choice(MENTIONS)).format(e=topic).split()
                 for _ in range(rng.integers(n_mentions[0], n_mentions[1] + 1))]  # fmt: skip
        fill = rng.choice(len(FILLER), size=rng.integers(n_filler[0], n_filler[1] + 1),
                          replace=False)  # fmt: skip
        rest += [FILLER[i].split() for i in fill]
        order = rng.permutation(len(key) + len(rest))  # position of each sentence
        if rng.random() < p_lead:  # a key sentence opens the document
            first = int(np.argmin(order))
            j = int(rng.integers(k))
            order[first], order[j] = order[j], order[first]
        sentences: list[list[str]] = [[]] * len(order)
        for pos, sentence in zip(order, key + rest):
            sentences[pos] = sentence
        gold = sorted(int(p) for p in order[:k])
        repeat = None
        if rng.random() < p_repeat:  # copy one key sentence to a later place
            src = int(rng.choice(gold))
            repeat = int(rng.integers(src + 1, len(sentences) + 1))
            sentences.insert(repeat, list(sentences[src]))
            gold = [g + (g >= repeat) for g in gold]
        out.append(Document(sentences, gold, repeat, topic))
    return out


def document_vocabulary() -> list[str]:
    """Every word a document can contain, in a fixed order."""
    words = ["the", "."] + list(CREATURES)
    for fact in FACTS:
        for w in fact:
            words += [w] if isinstance(w, str) else list(w)
    for text in MENTIONS + FILLER:
        words += text.replace("{e}", "").split()
    return list(dict.fromkeys(words))
