"""A hostile class, graded end to end as the instructors' page says: ``attn-grade --batch``.

Each hostile student answers ``softmax`` (9 points). A *probe* returns the right softmax only
when its attack worked (it could reach the network, read the grader's environment, fork 100
processes ...), so any points it earns are a hole in the sandbox. Honest students, graded in
the same run, must keep full marks; the run must finish and write every row.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import time
from pathlib import Path

import pytest
from attnlib.grading import bubblewrap, sandbox
from attnlib.grading.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOFTMAX = (ROOT / "exercises" / "solutions" / "01_softmax.py").read_text()
LAYER_NORM = (ROOT / "exercises" / "solutions" / "08_layer_norm.py").read_text()
PROBE = SOFTMAX.replace("def softmax(", "def _right(") + (
    "\ndef softmax(x, axis=-1):\n    import numpy as np\n"
    "    return _right(x, axis) if attack() else np.zeros(np.shape(x))\n"
)
TAIL = '\ncheck("softmax", softmax)\n'
SECRET = "attn-grade-secret-4711"


def probe(body: str) -> str:
    """A submission that earns points only if ``attack()`` (``body``) returns True."""
    return "def attack():\n" + "".join(f"    {line}\n" for line in body.splitlines()) + PROBE + TAIL


def cheat(body: str) -> str:
    return body + TAIL


HONEST = SOFTMAX + TAIL


def _students(port: int, batch: Path, hidden: Path, grades: Path) -> dict[str, str | bytes]:
    victims = [str(p) for p in (batch / "honest_1.py", batch / "honest_2.py", grades)]
    victims += [str(hidden / "softmax_hidden.py")]
    return {
        # abort: the grader's own process, odd signals, forged frames, deep data
        "kills_the_grader": cheat(
            "import os, signal\nfor pid in (os.getppid(), 1, -1):\n    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n"
            "def softmax(x, axis=-1):\n    os.kill(0, signal.SIGKILL)\n"
        ),
        "rt_signal": cheat(
            "import os, signal\ndef softmax(x, axis=-1):\n"
            "    os.kill(os.getpid(), signal.SIGRTMIN + 3)\n"
        ),
        "forges_frames": cheat(
            "import os, struct, json, sys\ndef frame(head, tail=b''):\n"
            "    body = struct.pack('>I', len(head)) + head + tail\n"
            "    return struct.pack('>Q', len(body)) + body\n"
            "def softmax(x, axis=-1):\n"
            "    for fd in [int(sys.argv[1]), *range(3, 64)]:\n        for h in [b'[1, 2]', b'\\xff\\xfe', b'{\"kind\": 1}',\n"
            "                  json.dumps({'kind': 'result', 'id': 0, 'value': {'t': 'array',\n"
            "                  'dtype': 'O', 'shape': [-1]}}).encode(), b'{' * 100000]:\n"
            "            try:\n                os.write(fd, frame(h))\n"
            "            except OSError:\n                pass\n"
            "    return 0\n"
        ),
        "deep_json.ipynb": "[" * 200_000 + "]" * 200_000,
        "not_utf8_\udcff\udcfe": HONEST,  # a file name that is not UTF-8 (honest work)
        # full marks without solving
        "undoes_the_import_block": cheat(
            "import sys, glob\nsys.meta_path[:] = [m for m in sys.meta_path\n"
            "    if 'Block' not in type(m).__name__]\n"
            "for top in ('/usr/lib/*', '/usr/local/lib/*', '/root/.*/versions/*/lib/*', '/harness'):\n"
            "    sys.path += glob.glob(top + '/*-packages')\n"
            "from attnlib.grading.catalog.basics import REGISTRY\n"
            "from attnlib.scratch import softmax\n"
        ),
        "runs_the_solutions": cheat(
            f"exec(open({str(ROOT / 'exercises/solutions/01_softmax.py')!r}).read())\n"
        ),
        "uses_torch": cheat(
            "import torch\ndef softmax(x, axis=-1):\n"
            "    return torch.softmax(torch.tensor(x), axis).numpy()\n"
        ),
        "hard_codes": cheat(_hard_coded()),
        # one student changes others' results
        "background_daemon": cheat(
            "import os, signal, time\nif os.fork() == 0:\n    os.setsid()\n"
            "    for _ in range(400):\n        for pid in range(2, 4000):\n"
            "            try:\n                os.kill(pid, signal.SIGKILL)\n"
            "            except OSError:\n                pass\n"
            f"        for path in {victims!r}:\n"
            "            try:\n                open(path, 'w').write('0')\n"
            "            except OSError:\n                pass\n"
            "        time.sleep(0.05)\n    os._exit(0)\n"
            "def softmax(x, axis=-1):\n    raise ValueError('no')\n"
        ),
        "honest_1": HONEST,
        "honest_2": HONEST,
        # containment: each probe earns points only if its attack works
        "probe_network": probe(
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
            "    return True\nexcept OSError:\n    pass\n"
            "for family in (socket.AF_INET, socket.AF_INET6, socket.AF_PACKET, socket.AF_NETLINK):\n"
            "    try:\n        socket.socket(family, socket.SOCK_RAW if family == socket.AF_PACKET\n"
            "                      else socket.SOCK_DGRAM).close()\n        return True\n"
            "    except OSError:\n        pass\nreturn False\n"
        ),
        "probe_grader_env": probe(
            "import glob\nfor p in glob.glob('/proc/*/environ'):\n    try:\n"
            f"        if b{SECRET!r} in open(p, 'rb').read():\n            return True\n"
            "    except OSError:\n        pass\nreturn False\n"
        ),
        "probe_privileges": probe(
            "import os\ncaps = open('/proc/self/status').read().split('CapEff:')[1].split()[0]\n"
            "return os.getuid() == 0 or os.geteuid() == 0 or int(caps, 16) != 0\n"
        ),
        "probe_processes": probe(
            "import os, time\nkids = []\nfor _ in range(100):\n    try:\n"
            "        pid = os.fork()\n    except OSError:\n        break\n"
            "    if pid == 0:\n        time.sleep(5)\n        os._exit(0)\n"
            "    kids.append(pid)\nreturn len(kids) >= 100\n"
        ),
        "probe_disk": probe(
            "n = 0\ntry:\n    for i in range(20):\n"
            "        with open(f'/tmp/f{i}', 'wb') as f:\n"
            "            for _ in range(15):\n                f.write(b'x' * 2**20)\n"
            "                n += 2**20\nexcept OSError:\n    pass\nreturn n > 100 * 2**20\n"
        ),
        "probe_writable": probe(
            "import os\nfor root, dirs, files in os.walk('/'):\n"
            "    dirs[:] = [d for d in dirs if os.path.join(root, d) not in\n"
            "               ('/proc', '/tmp', '/sys')]\n"
            "    if os.access(root, os.W_OK):\n        return True\nreturn False\n"
        ),
        "probe_course_files": probe(
            "import os\nfor root, dirs, files in os.walk('/'):\n"
            "    dirs[:] = [d for d in dirs if os.path.join(root, d) not in ('/proc', '/sys')]\n"
            "    for name in dirs + files:\n"
            "        if name in ('attnlib', 'torch', 'solutions') or 'hidden' in name:\n"
            "            return True\nreturn False\n"
        ),
        # data
        "=HYPERLINK(1)": HONEST,
        "prints": cheat(
            "import os, sys\nfor fd in (1, 2):\n    os.write(fd, b'\\nFORGED 99 / 8\\n')\n"
            "try:\n    open('/dev/tty', 'w').write('\\nFORGED 99 / 8\\n')\nexcept OSError:\n    pass\n"
            "def softmax(x, axis=-1):\n    raise ValueError('\\nFORGED 99 / 8\\x1b[2K')\n"
        ),
    }


def _hard_coded() -> str:
    """Answers to the published inputs, looked up by the inputs' bytes (computed here)."""
    import numpy as np
    from attnlib.grading import get_exercise

    ex = get_exercise("softmax")
    ns: dict = {}
    exec(SOFTMAX, ns)
    table = {}
    for t in ex.tests:
        out = ns["softmax"](*t.args, **t.kwargs)
        table[np.asarray(t.args[0]).tobytes().hex()] = (out.tolist(), out.shape)
    return (
        f"import numpy as np\nTABLE = {table!r}\nTABLE = {{k: v for k, v in TABLE.items()}}\n"
        "inf = float('inf')\n"
        "def softmax(x, axis=-1):\n    hit = TABLE.get(np.asarray(x).tobytes().hex())\n"
        "    return np.array(hit[0]).reshape(hit[1]) if hit else np.zeros(np.shape(x))\n"
    )


