"""The Triton kernels compile ahead of time for a Hopper GPU (sm_90), with no GPU present.

Runs in a subprocess with ``TRITON_INTERPRET=0``: in this process ``attnlib.kernels`` switched
Triton to its interpreter (no GPU), whose kernels cannot be compiled. Besides "it builds", checks what
makes the kernels fast on a Hopper GPU: tensor-core instructions (wgmma), pipelined loads
(cp.async), shared memory within the H100's limit and no register spills (``ptxas -v``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from attnlib.kernels import compile_report, triton_available

pytestmark = pytest.mark.skipif(not triton_available(), reason="Triton is not installed")

SCRIPT = """
import json
from attnlib.kernels.compile_ahead import H100_SHARED_MEMORY, compile_kernel, register_usage
rows = []
for which in ["forward", "dk_dv", "dq", "delta"]:
    for dtype in ["fp16", "bf16"]:
        for head_dim in ([64] if which == "delta" else [64, 128]):
            for causal in ([False] if which == "delta" else [False, True]):
                k = compile_kernel(which, dtype, head_dim, causal, arch=90)
                ptx = k.asm["ptx"]
                rows.append({
                    "kernel": which, "dtype": dtype, "D": head_dim, "causal": causal,
                    "target": [l.split()[1] for l in ptx.splitlines() if l.startswith(".target")][0],
                    "wgmma": "wgmma.mma_async" in ptx, "mma": ".mma" in ptx or "mma." in ptx,
                    "cubin": len(k.asm["cubin"]), "shared": k.metadata.shared,
                    "fits": k.metadata.shared <= H100_SHARED_MEMORY,
                    "async_copies": ptx.count("cp.async"), **register_usage(k, 90),
                })
print(json.dumps(rows))
"""


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One Triton cache for this module: the report re-uses what the first test compiled."""
    return str(tmp_path_factory.mktemp("triton-cache"))


def test_kernels_compile_for_sm90(cache_dir):
    env = {**os.environ, "TRITON_INTERPRET": "0", "TRITON_CACHE_DIR": cache_dir}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(rows) == 3 * 2 * 2 * 2 + 2
    for row in rows:
        assert row["target"].startswith("sm_90"), row
        assert row["cubin"] > 1000, row
        assert row["fits"], row
        assert row["spill_bytes"] == 0, row  # no registers spilled to local memory
        if row["kernel"] != "delta":
            assert row["wgmma"], row  # the matrix products run on Hopper tensor cores
            assert row["async_copies"] > 0, row  # loads are software-pipelined (cp.async)


def test_compile_report_is_what_the_chapter_prints(cache_dir, monkeypatch):
    monkeypatch.setenv("TRITON_CACHE_DIR", cache_dir)
    report = compile_report("forward", "bf16", head_dim=64, is_causal=True, arch=90)
    assert report["target"].startswith("sm_90")
    assert report["wgmma"] > 0 and report["cp_async"] > 0
    assert 0 < report["shared"] and report["spill_bytes"] == 0 and report["registers"] > 0
    with pytest.raises(ValueError, match="which"):
        compile_report("backward")
