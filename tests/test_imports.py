"""``import attnlib`` and ``import attnlib.scratch`` stay light: no torch, no triton, no env vars.

Each case runs in a fresh interpreter, since this test process has long imported torch.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"} | env
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("module", ["attnlib", "attnlib.scratch"])
def test_import_needs_only_numpy_and_sets_no_environment(module):
    done = run(
        f"import os, sys; before = dict(os.environ); import {module}\n"
        "heavy = sorted({'torch', 'triton', 'scipy', 'matplotlib'} & set(sys.modules))\n"
        "print(heavy, dict(os.environ) == before)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"]


def test_subpackages_are_reachable_as_attributes():
    done = run(
        "import attnlib; print(attnlib.nn.MultiHeadAttention.__name__, attnlib.scratch.softmax.__name__, attnlib.amp_dtype.__name__)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["MultiHeadAttention", "softmax", "amp_dtype"]


def test_unknown_attribute_is_an_attribute_error():
    done = run("import attnlib; attnlib.no_such_thing")
    assert "AttributeError" in done.stderr and "no_such_thing" in done.stderr


def test_kernels_choose_the_interpreter_without_a_gpu():
    pytest.importorskip("triton")
    code = (
        "import torch, attnlib.kernels as K, os\n"
        "print(torch.cuda.is_available(), os.environ.get('TRITON_INTERPRET'), K.interpreter_active())"
    )
    done = run(code)
    assert done.returncode == 0, done.stderr
    cuda, value, active = done.stdout.split()
    assert (value, active) == (("None", "False") if cuda == "True" else ("1", "True"))


def test_triton_imported_the_other_way_gives_a_clear_error():
    pytest.importorskip("triton")
    code = (
        "import torch, triton, attnlib.kernels as K\n"
        "if torch.cuda.is_available(): print('skip'); raise SystemExit\n"
        "q = torch.zeros(1, 1, 16, 16)\n"
        "try:\n    K.flash_attention(q, q, q)\nexcept RuntimeError as e:\n    print(e)"
    )
    done = run(code)
    assert done.returncode == 0, done.stderr
    if done.stdout.strip() != "skip":
        assert "TRITON_INTERPRET=1" in done.stdout and "before" in done.stdout
