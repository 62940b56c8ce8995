"""How many floating-point operations an attention call performs (the convention of the FlashAttention papers)."""

from __future__ import annotations


def attention_flops(
    B: int, H: int, L: int, S: int, D: int, is_causal: bool = False, backward: bool = False
) -> float:
    r"""FLOPs of one attention call, counting the two matrix products only.

    $$\text{forward} = \underbrace{2BHLSD}_{QK^\top} + \underbrace{2BHLSD}_{PV} = 4BHLSD,$$
    halved when causal (half of the score matrix is skipped), and the backward pass counted as
    2.5× the forward (five matrix products instead of two: dV, dP, dQ, dK and recomputing P).

    Args:
        B, H, L, S, D: batch, heads, query length, key length, head dim.
        is_causal: count only the lower triangle.
        backward: count the backward pass instead of the forward.

    Returns:
        The number of floating-point operations (a float: it overflows nothing).
    """
    flops = 4.0 * B * H * L * S * D
    if is_causal:
        flops /= 2
    return flops * 2.5 if backward else flops


def tflops_per_second(flops: float, seconds: float) -> float:
    """Throughput in TFLOP/s (10¹² floating-point operations per second)."""
    return flops / seconds / 1e12
