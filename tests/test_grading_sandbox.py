"""Hostile submissions: the grader survives each one and still scores the honest part correctly.

Every hostile submission answers two exercises: ``softmax`` (the hostile part) and ``layer_norm``
(a correct solution, worth 6 points). The grader must give layer_norm its 6 points every time.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from attnlib.grading import grade_submission, load_test_dir, sandbox
from attnlib.grading.cli import main

ROOT = Path(__file__).resolve().parents[1]
LAYER_NORM = (ROOT / "exercises" / "solutions" / "08_layer_norm.py").read_text()
SOFTMAX = (ROOT / "exercises" / "solutions" / "01_softmax.py").read_text()

HOSTILE = {
    "raises": "def softmax(x, axis=-1):\n    raise RuntimeError('boom')\n",
    "loops forever": "def softmax(x, axis=-1):\n    while True:\n        pass\n",
    "allocates huge memory": (
        "import numpy as np\ndef softmax(x, axis=-1):\n    hoard = []\n    while True:\n"
        "        hoard.append(np.ones(2**24))\n"
    ),
    "calls sys.exit": "import sys\nsys.exit(0)\ndef softmax(x, axis=-1):\n    sys.exit(3)\n",
    "calls os._exit": "import os\ndef softmax(x, axis=-1):\n    os._exit(0)\n",
    "kills its own process": (
        "import os, signal\ndef softmax(x, axis=-1):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
    ),
    "floods stdout": (
        "import os, sys\nimport numpy as np\nfor _ in range(100_000):\n    print('spam ' * 20)\n"
        "def softmax(x, axis=-1):\n    for _ in range(50_000):\n        print('x' * 200)\n"
        "        os.write(1, b'y' * 200)\n    sys.stderr.write('z' * 10**6)\n"
        "    e = np.exp(x - x.max(axis=axis, keepdims=True))\n"
        "    return e / e.sum(axis=axis, keepdims=True)\n"
    ),
    "returns wrong types": "def softmax(x, axis=-1):\n    return {'not': 'an array'}\n",
    "returns wrong shapes": (
        "import numpy as np\ndef softmax(x, axis=-1):\n    return np.ones((7, 7))\n"
    ),
    "returns wrong dtypes": (
        "import numpy as np\ndef softmax(x, axis=-1):\n    return np.array(x, dtype=object)\n"
    ),
    "returns NaN/inf": (
        "import numpy as np\ndef softmax(x, axis=-1):\n    return np.full(np.shape(x), np.nan)\n"
    ),
    "monkeypatches numpy": (
        "import numpy as np\nnp.allclose = np.isclose = np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\nnp.asarray = lambda *a, **k: 'x'\n"
        "def softmax(x, axis=-1):\n    return np.zeros(x.shape)\n"
    ),
    "monkeypatches torch": (
        "try:\n    import torch\n    torch.softmax = torch.allclose = lambda *a, **k: True\n"
        "except BaseException:\n    pass\nimport numpy as np\n"
        "def softmax(x, axis=-1):\n    return np.zeros(x.shape)\n"
    ),
    "monkeypatches the grader": (
        "import sys, types\nfake = types.ModuleType('attnlib')\nsys.modules['attnlib'] = fake\n"
        "try:\n    import attnlib.grading.compare as c\n    c.compare = lambda *a, **k: None\n"
        "except ImportError:\n    pass\nimport numpy as np\n"
        "def softmax(x, axis=-1):\n    return np.zeros(x.shape)\n"
    ),
    "forges result messages": (
        "import os, struct, sys\ndef softmax(x, axis=-1):\n    fd = int(sys.argv[2])\n"
        "    os.write(fd, struct.pack('>Q', 12) + b'garbage!!!!!')\n    return 0\n"
    ),
}


def _submission(tmp_path: Path, name: str, hostile: str) -> Path:
    path = tmp_path / f"{name.replace(' ', '_').replace('/', '_')}.py"
    path.write_text(
        "# %%\n" + hostile + "\n# %%\n" + LAYER_NORM
        + '\n# %%\ncheck("softmax", softmax)\ncheck("layer_norm", layer_norm)\n'
    )  # fmt: skip
    return path


@pytest.mark.parametrize("behaviour", list(HOSTILE))
def test_hostile_submission(tmp_path, behaviour):
    t0 = time.perf_counter()
    result = grade_submission(_submission(tmp_path, behaviour, HOSTILE[behaviour]), timeout=3)
    seconds = time.perf_counter() - t0
    scores = {e.exercise: (e.points, e.max_points) for e in result.exercises}
    assert scores["layer_norm"] == (6, 6), result.text()
    expected_softmax = 8 if behaviour == "floods stdout" else 0
    assert scores["softmax"] == (expected_softmax, 9), result.text()
    softmax = result.exercises[0]
    assert all(t.message for t in softmax.tests if not t.passed)
    assert seconds < 25, seconds


def test_hanging_exercise_costs_only_its_own_timeout(tmp_path):
    path = _submission(tmp_path, "hang", HOSTILE["loops forever"])
    t0 = time.perf_counter()
    result = grade_submission(path, timeout=1.0)
    assert time.perf_counter() - t0 < 15
    assert "timed out" in result.exercises[0].tests[0].message


def test_broken_notebook_json_and_empty_files(tmp_path):
    bad = tmp_path / "01_softmax.ipynb"
    bad.write_text('{"cells": [ {"cell_type": "code", "source": "def softmax(')
    result = grade_submission(bad)
    assert result.points == 0 and "not valid notebook JSON" in result.errors[0]
    for name in ["02_sdpa.py", "03_masks.ipynb"]:
        empty = tmp_path / name
        empty.write_text("")
        result = grade_submission(empty)
        assert result.points == 0 and "empty" in result.errors[0]
    not_nb = tmp_path / "x.ipynb"
    not_nb.write_text("[1, 2, 3]")
    assert "not a Jupyter notebook" in grade_submission(not_nb).errors[0]


def test_top_level_infinite_loop_scores_zero_quickly(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "LOAD_EXTRA", 1.0)  # loading normally gets 10 s extra for imports
    path = tmp_path / "01_softmax.py"
    path.write_text(SOFTMAX + "\nwhile True:\n    pass\n")
    t0 = time.perf_counter()
    result = grade_submission(path, timeout=1.0)
    assert result.points == 0 and time.perf_counter() - t0 < 10
    assert "loading the submission failed" in result.exercises[0].tests[0].message


def test_notebook_cells_magics_and_renamed_function(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "code", "metadata": {"tags": ["setup"]}, "source": "%pip install x"},
            {"cell_type": "markdown", "metadata": {}, "source": "text"},
            {
                "cell_type": "code",
                "metadata": {},
                "source": "!ls\n%time 1\n" + SOFTMAX.replace("def softmax", "def my_softmax"),
            },  # fmt: skip
            {"cell_type": "code", "metadata": {}, "source": "1 / 0"},
            {"cell_type": "code", "metadata": {}, "source": 'check("softmax", my_softmax)'},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "mine.ipynb"
    path.write_text(json.dumps(nb))
    result = grade_submission(path)
    assert result.points == result.max_points == 9, result.text()
    assert any("ZeroDivisionError" in n for n in result.exercises[0].notes)


def test_attnlib_is_not_available_in_the_sandbox(tmp_path):
    path = tmp_path / "01_softmax.py"
    path.write_text(
        "import attnlib\nfrom attnlib.grading import check\n# %%\n"
        "from attnlib.scratch import softmax as library_softmax\n"
        "def softmax(x, axis=-1):\n    return library_softmax(x, axis)\n"
    )
    result = grade_submission(path)
    assert result.points == 0
    assert any("No module named 'attnlib'" in n for n in result.exercises[0].notes), result.text()


def test_hidden_tests_from_an_instructor_directory(tmp_path):
    tests = tmp_path / "hidden"
    tests.mkdir()
    (tests / "softmax_hidden.py").write_text(
        "import numpy as np\nfrom attnlib.grading import Test\nEXERCISE = 'softmax'\n"
        "rng = np.random.default_rng(0)\n"
        "TESTS = [Test('big batch', 3, (rng.normal(size=(16, 9)),)),\n"
        "         Test('axis 1 of 3-D', 2, (rng.normal(size=(2, 3, 4)),), {'axis': 1})]\n"
    )
    extra = load_test_dir(tests)
    assert extra["softmax"].max_points == 9 + 5
    ref = grade_submission(ROOT / "exercises" / "solutions" / "01_softmax.py", extra)
    assert ref.points == 14
    wrong = tmp_path / "01_softmax.py"
    wrong.write_text(SOFTMAX.replace("axis=axis", "axis=-1"))
    result = grade_submission(wrong, extra)
    hidden = [t for t in result.exercises[0].tests if t.hidden]
    assert [t.passed for t in hidden] == [True, False]
    assert (
        "axis 1 of 3-D" in result.text() and "why:" not in result.text().split("axis 1 of 3-D")[1]
    )


def test_instructor_defines_a_new_exercise(tmp_path):
    tests = tmp_path / "private"
    tests.mkdir()
    (tests / "scores.py").write_text(
        "import numpy as np\nfrom attnlib.grading import Exercise, Mistake, Test\n"
        "EXERCISE = Exercise('scores', 'Raw scores', ('scores',), {'scores': lambda q, k: q @ k.T},\n"
        "    [Test('public', 1, (np.array([[1.0, 2], [3, 4]]), np.ones((3, 2))))],\n"
        "    mistakes={'scores': [Mistake('Use the matrix product.', lambda q, k: np.ones((len(q), len(k))))]})\n"
        "TESTS = [Test('hidden', 2, (np.arange(6.0).reshape(3, 2), np.ones((4, 2))))]\n"
    )
    extra = load_test_dir(tests)
    good = tmp_path / "good.py"
    good.write_text("def scores(q, k):\n    return q @ k.T\ncheck('scores', scores)\n")
    assert grade_submission(good, extra).points == 3
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\ndef scores(q, k):\n    return np.ones((len(q), len(k)))\n")
    result = grade_submission(bad, extra, exercise="scores")
    assert result.points == 0 and result.max_points == 3
    assert result.exercises[0].tests[0].hint == "Use the matrix product."


def test_cli_single_batch_csv_json(tmp_path, capsys):
    batch = tmp_path / "class"
    (batch / "bob").mkdir(parents=True)
    (batch / "alice.py").write_text(SOFTMAX + '\ncheck("softmax", softmax)\n')
    (batch / "bob" / "08_layer_norm.py").write_text(LAYER_NORM)
    (batch / "bob" / "01_softmax.ipynb").write_text("not json")
    (batch / "carol.py").write_text("")
    (batch / "dave.PY").write_text(SOFTMAX + '\ncheck("softmax", softmax)\n')
    (batch / "erin.txt").write_text("my answers are in the notebook")
    (batch / "bob" / "notes.md").write_text("notes")
    (batch / "frank.py").symlink_to(batch / "alice.py")
    os.mkfifo(batch / "gina.py")
    grades, out_json = tmp_path / "grades.csv", tmp_path / "all.json"
    assert main(["--batch", str(batch), "--csv", str(grades), "--json", str(out_json)]) == 0
    rows = [line.split(",") for line in grades.read_text().splitlines()]
    assert rows[0][:1] == ["student"] and rows[1][0] == "(max)"
    by_student = {r[0]: r for r in rows[2:]}
    header = rows[0]
    assert by_student["alice"][header.index("softmax")] == "9"
    assert by_student["bob"][header.index("layer_norm")] == "6"
    assert by_student["bob"][header.index("total")] == "6"
    assert "empty" in by_student["carol"][header.index("errors")]
    assert by_student["dave"][header.index("softmax")] == "9"
    assert "not a .ipynb or .py file" in by_student["erin"][header.index("errors")]
    assert "notes.md is not a .ipynb" in by_student["bob"][header.index("errors")]
    assert "is a link" in by_student["frank"][header.index("errors")]
    assert "not a regular file" in by_student["gina"][header.index("errors")]
    assert by_student["frank"][header.index("total")] == "0"
    assert json.loads(out_json.read_text())["alice"][0]["points"] == 9
    assert main([str(batch / "alice.py"), "--timeout", "5"]) == 0
    assert "9 / 9 points" in capsys.readouterr().out


def test_selfcheck_flags_a_solution_that_is_not_full_marks(tmp_path, capsys):
    (tmp_path / "solutions").mkdir()
    stub = ROOT / "exercises" / "06_sinusoidal.ipynb"
    (tmp_path / stub.name).write_text(stub.read_text())
    (tmp_path / "solutions" / "06_sinusoidal.py").write_text(
        "import numpy as np\ndef sinusoidal_encoding(L, E):\n    return np.zeros((L, E))\n"
    )
    assert main(["--selfcheck", str(tmp_path)]) == 1
    assert "<- WRONG" in capsys.readouterr().out
