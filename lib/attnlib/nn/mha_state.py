"""Convert between our MultiHeadAttention and ``torch.nn.MultiheadAttention`` state dicts.

PyTorch stores the three input projections stacked in one ``in_proj_weight`` (3E, E) when
query, key and value share the model dim E, and as ``q_proj_weight``/``k_proj_weight``/
``v_proj_weight`` when ``kdim`` or ``vdim`` differ; the biases are always one ``in_proj_bias``
(3E,). We keep three separate ``nn.Linear`` layers, which read more easily.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _uses_in_proj(mha: nn.Module) -> bool:
    return mha.kdim == mha.embed_dim and mha.vdim == mha.embed_dim


def torch_state_dict(mha: nn.Module) -> dict[str, Tensor]:
    """Our weights under ``torch.nn.MultiheadAttention``'s names (detached copies)."""
    if mha.num_kv_heads != mha.num_heads:
        raise ValueError(
            f"torch.nn.MultiheadAttention has no grouped-query attention "
            f"(num_kv_heads={mha.num_kv_heads} != num_heads={mha.num_heads})"
        )
    q, k, v, o = mha.q_proj, mha.k_proj, mha.v_proj, mha.out_proj
    sd: dict[str, Tensor] = {}
    if _uses_in_proj(mha):
        sd["in_proj_weight"] = torch.cat([q.weight, k.weight, v.weight])  # 3 x (E, E) -> (3E, E)
    else:
        sd["q_proj_weight"], sd["k_proj_weight"], sd["v_proj_weight"] = q.weight, k.weight, v.weight
    if q.bias is not None:
        sd["in_proj_bias"] = torch.cat([q.bias, k.bias, v.bias])  # 3 x (E,) -> (3E,)
    sd["out_proj.weight"] = o.weight
    if o.bias is not None:
        sd["out_proj.bias"] = o.bias
    return {name: t.detach().clone() for name, t in sd.items()}


@torch.no_grad()
def load_torch_state_dict(mha: nn.Module, state_dict: dict[str, Tensor]) -> None:
    """Copy a ``torch.nn.MultiheadAttention`` state dict into ``mha`` (in place)."""
    expected = set(torch_state_dict(mha))  # also rejects grouped-query attention
    got = set(state_dict)
    if got != expected:
        raise ValueError(
            f"state dict keys {sorted(got)} do not match the expected {sorted(expected)} "
            "(check bias, kdim/vdim; add_bias_kv is not supported)"
        )
    E = mha.embed_dim
    if _uses_in_proj(mha):
        weights = state_dict["in_proj_weight"].split(E)  # (3E, E) -> 3 x (E, E)
    else:
        weights = [state_dict[f"{n}_proj_weight"] for n in "qkv"]
    layers = (mha.q_proj, mha.k_proj, mha.v_proj)
    for layer, w in zip(layers, weights):
        if w.shape != layer.weight.shape:
            raise ValueError(f"weight {tuple(w.shape)} != expected {tuple(layer.weight.shape)}")
        layer.weight.copy_(w)
    if "in_proj_bias" in state_dict:
        for layer, b in zip(layers, state_dict["in_proj_bias"].split(E)):  # (3E,) -> 3 x (E,)
            layer.bias.copy_(b)
    mha.out_proj.weight.copy_(state_dict["out_proj.weight"])
    if "out_proj.bias" in state_dict:
        mha.out_proj.bias.copy_(state_dict["out_proj.bias"])
