"""Beam search as a tree: the beams kept at every step, drawn from a real ``BeamResult``."""

from __future__ import annotations

from attnlib.viz.diagrams._style import COLORS, SMALL, arrow, box, canvas, diagram

_SHOWN = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def _default_result():
    """A width-3 search on a fixed random two-token-context model over 'a', 'b', 'c', ' '."""
    import torch

    from attnlib.modern.beam_search import beam_search

    g = torch.Generator().manual_seed(3)
    table = torch.randn(4, 4, 4, generator=g, dtype=torch.float64) * 2  # (prev2, prev, next)

    def model(idx):  # (B, L) -> (B, L, V); only the last position's logits are read
        return table[idx[:, -2], idx[:, -1]][:, None].expand(-1, idx.shape[1], -1)

    return beam_search(model, torch.tensor([[0, 1]]), 5, beam_width=3, eos=3), list("abc ")


@diagram
def beam_tree(result=None, labels=None, prompt_label: str = "prompt"):
    """The beams of a :func:`attnlib.modern.beam_search.beam_search` run, one column per step.

    Args:
        result: a ``BeamResult`` (default: a width-3 run of a fixed random model).
        labels: token id -> the text shown (a list or a string); default the ids.
        prompt_label: the text of the root box.

    Returns:
        Figure: per step the kept candidates (token and summed log-probability) with an edge to
        the beam each extends; the best hypothesis in crimson, finished ones (eos) in brown.
    """
    if result is None:
        result, labels = _default_result()
    steps = result.steps
    n, W = len(steps), max(len(s) for s in steps)

    def show_token(token: int) -> str:
        text = str(token) if labels is None else labels[token]
        return _SHOWN.get(text, text)

    best, path, cur = result.best.tokens, set(), 0  # (step, rank) of the best path
    for t, step in enumerate(steps[: len(best)]):
        live = [r for r, k in enumerate(step) if not k[3]]
        r = next(r for r, k in enumerate(step) if k[0] == cur and k[1] == best[t])
        path.add((t, r))
        cur = live.index(r) if r in live else -1
    row_h, height = 0.62, 0.75 + W * 0.62
    dx = min(1.05, 5.9 / n)
    fig, ax = canvas(height=height)
    top = height - 0.95
    ax.text(0.15, height - 0.3, f"beam width W = {W}: {n} steps; box: token, summed log p",
            fontsize=SMALL)  # fmt: skip
    ax.text(0.15, height - 0.56, f"best (crimson): score {result.best.score:.2f}; "
            "brown: ended (eos)", fontsize=SMALL, color=COLORS["weight"])  # fmt: skip
    box(ax, 0.5, top, 0.66, 0.44, prompt_label, role="output", size=SMALL)
    prev = [(0.5, top)]  # centres of the live beams of the previous step, in beam order
    for t, step in enumerate(steps):
        x, centres = 1.35 + t * dx, []
        for r, (parent, token, score, done) in enumerate(step):
            y = top - r * row_h
            on_path = (t, r) in path
            role = "weight" if on_path else ("memory" if done else "mask")
            px, py = prev[parent]
            arrow(ax, (px + 0.3, py), (x - 0.32, y), role=role, lw=2.4 if on_path else 1.0)
            box(ax, x, y, 0.64, 0.5, f"{show_token(token)}\n{score:.1f}", role=role,
                fill=0.3 if on_path else 0.12, size=SMALL)  # fmt: skip
            if not done:
                centres.append((x, y))
        prev = centres
    return fig
