"""The Colab-fidelity check itself (tools/colab_check.py) can fail, and the notebooks give it no
reason to: they reach no repository file. The full run is `make nbval` (one execution per notebook,
in a clean environment with only the attnlib wheel)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import colab_check
import nbformat
import notebooks as nbtools
import pytest

ROOT = Path(__file__).resolve().parents[1]

CHAPTER_NOTEBOOKS = nbtools.notebooks([str(ROOT / "chapters")])


def _run_guarded(code: str) -> subprocess.CompletedProcess:
    """Run code in a fresh Python with the network guard active, as the kernel has it."""
    program = colab_check.GUARD_SOURCE + "\n" + code
    env = {**os.environ, "COLAB_CHECK_NO_NETWORK": "1"}
    return subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
    )


def test_guard_refuses_a_connection_that_leaves_the_machine():
    # A documentation address (TEST-NET-1): refused by the guard before any packet is sent.
    result = _run_guarded(
        "import socket\n"
        "try:\n"
        "    socket.socket().connect(('192.0.2.1', 443))\n"
        "except ConnectionRefusedError as e:\n"
        "    print('refused:', e)\n"
    )
    assert "refused: network access refused" in result.stdout, result.stderr


def test_guard_refuses_name_lookups_and_urllib():
    result = _run_guarded(
        "import urllib.request\n"
        "try:\n"
        "    urllib.request.urlopen('https://pypi.org/simple/', timeout=2)\n"
        "except Exception as e:\n"
        "    print('blocked:', type(e).__name__, e)\n"
    )
    assert "blocked:" in result.stdout and "refused" in result.stdout, result.stderr


def test_guard_lets_the_kernel_talk_on_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
    accepted.start()
    result = _run_guarded(
        f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=5)\n"
        "print('connected')\n"
    )
    accepted.join(5)
    server.close()
    assert result.stdout.strip() == "connected", result.stderr


def test_guard_is_inactive_without_its_switch():
    env = {k: v for k, v in os.environ.items() if k != "COLAB_CHECK_NO_NETWORK"}
    program = colab_check.GUARD_SOURCE + "\nimport socket\nprint(socket.getaddrinfo.__module__)\n"
    result = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "socket", result.stderr


def test_each_notebook_is_staged_alone_in_an_empty_folder(tmp_path):
    if not CHAPTER_NOTEBOOKS:
        pytest.skip("no chapter notebook exists yet")
    copies = colab_check.stage(CHAPTER_NOTEBOOKS, tmp_path)
    assert sorted(copies.values()) == sorted(CHAPTER_NOTEBOOKS)
    for copy, original in copies.items():
        assert [p.name for p in copy.parent.iterdir()] == [original.name]
        assert copy.read_bytes() == original.read_bytes()


def test_foreign_configurations_change_the_numeric_kernels_only():
    for name, config in colab_check.CONFIGS.items():
        env = colab_check.kernel_env(name)
        assert env["COLAB_CHECK_NO_NETWORK"] == "1" and "PYTHONPATH" not in env
        assert {k: env[k] for k in config} == config
    assert len(colab_check.CONFIGS) >= 3


# Code that reaches into the repository: a relative path upwards, the package's source folder,
# the repository's own folders, or a download.
REPO_REFERENCE = re.compile(
    r"""(\.\./|(?<![\w.])lib/attnlib|['"](?:chapters|tests|tools|exercises|slides)/|"""
    r"""urlretrieve|requests\.get|wget |curl |hf_hub_download|from_pretrained)"""
)


def test_notebook_code_reaches_no_repository_file_and_downloads_nothing():
    offenders = []
    for path in CHAPTER_NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells[1:], start=1):  # cell 0: the generated setup cell
            if cell.cell_type == "code" and REPO_REFERENCE.search(cell.source):
                found = REPO_REFERENCE.search(cell.source).group(0)
                offenders.append(f"{path.relative_to(ROOT)} cell {i}: {found!r}")
    assert not offenders, "\n".join(offenders)


def test_the_repository_pattern_catches_what_it_should():
    assert REPO_REFERENCE.search("open('../../data/x.csv')")
    assert REPO_REFERENCE.search("np.load('chapters/code/w.npy')")
    assert REPO_REFERENCE.search("urllib.request.urlretrieve(url, 'x')")
    assert not REPO_REFERENCE.search("from attnlib import scratch\nx = a / b")


def test_setup_cell_installs_from_the_configured_repository():
    source = nbtools.setup_source()
    assert "import attnlib" in source.splitlines()[2]
    assert json.dumps(nbtools.repository_url())[1:-1] in source
