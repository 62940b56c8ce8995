r"""KV-cache bytes per token for each way of storing it, as formulas in integers.

Per layer and per token:

* multi-head (MHA): $2 H D$ numbers; grouped-query (GQA): $2 H_{kv} D$; multi-query: $2 D$;
* latent (MLA): $C + D_{rope}$ numbers (the latent and the decoupled RoPE key);
* int8 (any of the above with $H_{kv}$ heads): $2 H_{kv} D$ bytes plus $2 H_{kv}$ scales.

Multiply by the number of layers and the bytes per number.
"""

from __future__ import annotations

from attnlib.scratch._checks import check_size


def kv_bytes_per_token(method: str, num_layers: int, num_heads: int, head_dim: int, *,
                       num_kv_heads: int | None = None, latent_dim: int = 0, rope_dim: int = 0,
                       bytes_per_number: int = 2, scale_bytes: int = 2) -> int:  # fmt: skip
    """Bytes of KV cache one token costs in the whole model.

    Args:
        method: ``"mha"``, ``"gqa"``, ``"mqa"``, ``"mla"`` or ``"int8"`` (int8 codes for
            ``num_kv_heads`` heads, default H).
        num_layers, num_heads, head_dim: the model's depth, H and D.
        num_kv_heads: H_kv for ``"gqa"`` and ``"int8"``.
        latent_dim, rope_dim: C and D_rope for ``"mla"``.
        bytes_per_number: 2 for bfloat16/float16, 4 for float32 (not used by int8 codes).
        scale_bytes: bytes of each int8 scale.
    """
    n, H, D = (check_size(name, x, 1) for name, x in
               (("num_layers", num_layers), ("num_heads", num_heads), ("head_dim", head_dim)))  # fmt: skip
    h_kv = H if num_kv_heads is None else check_size("num_kv_heads", num_kv_heads, 1)
    if method in ("gqa", "int8") and H % h_kv:
        raise ValueError(f"num_heads={H} must be a multiple of num_kv_heads={h_kv}")
    if method == "mha":
        per_layer = 2 * H * D * bytes_per_number
    elif method == "gqa":
        per_layer = 2 * h_kv * D * bytes_per_number
    elif method == "mqa":
        per_layer = 2 * D * bytes_per_number
    elif method == "mla":
        per_layer = (check_size("latent_dim", latent_dim, 1) + rope_dim) * bytes_per_number
    elif method == "int8":
        per_layer = 2 * h_kv * D + 2 * h_kv * scale_bytes  # codes + one scale per vector
    else:
        raise ValueError(f"method must be mha, gqa, mqa, mla or int8, got {method!r}")
    return n * per_layer
