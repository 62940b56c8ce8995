"""Role labelling as tagging: one BIO tag per token, read off around a marked predicate."""

from __future__ import annotations

from attnlib.viz.diagrams._style import COLORS, FONT, SMALL, arrow, box, canvas, diagram

#: One colour per role (the house colours, reused).
ROLE_COLORS = {"ARG0": COLORS["query"], "ARG1": COLORS["key"], "ARG2": COLORS["value"],
               "ARGM-TMP": COLORS["score"], "ARGM-LOC": COLORS["memory"]}  # fmt: skip
SHORT = {"ARG0": "agent", "ARG1": "theme", "ARG2": "recipient", "ARGM-TMP": "time",
         "ARGM-LOC": "place"}  # fmt: skip


def _default_sentence():
    from attnlib.data.roles import role_sentences

    for s in role_sentences(300, seed=0):
        if s.construction == "passive_to" and len(s.tokens) <= 11 and "B-ARGM-TMP" in s.tags:
            return s.tokens, s.tags, s.predicate
    raise RuntimeError("no short passive sentence among the first 300")  # pragma: no cover


@diagram
def role_tagging(tokens=None, tags=None, predicate: int | None = None):
    """A sentence, its predicate indicator, the tagger and one BIO tag per token, spans bracketed.

    Args:
        tokens: the words (L,); default a short passive sentence from
            ``attnlib.data.roles.role_sentences``.
        tags: one BIO tag per word (L,).
        predicate: index of the marked verb.

    Returns:
        Figure: one row per token: word, indicator π, the tagger reading all L tokens, the
        per-token classifier's tag, and a bracket with the role of each span.
    """
    from attnlib.spans import bio_spans

    if tokens is None:
        tokens, tags, predicate = _default_sentence()
    tokens, tags = list(tokens), list(tags)
    if len(tokens) != len(tags):
        raise ValueError(f"{len(tokens)} tokens but {len(tags)} tags")
    if predicate is None or not 0 <= predicate < len(tokens):
        raise ValueError(f"predicate must index one of the {len(tokens)} tokens, got {predicate}")
    L = len(tokens)
    row = 0.34
    height = row * L + 1.0
    fig, ax = canvas(height=height)
    top = height - 0.75

    def y(i):
        return top - i * row

    ax.text(0.75, height - 0.3, f"words ({L},)", ha="center", fontsize=SMALL)
    ax.text(1.55, height - 0.3, f"π ({L},)", ha="center", fontsize=SMALL)
    ax.text(4.05, height - 0.3, f"tags ({L},)", ha="center", fontsize=SMALL)
    for i, (word, tag) in enumerate(zip(tokens, tags)):
        is_pred = i == predicate
        ax.text(1.25, y(i), word, ha="right", va="center", fontsize=FONT,
                fontweight="bold" if is_pred else "normal",
                color=COLORS["weight"] if is_pred else "black")  # fmt: skip
        ax.text(1.55, y(i), "1" if is_pred else "0", ha="center", va="center", fontsize=SMALL,
                color=COLORS["weight"] if is_pred else COLORS["mask"])  # fmt: skip
        arrow(ax, (1.7, y(i)), (2.0, y(i)), role="output")
        arrow(ax, (2.9, y(i)), (3.2, y(i)), role="output")
        colour = ROLE_COLORS.get(tag[2:], "black") if tag != "O" else COLORS["mask"]
        ax.text(3.3, y(i), tag, ha="left", va="center", fontsize=SMALL, color=colour)
    box(ax, 2.45, (y(0) + y(L - 1)) / 2, 0.8, y(0) - y(L - 1) + row * 0.8,
        "tagger\nreads\nall L\nwords\n\nthen a\nclassifier\nper word", role="norm", size=SMALL)  # fmt: skip
    for start, end, label in bio_spans(tags):
        colour = ROLE_COLORS.get(label, "black")
        y0, y1 = y(start) + 0.12, y(end - 1) - 0.12
        ax.plot([4.75, 4.85, 4.85, 4.75], [y0, y0, y1, y1], color=colour, lw=1.6)
        name = f"{label}: {SHORT[label]}" if label in SHORT else label
        ax.text(4.95, (y0 + y1) / 2, name, ha="left", va="center", fontsize=SMALL, color=colour)
    ax.text(4.95, y(predicate), "predicate", ha="left", va="center", fontsize=SMALL,
            color=COLORS["weight"])  # fmt: skip
    return fig
