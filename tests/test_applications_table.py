"""The applications overview table quotes numbers; each must be one its notebook printed.

nbval proves the stored outputs are what a fresh run prints, so this closes the chain:
table -> stored outputs -> fresh run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "chapters" / "applications" / "index.md"
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def table_rows() -> list[str]:
    return [line for line in INDEX.read_text().splitlines() if line.startswith("| {doc}")]


def stored_output_text(notebook: Path) -> str:
    parts: list[str] = []
    for cell in json.loads(notebook.read_text())["cells"]:
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            parts += ["".join(v) for k, v in out.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(parts)


def numbers_missing_from(row: str) -> tuple[str, list[str]]:
    name = re.search(r"\{doc\}`[^`<]*<(\w+)>`", row).group(1)
    text = stored_output_text(INDEX.parent / f"{name}.ipynb")
    if row.count("|") == HEADER.count("|"):  # the seeds column is checked against the code
        c = cells(row)
        row = "| " + " | ".join(c[:6] + c[7:]) + " |"
    quoted = NUMBER.findall(re.sub(r"\{doc\}`[^`]*`", "", row))
    present = lambda n: re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d,]|\.\d)", text)
    return name, [n for n in quoted if not present(n)]


HEADER = (
    "| task | attention model | strongest baseline | metric | attention | baseline | seeds "
    "| verdict | CPU |"
)


def cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def test_the_table_has_one_row_per_application():
    assert len(table_rows()) == 8


def test_the_table_has_the_columns_of_a_fair_comparison():
    assert HEADER in INDEX.read_text().splitlines()
    for row in table_rows():
        assert len(cells(row)) == HEADER.count("|") - 1, row


@pytest.mark.parametrize("row", table_rows(), ids=lambda r: re.search(r"<(\w+)>", r).group(1))
def test_every_row_says_how_many_seeds_and_who_wins(row):
    c = cells(row)
    seeds, verdict = c[6], c[7]
    assert re.fullmatch(r"\d+", seeds) and int(seeds) >= 3 or "CPU budget" in seeds, (
        f"seeds {seeds!r}: at least 3, or say that the CPU budget did not allow it"
    )
    assert verdict.split()[0].strip("*") in {"wins", "ties", "loses"}, verdict
    if int(seeds.split()[0]) < 2:
        assert "±" not in c[4] + c[5], "a spread needs at least two seeds"


@pytest.mark.parametrize("row", table_rows(), ids=lambda r: re.search(r"<(\w+)>", r).group(1))
def test_every_number_in_the_table_was_printed_by_its_notebook(row):
    name, missing = numbers_missing_from(row)
    assert not missing, f"{name}: the table quotes {missing}, which its notebook never printed"


def seeds_in_code(notebook: Path) -> int:
    """How many seeds the notebook's code runs: ``SEEDS = (0, 1, 2)`` -> 3; none -> 1."""
    source = "\n".join(
        "".join(c["source"])
        for c in json.loads(notebook.read_text())["cells"]
        if c["cell_type"] == "code"
    )
    # SEEDS = (0, 1, 2)  or  LABEL_COUNTS, SEEDS = (16, 64), (0, 1, 2)
    found = re.findall(r"SEEDS = (?:\([\d, ]+\), )?\(([^)]*)\)", source)
    return len([s for s in found[0].split(",") if s.strip()]) if found else 1


@pytest.mark.parametrize("row", table_rows(), ids=lambda r: re.search(r"<(\w+)>", r).group(1))
def test_the_seeds_column_is_what_the_notebook_runs(row):
    name = re.search(r"<(\w+)>", row).group(1)
    assert int(cells(row)[6].split()[0]) == seeds_in_code(INDEX.parent / f"{name}.ipynb")


def test_a_row_without_seeds_or_verdict_is_caught():
    row = table_rows()[0]
    c = cells(row)
    c[6], c[7] = "", "better"
    with pytest.raises(AssertionError):
        test_every_row_says_how_many_seeds_and_who_wins("| " + " | ".join(c) + " |")


def test_a_typed_number_is_caught():
    row = table_rows()[0] + " 12,345.678 |"
    assert numbers_missing_from(row)[1] == ["12,345.678"]
