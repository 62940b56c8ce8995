"""A tiny token vocabulary: strings <-> integer ids, with padding to a rectangular batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

PAD, BOS, EOS, MASK, UNK = "<pad>", "<bos>", "<eos>", "<mask>", "<unk>"
SPECIALS = (PAD, BOS, EOS, MASK, UNK)


class Vocab:
    """Maps tokens (characters or words) to ids; the special tokens come first, ``<pad>`` is 0.

    Args:
        tokens: every ordinary token; duplicates are dropped, the order is sorted so the ids do
            not depend on the order the data was seen in.
        specials: tokens placed first (``<pad>`` must be first so padding is id 0).
    """

    def __init__(self, tokens: Iterable[str], specials: Sequence[str] = SPECIALS) -> None:
        if not specials or specials[0] != PAD:
            raise ValueError(f"specials must start with {PAD!r}, got {list(specials)!r}")
        ordinary = sorted(set(tokens) - set(specials))
        self.itos: list[str] = list(specials) + ordinary
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def __getitem__(self, token: str) -> int:
        return self.stoi[token]

    @classmethod
    def from_texts(cls, texts: Iterable[str], words: bool = False) -> Vocab:
        """Build from characters (``words=False``) or whitespace-separated words."""
        return cls(t for text in texts for t in (text.split() if words else text))

    def encode(self, tokens: Iterable[str], bos: bool = False, eos: bool = False) -> list[int]:
        """Ids of ``tokens`` (a string is a sequence of characters); unknown tokens -> ``<unk>``."""
        unk = self.stoi.get(UNK)
        ids = []
        for t in tokens:
            if t not in self.stoi and unk is None:
                raise KeyError(f"token {t!r} is not in the vocabulary and there is no {UNK!r}")
            ids.append(self.stoi.get(t, unk))
        return ([self.stoi[BOS]] if bos else []) + ids + ([self.stoi[EOS]] if eos else [])

    def decode(self, ids: Iterable[int], sep: str = "", strip: bool = True) -> str:
        """Tokens of ``ids`` joined by ``sep``; ``strip`` stops at ``<eos>`` and drops specials."""
        out = []
        for i in ids:
            t = self.itos[int(i)]
            if strip and t == EOS:
                break
            if strip and t in SPECIALS:
                continue
            out.append(t)
        return sep.join(out)


def pad_batch(sequences: Sequence[Sequence[int]], length: int | None = None, pad_id: int = 0):
    """Stack id lists into one int64 array, right-padded with ``pad_id``.

    Args:
        sequences: N lists of ids.
        length: the padded length S (default: the longest sequence); longer ones raise.

    Returns:
        ids of shape (N, S), and a bool mask (N, S), True = real token.
    """
    longest = max((len(s) for s in sequences), default=0)
    length = longest if length is None else length
    if longest > length:
        raise ValueError(f"a sequence has {longest} tokens, more than length={length}")
    ids = np.full((len(sequences), length), pad_id, dtype=np.int64)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = seq
    return ids, ids != pad_id