def _digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if bubblewrap.probe() is not None:
        pytest.fail(f"the sandbox must work where the tests run: {bubblewrap.probe()}")
    tmp = tmp_path_factory.mktemp("class")
    batch, hidden, grades = tmp / "submissions", tmp / "hidden", tmp / "grades.csv"
    batch.mkdir()
    hidden.mkdir()
    (hidden / "softmax_hidden.py").write_text(
        "import numpy as np\nfrom attnlib.grading import Test\nEXERCISE = 'softmax'\n"
        "TESTS = [Test('hidden batch', 2, (np.random.default_rng(5).normal(size=(6, 7)),))]\n"
    )
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    students = _students(server.getsockname()[1], batch, hidden, grades)
    for name, text in students.items():
        suffix = "" if name.endswith(".ipynb") else ".py"
        (batch / (name + suffix)).write_text(text, encoding="utf-8", errors="surrogateescape")
    deep = batch / "deep_tree"
    os.makedirs(deep / "/".join(["d"] * 150))
    (deep / "08_layer_norm.py").write_text(LAYER_NORM)
    (batch / "twofiles.ipynb").write_text(_notebook(SOFTMAX + TAIL))
    (batch / "twofiles.py").write_text(LAYER_NORM + '\ncheck("layer_norm", layer_norm)\n')
    protected = [batch / "honest_1.py", batch / "honest_2.py", hidden / "softmax_hidden.py"]
    before = _digest(protected)
    old_extra, os.environ["ATTN_TEST_SECRET"] = sandbox.LOAD_EXTRA, SECRET
    sandbox.LOAD_EXTRA = 6.0
    t0 = time.perf_counter()
    try:
        code = {}
        for key, extra in [("plain", []), ("hidden", ["--tests", str(hidden)])]:
            code[key] = main(["--batch", str(batch), "--csv", str(grades), "--timeout", "6",
                              "--json", str(tmp / f"{key}.json"), *extra])  # fmt: skip
            (tmp / f"{key}.csv").write_bytes(grades.read_bytes())
    finally:
        sandbox.LOAD_EXTRA = old_extra
        del os.environ["ATTN_TEST_SECRET"]
        server.close()
    seconds = time.perf_counter() - t0
    time.sleep(1.0)  # anything that survived would now rewrite the files below
    return {
        "survivors": _harness_processes(),
        "code": code, "tmp": tmp, "seconds": seconds, "grades": grades, "before": before,
        "after": _digest(protected), "csv_after": grades.read_bytes(),
        "csv_plain": (tmp / "plain.csv").read_bytes(), "csv_hidden": (tmp / "hidden.csv").read_bytes(),
    }  # fmt: skip


