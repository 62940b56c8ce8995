"""BIO tags to labelled spans, and span-level precision, recall and F1 (CoNLL style).

A span counts as correct only if its start, its end and its label all match a gold span exactly.
"""

from __future__ import annotations

from collections.abc import Sequence


def is_valid_bio(tags: Sequence[str]) -> bool:
    """True if every tag is ``O``, ``B-X`` or ``I-X`` and every ``I-X`` continues a ``B-X``/``I-X``."""
    previous = "O"
    for tag in tags:
        if tag != "O" and (len(tag) < 3 or tag[:2] not in ("B-", "I-")):
            return False
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            return False
        previous = tag
    return True


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Labelled spans ``(start, end, label)``, end exclusive, of a BIO tag sequence.

    As in the CoNLL evaluation script, an ``I-X`` that does not continue an ``X`` span (a common
    tagger mistake) starts a new span rather than being dropped.
    """
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate([*tags, "O"]):
        kind, name = (tag[:1], tag[2:]) if tag != "O" else ("O", None)
        if kind not in ("O", "B", "I"):
            raise ValueError(f"tag {i} is {tag!r}; expected 'O', 'B-…' or 'I-…'")
        continues = kind == "I" and name == label
        if label is not None and not continues:
            spans.append((start, i, label))
            label = None
        if kind in ("B", "I") and not continues:
            start, label = i, name
    return spans


def span_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, float]:
    r"""Micro-averaged span precision, recall and F1 over sentences.

    $P = \frac{|G \cap \hat G|}{|\hat G|}$, $R = \frac{|G \cap \hat G|}{|G|}$,
    $F_1 = \frac{2PR}{P + R}$, where $G$ and $\hat G$ are the sets of (sentence, start, end,
    label) spans of the gold and predicted tags.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    n_gold = n_pred = n_both = 0
    for i, (g, p) in enumerate(zip(gold, predicted)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")
        gs, ps = set(bio_spans(g)), set(bio_spans(p))
        n_gold, n_pred, n_both = n_gold + len(gs), n_pred + len(ps), n_both + len(gs & ps)
    precision = n_both / n_pred if n_pred else 0.0
    recall = n_both / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
