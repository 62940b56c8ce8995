"""The notation page is the book's one notation: it lists every symbol of the shape legend, and the
Foundations chapters link to it and do not reuse a legend letter for something else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTATION = ROOT / "chapters" / "foundations_extra" / "notation.md"
PREFACE = ROOT / "chapters" / "preface.md"
FOUNDATIONS = sorted(
    p
    for folder in ("background", "mathematics", "worked_example")
    for p in (ROOT / "chapters" / folder).glob("*.ipynb")
)

ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|", re.MULTILINE)


def table_symbols(text: str, heading: str) -> dict[str, str]:
    """{symbol: meaning} from the first Markdown table after ``heading``."""
    section = text.split(heading, 1)[1]
    table = re.search(r"(^\|.*\|\s*$\n?)+", section, re.MULTILINE).group(0)
    rows = ROW.findall(table)
    return {s: m for s, m in rows[1:] if not set(s) <= set("-: ")}  # drop the header row


def legend() -> dict[str, str]:
    return table_symbols(PREFACE.read_text(), "## Notation and the shape legend")


def test_the_legend_is_found():
    assert set(legend()) == {"B", "H", "L", "S", "D", "E"}


def test_notation_page_lists_every_legend_symbol_with_its_meaning():
    page = table_symbols(NOTATION.read_text(), "## The shape legend")
    for symbol, meaning in legend().items():
        assert symbol in page, f"notation page lacks the legend symbol {symbol}"
        first_word = re.findall(r"[a-z]+", meaning.lower())[0]
        assert first_word in page[symbol].lower(), (symbol, meaning, page[symbol])


def markdown(nb: Path) -> str:
    cells = json.loads(nb.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("notebook", FOUNDATIONS, ids=lambda p: p.stem)
def test_foundations_chapter_links_the_notation_page(notebook):
    assert re.search(r"\{doc\}`[^`]*foundations_extra/notation>?`", markdown(notebook)), (
        f"{notebook.name}: link the notation page, {{doc}}`../foundations_extra/notation`"
    )


# A legend letter used as the name of a matrix or of a quantity in the prose's mathematics.
CLASHES = {
    r"\$S\s*=\s*[A-Za-z\\]|\bdS\b|\\mathrm\{softmax\}[^$]*\(S\)": "S is the key length; scores are Z",
    r"\bH\s*=\s*-\\sum|entropy \$H": "H is the number of heads; entropy is Ent",
    r"\bW_h\b": "W_h was both the RNN matrix and a projection; use W_hh or U_a",
}


@pytest.mark.parametrize("notebook", FOUNDATIONS, ids=lambda p: p.stem)
def test_foundations_chapter_keeps_legend_letters_for_shapes(notebook):
    text = markdown(notebook)
    for pattern, why in CLASHES.items():
        assert not re.search(pattern, text), f"{notebook.name}: {why}"


def test_notation_page_names_each_clash_it_resolves():
    text = NOTATION.read_text()
    for must in (r"$Z = \lambda QK^\top$", r"\mathrm{Ent}(a)", "W_{hh}", "U_a"):
        assert must in text


PRIMER = ROOT / "chapters" / "foundations_extra" / "primer.md"


def test_primer_code_runs_and_its_training_loop_learns():
    """The primer's code blocks are shown, not executed by the book: run them here."""
    pytest.importorskip("torch")
    blocks = re.findall(r"```python\n(.*?)```", PRIMER.read_text(), re.DOTALL)
    assert len(blocks) == 3
    namespace: dict = {}
    for block in blocks:
        exec(block, namespace)  # noqa: S102 - the course's own snippets
    assert float(namespace["loss"].detach()) < 0.1  # the toy next-token task is learned
