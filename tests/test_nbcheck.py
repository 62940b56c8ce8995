"""The notebook stage's comparison (tools/nbcheck.py): exact cells, measured cells, tags.

Every chapter notebook declares its kind of output per cell; these tests prove the comparison
passes what drifts within a declared tolerance and fails a broken formula or an accuracy that
moved by more than its tolerance.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbcheck
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if "_build" not in p.parts)
SANE = nbcheck.Sanitizer(ROOT / "tests" / "nbval_sanitize.cfg")


def cell(text: str, tolerance: dict | None = None, tags: list[str] | None = None) -> dict:
    c = nbformat.v4.new_code_cell("print(x)")
    c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    if tolerance is not None:
        c.metadata["tolerance"] = tolerance
    if tags:
        c.metadata["tags"] = tags
    return c


def notebook(*cells: dict) -> dict:
    return json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=list(cells))))


ACC = {"abs": 0.01, "why": "accuracy: 3-seed spread 0.004"}


def test_an_exact_cell_fails_on_any_change():
    assert (
        nbcheck.compare_cell(cell("weights sum to 1.0"), cell("weights sum to 1.0"), SANE) is None
    )
    problem = nbcheck.compare_cell(cell("p = 0.2231"), cell("p = 0.2232"), SANE)
    assert problem and "exact output differs" in problem


def test_a_measured_cell_passes_drift_within_its_tolerance():
    stored, fresh = (
        cell("exact match 0.986 (28 errors)", ACC),
        cell("exact match 0.980 (28 errors)"),
    )
    assert nbcheck.compare_cell(stored, fresh, SANE) is None


def test_a_measured_cell_fails_beyond_its_tolerance():
    problem = nbcheck.compare_cell(cell("exact match 0.986", ACC), cell("exact match 0.960"), SANE)
    assert problem and "0.986 -> 0.960" in problem and "3-seed spread" in problem


def test_a_measured_cell_still_compares_its_words():
    problem = nbcheck.compare_cell(cell("post-LN wins 0.95", ACC), cell("pre-LN wins 0.95"), SANE)
    assert problem and "text around the numbers" in problem


def test_relative_tolerance_and_printed_columns():
    tol = {"abs": 0.05, "rel": 0.1, "why": "float32 round-off; timing ratio"}
    stored = cell("tensor([ 0.0100, -1.0000])\nspeed-up 3.1x", tol)
    assert (
        nbcheck.compare_cell(stored, cell("tensor([-0.0100, -1.0500])\nspeed-up 3.3x"), SANE)
        is None
    )
    assert nbcheck.compare_cell(stored, cell("tensor([ 0.0100, -1.0000])\nspeed-up 3.5x"), SANE)


def test_nan_matches_only_nan():
    tol = nbcheck.Tolerance(abs=1.0, why="x")
    assert tol.allows(float("nan"), float("nan"))
    assert not tol.allows(0.0, float("nan"))


def test_ignored_and_skipped_cells_compare_nothing():
    for tag in ("nbval-ignore-output", "nbval-skip"):
        assert (
            nbcheck.compare_cell(cell("took 3.1 s", tags=[tag]), cell("took 9.9 s"), SANE) is None
        )


def test_a_tolerance_must_say_why_and_be_positive():
    for bad in ({"abs": 0.01}, {"abs": 0, "why": "x"}, {"tol": 1, "why": "x"}):
        with pytest.raises(ValueError):
            nbcheck.Tolerance.of(cell("1", bad))


def test_a_missing_or_extra_output_fails():
    two = cell("a 1")
    two["outputs"].append(nbformat.v4.new_output("stream", name="stderr", text="Warning"))
    assert "1 stored outputs, 2 fresh" in nbcheck.compare_cell(cell("a 1"), two, SANE)


def test_split_prints_compare_as_one_stream():
    split = cell("a ")
    split["outputs"].append(nbformat.v4.new_output("stream", name="stdout", text="1\n"))
    assert nbcheck.compare_cell(cell("a 1\n"), split, SANE) is None


def test_check_counts_kinds_and_names_the_failing_cell():
    stored = notebook(
        cell("n = 4"), cell("acc 0.9", ACC), cell("1 s", tags=["nbval-ignore-output"])
    )
    fresh = notebook(cell("n = 5"), cell("acc 0.905"), cell("2 s"))
    report = nbcheck.check(stored, fresh, "nb", SANE)
    assert (report.exact, report.measured, report.ignored) == (1, 1, 1)
    assert len(report.failures) == 1 and report.failures[0].startswith("cell 0")


def test_numbers_are_tokens_not_parts_of_names():
    assert nbcheck.skeleton("fp32 L2: 1,234 of 2.5e-07 (12ms)") == (
        "fp32L2:#of#(#ms)",
        ["1,234", "2.5e-07", "12"],
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_declarations_are_well_formed(path):
    """Every declared tolerance parses and explains itself; no test marker is a visible comment."""
    nb = json.loads(path.read_text())
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        nbcheck.Tolerance.of(c)  # raises on a malformed declaration
        assert "NBVAL_" not in "".join(c["source"]), "test markers are cell tags, not comments"


def test_a_glued_value_is_compared_like_a_printed_one():
    def glued(text: str, tolerance: dict | None = None) -> dict:
        c = cell("", tolerance)
        c["outputs"] = [nbformat.v4.new_output("display_data", data={nbcheck.GLUED_TEXT: text})]
        return c

    assert nbcheck.compare_cell(glued("0.986", ACC), glued("0.98"), SANE) is None
    assert nbcheck.compare_cell(glued("0.986"), glued("0.98"), SANE)
