"""English sentences with one marked predicate and its semantic roles as BIO tags.

A small grammar writes "who gave what to whom" sentences around one verb of giving, with the
PropBank role names: ARG0 the giver (agent), ARG1 the thing given (theme/patient), ARG2 the
receiver (recipient), ARGM-TMP when, ARGM-LOC where. It mixes constructions in which the position
of a phrase does not tell its role: the passive ("the book was given to Ann by Tom"), the passive
with the recipient as subject ("Ann was given the book by Tom"), fronted adverbials ("yesterday ,
Tom gave ..."), a relative clause with a second verb of giving (either verb may be the marked
predicate) and long noun phrases ("the old teacher from the village") that push an argument away
from its predicate. As in PropBank, a role's span is the whole phrase, prepositions included
("to Ann", "by Tom"). The ``"test"`` split draws combinations and lengths the ``"train"`` split
never has: fronted adverbials in passive sentences and noun phrases with two modifiers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROLES = ("ARG0", "ARG1", "ARG2", "ARGM-TMP", "ARGM-LOC")
#: What each PropBank label means for a verb of giving.
ROLE_MEANINGS = {"ARG0": "agent: the giver", "ARG1": "theme: the thing given",
                 "ARG2": "recipient: the receiver", "ARGM-TMP": "modifier: when",
                 "ARGM-LOC": "modifier: where"}  # fmt: skip
#: The tag set, ids in this order: O, then B-/I- for each role.
TAGS = ("O", *(f"{p}-{r}" for r in ROLES for p in ("B", "I")))
CONSTRUCTIONS = ("active_to", "active_double", "passive_to", "passive_recipient")

NAMES = ("Ann", "Tom", "Maria", "Omar", "Sara", "Ken", "Eva", "Li")
PEOPLE = ("teacher", "doctor", "farmer", "student", "driver", "baker")
PERSON_ADJ = ("old", "young", "tall", "quiet")
PERSON_MODS = ("from the village", "with the red hat", "next door", "in the blue coat")
THINGS = ("book", "letter", "car", "gift", "ticket", "map", "key", "photo")
THING_ADJ = ("red", "small", "new", "heavy")
THING_MODS = ("about the war", "from the shop", "with the blue cover", "for the trip")
VERBS = (("gave", "given"), ("sent", "sent"), ("showed", "shown"), ("sold", "sold"),
         ("lent", "lent"), ("handed", "handed"), ("offered", "offered"))  # fmt: skip
TIMES = ("yesterday", "today", "last week", "on monday", "in the morning")
PLACES = ("in the park", "at the station", "at school", "in the kitchen")


@dataclass(frozen=True)
class RoleSentence:
    """One sentence: its tokens, the index of the predicate, one BIO tag per token."""

    tokens: tuple[str, ...]
    predicate: int
    tags: tuple[str, ...]
    construction: str


def _phrase(rng, heads, adjs, mods, max_mods, names=()) -> list[str]:
    if names and rng.random() < 0.4:
        return [names[rng.integers(len(names))]]
    words = ["the"]
    if rng.random() < 0.5:
        words.append(adjs[rng.integers(len(adjs))])
    words.append(heads[rng.integers(len(heads))])
    for m in rng.choice(len(mods), size=rng.integers(max_mods + 1), replace=False):
        words += mods[m].split()
    return words


def _sentence(rng, test: bool) -> RoleSentence:
    max_mods = 2 if test else 1

    def person():
        return _phrase(rng, PEOPLE, PERSON_ADJ, PERSON_MODS, max_mods, NAMES)

    def thing():
        return _phrase(rng, THINGS, THING_ADJ, THING_MODS, max_mods)

    kind = CONSTRUCTIONS[rng.integers(len(CONSTRUCTIONS))]
    verb, participle = VERBS[rng.integers(len(VERBS))]
    a0, a1, a2 = person(), thing(), person()
    while a2 == a0:  # nobody gives to themselves
        a2 = person()
    if kind == "active_to":
        core = [(a0, "ARG0"), ([verb], "V"), (a1, "ARG1"), (["to", *a2], "ARG2")]
    elif kind == "active_double":
        core = [(a0, "ARG0"), ([verb], "V"), (a2, "ARG2"), (a1, "ARG1")]
    elif kind == "passive_to":
        core = [(a1, "ARG1"), (["was", participle], "V"), (["to", *a2], "ARG2"),
                (["by", *a0], "ARG0")]  # fmt: skip
    else:
        core = [(a2, "ARG2"), (["was", participle], "V"), (a1, "ARG1"), (["by", *a0], "ARG0")]
    # chunks: (words, role for the main verb, role for the relative clause's verb)
    chunks = [(w, r, None) for w, r in core]
    main = True
    if kind.startswith("active") and rng.random() < 0.3:  # a relative clause on the agent
        other = [v for v in VERBS if v[0] != verb][rng.integers(len(VERBS) - 1)][0]
        receiver = person()
        while receiver == a0:
            receiver = person()
        clause = [([","], None, None), (["who"], None, None), ([other], None, "V"),
                  (thing(), None, "ARG1"), (["to", *receiver], None, "ARG2"),
                  ([","], None, None)]  # fmt: skip
        chunks = [(a0, "ARG0", "ARG0"), *clause, *chunks[1:]]
        main = rng.random() < 0.5
    for words, role in ((TIMES, "ARGM-TMP"), (PLACES, "ARGM-LOC")):
        if rng.random() < 0.5:
            phrase = (words[rng.integers(len(words))].split(), role, None)
            if (test or kind.startswith("active")) and rng.random() < 0.4:
                chunks = [phrase, ([","], None, None), *chunks]
            else:
                chunks.append(phrase)
    tokens, tags, predicate = [], [], -1
    for words, role_main, role_rel in chunks:
        role = role_main if main else role_rel
        if role == "V":
            predicate = len(tokens) + len(words) - 1  # the verb itself, not "was"
            labels = ["O"] * len(words)
        elif role is None:
            labels = ["O"] * len(words)
        else:
            labels = [f"B-{role}"] + [f"I-{role}"] * (len(words) - 1)
        tokens += words
        tags += labels
    name = kind if main else "relative_clause"
    return RoleSentence(tuple(tokens), predicate, tuple(tags), name)


def role_sentences(n: int, seed: int = 0, split: str = "train") -> list[RoleSentence]:
    """Draw ``n`` sentences with a marked predicate and BIO role tags.

    Args:
        n: number of sentences.
        seed: generator seed (the same seed gives the same sentences).
        split: ``"train"`` (also for validation) or ``"test"`` (adds fronted adverbials to
            passives and noun phrases with two modifiers, never seen in ``"train"``).

    Returns:
        list of :class:`RoleSentence`; ``construction`` is one of :data:`CONSTRUCTIONS` or
        ``"relative_clause"`` when the marked predicate is the relative clause's verb.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    rng = np.random.default_rng(seed)
    return [_sentence(rng, split == "test") for _ in range(n)]


def role_arrays(sentences: list[RoleSentence], vocab) -> tuple[np.ndarray, ...]:
    """Pad a list of sentences into arrays a tagger reads.

    Args:
        sentences: from :func:`role_sentences`.
        vocab: an :class:`attnlib.data.Vocab` over words (padding id 0).

    Returns:
        ids (N, L) int64, predicate indicator (N, L) int64 (1 at the verb), tag ids (N, L)
        int64 (index into :data:`TAGS`, 0 = ``O`` on padding) and mask (N, L) bool, True = word.
    """
    if not sentences:
        raise ValueError("no sentences to pad")
    L = max(len(s.tokens) for s in sentences)
    ids, predicate, tags = (np.zeros((len(sentences), L), dtype=np.int64) for _ in range(3))
    mask = np.zeros((len(sentences), L), dtype=bool)
    index = {t: i for i, t in enumerate(TAGS)}
    for n, s in enumerate(sentences):
        k = len(s.tokens)
        ids[n, :k] = vocab.encode(s.tokens)
        predicate[n, s.predicate] = 1
        tags[n, :k] = [index[t] for t in s.tags]
        mask[n, :k] = True
    return ids, predicate, tags, mask
