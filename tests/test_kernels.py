"""attnlib.kernels.flash_attention against torch SDPA (float32 reference), on the CPU interpreter.

Forward output and the three gradients are compared at small sizes that still cross several
tiles (the interpreter uses 16-row tiles) and ragged ends (L, S = 40). fp16 is compared with a
float32 reference; bf16 ``tl.dot`` is not supported by the interpreter (GPU tests cover it).
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from attnlib.kernels import flash_attention, interpreter_active, triton_available

pytestmark = pytest.mark.skipif(not triton_available(), reason="Triton is not installed")
DEVICE = "cpu" if interpreter_active() else "cuda"
TOLERANCE = {torch.float32: 1e-5, torch.float16: 3e-3}
LENGTHS = [(16, 16), (40, 40), (64, 64), (40, 64), (64, 16)]


def _inputs(B, H, L, S, D, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    q, k, v, do = (torch.randn(B, H, n, D, generator=g).to(DEVICE, dtype) for n in (L, S, S, L))
    return [t.requires_grad_() for t in (q, k, v)], do


def _compare(close, B, H, L, S, D, dtype, causal, scale=None):
    """Output and dQ, dK, dV of the kernel vs float32 SDPA on the same (rounded) inputs."""
    (q, k, v), do = _inputs(B, H, L, S, D, dtype)
    out = flash_attention(q, k, v, is_causal=causal, scale=scale)
    assert out.shape == (B, H, L, D) and out.dtype == dtype
    grads = torch.autograd.grad(out, (q, k, v), do)
    ref_in = [t.detach().float().requires_grad_() for t in (q, k, v)]
    ref = F.scaled_dot_product_attention(*ref_in, is_causal=causal, scale=scale)
    ref_grads = torch.autograd.grad(ref, ref_in, do.float())
    tag = f"kernels {str(dtype)[6:]} {'causal' if causal else 'full'}"
    tol = TOLERANCE[dtype]
    close(out.detach().float(), ref, tol, f"{tag} output")
    for name, ours, theirs in zip(("dQ", "dK", "dV"), grads, ref_grads):
        assert ours.shape == theirs.shape and ours.dtype == dtype
        close(ours.float(), theirs, tol, f"{tag} {name}")


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("D", [16, 64])
@pytest.mark.parametrize("L,S", LENGTHS)
def test_float32_matches_sdpa(close, L, S, D, causal):
    _compare(close, 2, 2, L, S, D, torch.float32, causal)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("D", [16, 64])
@pytest.mark.parametrize("L,S", LENGTHS)
def test_float16_matches_float32_sdpa(close, L, S, D, causal):
    _compare(close, 1, 2, L, S, D, torch.float16, causal)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("L,S", [(1, 40), (40, 1), (1, 1), (17, 33)])
def test_edge_lengths(close, L, S, causal):
    _compare(close, 1, 2, L, S, 16, torch.float32, causal)


@pytest.mark.parametrize("D", [8, 24, 40, 80, 128])
def test_head_dims_are_padded_to_a_power_of_two(close, D):
    _compare(close, 1, 2, 40, 40, D, torch.float32, causal=True)


def test_explicit_scale(close):
    _compare(close, 1, 2, 40, 64, 32, torch.float32, causal=False, scale=0.3)


def test_causal_output_ignores_future_tokens():
    (q, k, v), _ = _inputs(1, 2, 40, 40, 32, torch.float32)
    before = flash_attention(q, k, v, is_causal=True).detach()
    k2, v2 = k.detach().clone(), v.detach().clone()
    k2[:, :, 20:], v2[:, :, 20:] = 100.0, -100.0  # change only keys/values after position 19
    after = flash_attention(q.detach(), k2, v2, is_causal=True)
    assert torch.equal(before[:, :, :20], after[:, :, :20])
    assert not torch.allclose(before[:, :, 20:], after[:, :, 20:])


@pytest.mark.parametrize(
    "shapes, dtypes, error, message",
    [
        (((1, 2, 8, 16), (1, 2, 8, 32), (1, 2, 8, 32)), None, ValueError, "expected q"),
        (((1, 2, 8, 16), (1, 2, 8, 16), (1, 2, 9, 16)), None, ValueError, "expected q"),
        (((2, 8, 16), (2, 8, 16), (2, 8, 16)), None, ValueError, "must have shape"),
        (((1, 2, 8, 256),) * 3, None, ValueError, "head dim"),
        (((1, 2, 8, 0),) * 3, None, ValueError, "head dim"),
        (((1, 2, 8, 16),) * 3, (torch.float64,) * 3, TypeError, "dtype"),
        (((1, 2, 8, 16),) * 3, (torch.float32, torch.float16, torch.float32), TypeError, "dtype"),
    ],
)
def test_bad_inputs_raise_clear_errors(shapes, dtypes, error, message):
    dtypes = dtypes or (torch.float32,) * 3
    q, k, v = (torch.zeros(s, dtype=d, device=DEVICE) for s, d in zip(shapes, dtypes))
    with pytest.raises(error, match=message):
        flash_attention(q, k, v)


def test_bad_flags_raise_before_launch():
    q = torch.zeros(1, 2, 8, 16, device=DEVICE)
    with pytest.raises(TypeError, match="is_causal"):
        flash_attention(q, q, q, is_causal="yes")
    with pytest.raises(TypeError, match="scale"):
        flash_attention(q, q, q, scale=torch.tensor(0.5))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the interpreter's NumPy meets the NaN
@pytest.mark.parametrize("where", ["q", "k", "v"])
def test_nan_propagates(where):
    """A NaN input gives NaN output rows, never a silent zero (as the math path: softmax of NaN)."""
    (q, k, v), _ = _inputs(1, 1, 16, 16, 16, torch.float32)
    q, k, v = (t.detach().clone() for t in (q, k, v))
    {"q": q, "k": k, "v": v}[where][0, 0, 3, 0] = float("nan")
    out = flash_attention(q, k, v, is_causal=True)
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
        ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.equal(out.isnan(), ref.isnan()) and out.isnan().any()


def test_wrong_device_is_named():
    wrong = "meta"  # neither the interpreter's CPU nor a CUDA GPU
    q = torch.zeros(1, 2, 8, 16, device=wrong)
    with pytest.raises(ValueError, match="meta"):
        flash_attention(q, q, q)


# --------------------------------------------------------------------------------------- GPU
gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("D", [64, 128])
def test_gpu_matches_sdpa(close, dtype, causal, D):
    tol = {torch.float16: 1e-2, torch.bfloat16: 4e-2}[dtype]
    torch.manual_seed(0)
    q, k, v, do = (torch.randn(2, 4, 1000, D, device="cuda", dtype=dtype) for _ in range(4))
    q, k, v = (t.requires_grad_() for t in (q, k, v))
    out = flash_attention(q, k, v, is_causal=causal)
    grads = torch.autograd.grad(out, (q, k, v), do)
    ref_in = [t.detach().float().requires_grad_() for t in (q, k, v)]
    ref = F.scaled_dot_product_attention(*ref_in, is_causal=causal)
    ref_grads = torch.autograd.grad(ref, ref_in, do.float())
    close(out.float(), ref, tol, f"gpu {dtype} causal={causal} D={D} output")
    for name, ours, theirs in zip(("dQ", "dK", "dV"), grads, ref_grads):
        close(ours.float(), theirs, tol * 4, f"gpu {dtype} causal={causal} D={D} {name}")


@pytest.mark.gpu
@gpu
def test_gpu_forward_not_much_slower_than_sdpa():
    from attnlib.bench import measure

    q = torch.randn(4, 32, 4096, 64, device="cuda", dtype=torch.bfloat16)
    ours = measure(lambda: flash_attention(q, q, q, is_causal=True), device="cuda")
    theirs = measure(lambda: F.scaled_dot_product_attention(q, q, q, is_causal=True), device="cuda")
    assert ours["time_s"] < 3 * theirs["time_s"], (ours, theirs)
