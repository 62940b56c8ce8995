"""Numbers in a chapter's prose come from its outputs: glued (myst-nb ``glue``), never retyped.

A decimal number or a percentage written in a Markdown cell is a measurement or a computed value,
so it must be pasted with ``{glue:text}`name:fmt``` from the cell that computed it; the notebook
stage then proves that cell's output holds on every machine. A number that the prose *defines*
rather than reports (a learning rate, a dropout rate, the 0.5 of a formula) is declared once in
the notebook's metadata, ``"prose_constants": ["0.1", "0.5"]``. Math, code, links and citations
are not prose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if "_build" not in p.parts)

NOT_PROSE = re.compile(
    r"```.*?```"  # code fences and directives
    r"|:::.*?:::"
    r"|\$\$.*?\$\$|\$[^$\n]+\$"  # math
    r"|\{[\w:-]+\}`[^`]*`"  # roles: {glue:text}`..`, {cite}`..`, {math}`..`, {doc}`..`
    r"|`[^`]*`"  # inline code
    r"|\]\([^)]*\)|https?://\S+"  # link targets
    r"|<[^>]+>",  # html tags and attributes
    re.DOTALL,
)
# A reported number: has a decimal point (0.986, 3.0e-07) or is a percentage (94 %, 12.5%).
REPORTED = re.compile(r"(?<![\w.])\d+\.\d+(?:[eE][-+]?\d+)?(?![\w.]\d)|(?<![\w.])\d+(?=\s?%)")


def markdown_cells(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def typed_numbers(text: str) -> list[str]:
    """Reported numbers written by hand in ``text`` (math, code, roles and links removed)."""
    return REPORTED.findall(NOT_PROSE.sub(" ", text))


def retyped(notebook: Path) -> list[str]:
    nb = json.loads(notebook.read_text())
    allowed = set(nb["metadata"].get("prose_constants", []))
    found = [n for cell in markdown_cells(nb) for n in typed_numbers(cell)]
    return sorted(set(found) - allowed, key=found.index)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_reported_number_in_the_prose_is_glued(notebook):
    typed = retyped(notebook)
    assert not typed, (
        f"{notebook.relative_to(ROOT)}: the prose types {typed}; glue each from the cell that "
        "computes it ({glue:text}`name:.3f`), or declare it in metadata prose_constants if the "
        "text defines it"
    )


def test_a_typed_measurement_is_caught_and_a_glued_one_is_not():
    assert typed_numbers("The model reaches 0.986 exact match (94 % of dates).") == ["0.986", "94"]
    glued = "The model reaches {glue:text}`acc:.3f` exact match, $p = 0.5$, `lr=0.01`."
    assert typed_numbers(glued) == []
    assert typed_numbers("See [v1.2](https://x.org/a1.5) and {cite}`vaswani2017`.") == []
