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
    quoted = NUMBER.findall(re.sub(r"\{doc\}`[^`]*`", "", row))
    present = lambda n: re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d,]|\.\d)", text)
    return name, [n for n in quoted if not present(n)]


def test_the_table_has_one_row_per_application():
    assert len(table_rows()) == 7


@pytest.mark.parametrize("row", table_rows(), ids=lambda r: re.search(r"<(\w+)>", r).group(1))
def test_every_number_in_the_table_was_printed_by_its_notebook(row):
    name, missing = numbers_missing_from(row)
    assert not missing, f"{name}: the table quotes {missing}, which its notebook never printed"


def test_a_typed_number_is_caught():
    row = table_rows()[0] + " 12,345.678 |"
    assert numbers_missing_from(row)[1] == ["12,345.678"]
