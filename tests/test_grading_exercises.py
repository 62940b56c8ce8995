"""The graded exercises: reference solutions score full marks, stubs 0, wrong answers get hints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from attnlib.grading import exercise_names, get_exercise, grade_functions, grade_submission

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
STUBS = sorted(EXERCISES.glob("[0-9]*_*.ipynb"))


def test_at_least_twelve_exercises_each_with_notebook_and_solution():
    names = exercise_names()
    assert len(names) >= 12 and len(STUBS) == len(names)
    for stub in STUBS:
        assert (EXERCISES / "solutions" / f"{stub.stem}.py").is_file()
        name = json.loads(stub.read_text())["metadata"]["attn_grade"]["exercise"]
        assert name in names and stub.stem.split("_", 1)[1] == name
        assert get_exercise(name).max_points >= 5


@pytest.mark.parametrize("stub", STUBS, ids=lambda p: p.stem)
def test_notebook_layout(stub):
    cells = json.loads(stub.read_text())["cells"]
    assert "setup" in cells[0]["metadata"]["tags"]
    assert "attnlib" in "".join(cells[0]["source"])
    check = [c for c in cells if "check" in c["metadata"].get("tags", [])]
    assert len(check) == 1 and "check(" in "".join(check[0]["source"])
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("stub", STUBS, ids=lambda p: p.stem)
def test_reference_full_marks_and_stub_zero_in_the_sandbox(stub):
    ref = grade_submission(EXERCISES / "solutions" / f"{stub.stem}.py")
    assert not ref.errors and ref.max_points > 0
    assert ref.points == ref.max_points, ref.text()
    untouched = grade_submission(stub)
    assert untouched.max_points == ref.max_points
    assert untouched.points == 0, untouched.text()
    assert all(t.hint for e in untouched.exercises for t in e.tests), untouched.text()


def test_check_prints_pass_fail_points_and_hints(capsys):
    from attnlib.grading import check

    def naive(x, axis=-1):  # no max subtraction: overflows on the large-scores test
        e = np.exp(x)
        return e / e.sum(axis=axis, keepdims=True)

    with np.errstate(all="ignore"):
        check("softmax", naive)
    out = capsys.readouterr().out
    assert "[PASS]" in out and "[FAIL]" in out and "hint:" in out and "6 / 9 points" in out


def test_check_warns_when_a_function_uses_attnlib(capsys):
    from attnlib import grading
    from attnlib.grading import check

    def lazy(x, axis=-1):
        return grading.get_exercise("softmax").oracles["softmax"](x, axis).numpy()

    check("softmax", lazy)
    out = capsys.readouterr().out
    assert "9 / 9 points" in out and "grading" in out and "from attnlib: the instructor" in out


def test_check_survives_a_hanging_or_exiting_function():
    import sys
    import time

    def hangs(x, axis=-1):
        while True:
            time.sleep(0.01)

    t0 = time.perf_counter()
    result = grade_functions("softmax", hangs, timeout=0.2)
    assert result.points == 0 and "timed out" in result.tests[0].message
    assert time.perf_counter() - t0 < 5
    result = grade_functions("softmax", lambda x, axis=-1: sys.exit(1))
    assert result.points == 0 and "SystemExit" in result.tests[0].message


def test_book_page_lists_every_exercise_with_its_points():
    page = (ROOT / "chapters" / "practice" / "graded_exercises.md").read_text()
    for stub in STUBS:
        name = stub.stem.split("_", 1)[1]
        row = next(line for line in page.splitlines() if line.startswith(f"| `{stub.stem}`"))
        assert row.split("|")[3].strip() == f"{get_exercise(name).max_points}"


def test_exercise_notebook_runs_in_a_kernel(tmp_path):
    """The setup and check cells work in Jupyter: with the solution pasted in, full marks."""
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor

    nb = nbformat.read(EXERCISES / "01_softmax.ipynb", as_version=4)
    solution = next(c for c in nb.cells if "solution" in c.metadata.get("tags", []))
    solution.source = (EXERCISES / "solutions" / "01_softmax.py").read_text()
    ep = ExecutePreprocessor(timeout=120, kernel_name="python3")
    ep.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "9 / 9 points" in printed and "[FAIL]" not in printed
