"""Where no sandbox can start (a student's Colab), self-check still works, and batch refuses.

Also: the Gradescope export, and the one-line notice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attnlib.grading import bubblewrap, grade_submission
from attnlib.grading.cli import UNSAFE_FLAG, main

ROOT = Path(__file__).resolve().parents[1]
SOFTMAX = (ROOT / "exercises" / "solutions" / "01_softmax.py").read_text()


@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setenv("ATTN_GRADE_BWRAP", "/nonexistent/bwrap")
    bubblewrap.probe.cache_clear()
    yield
    monkeypatch.undo()
    bubblewrap.probe.cache_clear()


def test_without_bubblewrap_a_single_file_is_graded_with_a_notice(no_bwrap, tmp_path, capsys):
    assert "not installed" in bubblewrap.probe()
    path = tmp_path / "01_softmax.py"
    path.write_text(SOFTMAX)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "9 / 9 points" in out
    notices = [line for line in out.splitlines() if "notice:" in line]
    assert len(notices) == 1 and "not sandboxed" in notices[0]
    assert grade_submission(path).isolation == "process"
    with pytest.raises(RuntimeError, match="sandbox"):
        grade_submission(path, isolation="sandbox")


def test_without_bubblewrap_batch_refuses_unless_told_loudly(no_bwrap, tmp_path, capsys):
    batch = tmp_path / "class"
    batch.mkdir()
    (batch / "alice.py").write_text(SOFTMAX + '\ncheck("softmax", softmax)\n')
    grades = tmp_path / "grades.csv"
    assert main(["--batch", str(batch), "--csv", str(grades)]) == 2
    assert not grades.exists()
    assert UNSAFE_FLAG in capsys.readouterr().err
    assert main(["--batch", str(batch), "--csv", str(grades), UNSAFE_FLAG]) == 0
    assert "WARNING" in capsys.readouterr().err
    assert grades.read_text().splitlines()[2].startswith("alice,9,")


def test_without_the_sandbox_attnlib_and_torch_are_still_refused(no_bwrap, tmp_path):
    path = tmp_path / "01_softmax.py"
    path.write_text("from attnlib.scratch import softmax\nimport torch\n")
    result = grade_submission(path)
    assert result.points == 0
    assert any("not available while grading" in n for n in result.exercises[0].notes)


def test_the_sandbox_is_what_grades_here():
    assert bubblewrap.probe() is None, bubblewrap.probe()
    result = grade_submission(ROOT / "exercises" / "solutions" / "01_softmax.py")
    assert result.isolation == "sandbox" and not result.notice
    assert result.points == 9


def test_the_user_namespace_mode_of_a_grader_that_is_not_root_starts_too():
    """Run by an instructor's own account, the sandbox maps uid 65534 in a user namespace."""
    import subprocess

    cmd = bubblewrap.command(bubblewrap.find_bwrap(), ["--probe"], 1, userns=True)
    assert "--unshare-user" in cmd
    done = subprocess.run(cmd, capture_output=True, timeout=60)
    assert done.stdout == b"sandbox ok\n", done.stderr


def test_gradescope_results_json(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "h.py").write_text(
        "import numpy as np\nfrom attnlib.grading import Test\nEXERCISE = 'softmax'\n"
        "TESTS = [Test('hidden axis 0', 2, (np.ones((3, 2)),), {'axis': 0})]\n"
    )
    path = tmp_path / "01_softmax.py"
    path.write_text(SOFTMAX.replace("axis=axis", "axis=-1"))  # wrong on the axis tests
    out = tmp_path / "results.json"
    assert main([str(path), "--tests", str(hidden), "--gradescope", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["max_score"] == 11 and doc["score"] == 8
    tests = doc["tests"]
    assert len(tests) == 8 and {t["status"] for t in tests} == {"passed", "failed"}
    assert tests[-1]["visibility"] == "after_published" and tests[-1]["output"] == ""
    assert tests[2]["score"] == 0 and "why" not in tests[2]["output"] and tests[2]["output"]


def test_check_in_a_kernel_without_bubblewrap_prints_one_notice(no_bwrap, capsys):
    from attnlib.grading import check

    namespace: dict = {}
    exec(SOFTMAX, namespace)
    check("softmax", namespace["softmax"])
    out = capsys.readouterr().out
    assert "9 / 9 points" in out
    assert [line for line in out.splitlines() if line.startswith("notice:")] == [
        "notice: checked in this kernel; no sandbox can start here "
        "(bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap))"
    ]