def _harness_processes() -> list[int]:
    """Processes still running the harness (a submission's fork keeps its command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"/harness/child.py" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def _notebook(source: str) -> str:
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _rows(data: bytes) -> dict[str, dict[str, str]]:
    rows = list(csv.reader(data.decode("utf-8").splitlines()))
    return {r[0]: dict(zip(rows[0], r)) for r in rows[2:]}


@pytest.mark.parametrize("run", ["plain", "hidden"])
def test_the_run_finishes_and_every_student_has_a_row(graded, run):
    assert graded["code"][run] == 0
    rows = _rows(graded[f"csv_{run}"])
    names = set(rows)
    assert len(names) == 23, sorted(names)
    assert "not_utf8_\\xff\\xfe" in names  # escaped, not dropped
    assert graded["seconds"] < 240


@pytest.mark.parametrize("run", ["plain", "hidden"])
def test_honest_students_keep_full_marks(graded, run):
    rows = _rows(graded[f"csv_{run}"])
    full = "11" if run == "hidden" else "9"
    for name in ["honest_1", "honest_2", "not_utf8_\\xff\\xfe", "'=HYPERLINK(1)"]:
        assert rows[name]["softmax"] == full, rows[name]
    assert rows["twofiles"]["softmax"] == full and rows["twofiles"]["layer_norm"] == "6"
    assert rows["deep_tree"]["layer_norm"] == "6"
    assert "deeper than" in rows["deep_tree"]["errors"]


@pytest.mark.parametrize("run", ["plain", "hidden"])
def test_every_cheat_and_probe_scores_zero(graded, run):
    rows = _rows(graded[f"csv_{run}"])
    cheats = [n for n in rows if not n.startswith(("honest", "not_utf8", "'=", "two", "deep_t"))]
    assert len(cheats) == 17
    for name in cheats:
        assert rows[name]["total"] == "0", (name, rows[name])
    assert "JSON" in rows["deep_json"]["errors"]


def test_nothing_outlives_its_sandbox(graded):
    assert graded["survivors"] == []
    assert graded["after"] == graded["before"]
    assert graded["csv_after"] == graded["csv_hidden"]


def test_rows_say_what_happened(graded):
    results = json.loads((graded["tmp"] / "plain.json").read_text())
    messages = {
        name: " ".join(t["message"] for r in rs for e in r["exercises"] for t in e["tests"])
        + " ".join(n for r in rs for e in r["exercises"] for n in e["notes"])
        for name, rs in results.items()
    }
    assert "signal 37" in messages["rt_signal"] or "SIGRTMIN" in messages["rt_signal"]
    assert "malformed" in messages["forges_frames"]
    assert "No module named 'torch'" in messages["uses_torch"]
    assert "No module named 'attnlib'" in messages["undoes_the_import_block"]
    assert "No such file" in messages["runs_the_solutions"]
    assert "hard-coded" in messages["hard_codes"]


def test_spreadsheet_formulas_are_neutralised_and_output_is_not_forged(graded, capfd):
    assert b"\n=HYPERLINK" not in graded["csv_plain"] and b",=" not in graded["csv_plain"]
    main([str(graded["tmp"] / "submissions" / "prints.py"), "--timeout", "3"])
    out, err = capfd.readouterr()
    assert "FORGED" in out  # the exception message is reported, escaped on the same line ...
    assert not any(line.startswith("FORGED") for line in (out + err).splitlines())
    assert "\x1b" not in out + err
