"""Multi-head attention with explicit projection matrices, loadable from ``nn.MultiheadAttention``."""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_float_array, check_flag, check_mask, check_rank, check_size
from .attention import scaled_dot_product_attention
from .heads import merge_heads, split_heads
from .masks import causal_mask


def combine_masks(
    attn_mask: np.ndarray | None,
    key_padding_mask: np.ndarray | None,
    B: int,
    H: int,
    L: int,
    S: int,
    is_causal: bool = False,
) -> np.ndarray | None:
    """Merge an attention mask, a key padding mask and the causal mask into one (B, H, L, S) mask.

    Both use ``True`` = may attend when boolean, or are added to the scores when float.
    ``attn_mask`` may be (L, S), (B*H, L, S) as in PyTorch, or 4-D broadcastable to (B, H, L, S);
    ``key_padding_mask`` is (B, S); ``is_causal`` adds ``causal_mask(L, S)`` (top-left).
    """
    masks = [causal_mask(L, S)[None, None]] if is_causal else []  # (1, 1, L, S)
    if attn_mask is not None:
        m = np.asarray(attn_mask)
        if m.ndim == 2 and m.shape == (L, S):
            m = m[None, None]  # (L, S) -> (1, 1, L, S)
        elif m.ndim == 3 and m.shape == (B * H, L, S):
            m = m.reshape(B, H, L, S)  # (B*H, L, S) -> (B, H, L, S)
        elif m.ndim != 4:
            raise ValueError(
                f"attn_mask must have shape (L, S)=({L}, {S}), (B*H, L, S)=({B * H}, {L}, {S}) "
                f"or 4 dims broadcastable to (B, H, L, S)=({B}, {H}, {L}, {S}); got {m.shape}"
            )
        masks.append(check_mask(m, (B, H, L, S)))
    if key_padding_mask is not None:
        m = np.asarray(key_padding_mask)
        if m.shape != (B, S):
            raise ValueError(f"key_padding_mask must have shape (B, S)=({B}, {S}), got {m.shape}")
        masks.append(check_mask(m[:, None, None, :], (B, H, L, S)))  # (B, S) -> (B, 1, 1, S)
    if len(masks) < 2:
        return masks[0] if masks else None
    if all(m.dtype == np.bool_ for m in masks):
        combined = masks[0]
        for m in masks[1:]:
            combined = combined & m  # may attend only where all allow
        return combined
    as_float = [np.where(m, 0.0, -np.inf) if m.dtype == np.bool_ else m for m in masks]
    combined = as_float[0]
    for m in as_float[1:]:
        combined = combined + m
    return combined


def _numpy(t) -> np.ndarray:
    """A torch tensor (or array) as a NumPy copy, without importing torch."""
    return t.detach().cpu().numpy().copy() if hasattr(t, "detach") else np.array(t)


def _check_shape(name: str, w: np.ndarray, shape: tuple[int, ...]) -> None:
    if w.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {w.shape}")


class MultiHeadAttention:
    r"""Multi-head attention with explicit weights, batch first, in NumPy.

    $$\mathrm{MHA}(X_q, X_k, X_v) = \mathrm{Concat}_h\big(\mathrm{Attention}(X_q W_q^{(h)},
    X_k W_k^{(h)}, X_v W_v^{(h)})\big)\, W_o$$

    Weights act on the right, ``y = x @ W + b`` with W of shape (in, out): the transpose of
    ``nn.Linear.weight``. Masks use ``True`` = may attend (``nn.MultiheadAttention`` uses
    ``True`` = blocked for boolean masks: negate them when porting).

    Attributes:
        W_q (E, E), W_k (kdim, E), W_v (vdim, E), W_o (E, E); b_q, b_k, b_v, b_o (E,) or None.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        kdim: int | None = None,
        vdim: int | None = None,
        bias: bool = True,
        seed: int = 0,
        dtype: type = np.float64,
    ) -> None:
        check_size("embed_dim", embed_dim, 1)
        check_size("num_heads", num_heads, 1)
        if embed_dim % num_heads != 0:
            raise ValueError(f"num_heads={num_heads} must divide embed_dim={embed_dim}")
        for name, dim in (("kdim", kdim), ("vdim", vdim)):
            if dim is not None:
                check_size(name, dim, 1)
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        rng = np.random.default_rng(seed)

        def xavier(n_in: int, n_out: int) -> np.ndarray:
            bound = math.sqrt(6.0 / (n_in + n_out))
            return rng.uniform(-bound, bound, size=(n_in, n_out)).astype(dtype)

        self.W_q, self.W_k = xavier(embed_dim, embed_dim), xavier(self.kdim, embed_dim)
        self.W_v, self.W_o = xavier(self.vdim, embed_dim), xavier(embed_dim, embed_dim)
        zeros = (lambda: np.zeros(embed_dim, dtype=dtype)) if bias else (lambda: None)
        self.b_q, self.b_k, self.b_v, self.b_o = zeros(), zeros(), zeros(), zeros()

    def load_torch_state_dict(self, state_dict: dict) -> None:
        """Copy weights from a ``torch.nn.MultiheadAttention`` state dict (any dtype, any device).

        PyTorch stacks the three input projections in ``in_proj_weight`` (3E, E) when
        kdim = vdim = E, else keeps ``q_proj_weight``/``k_proj_weight``/``v_proj_weight``;
        its weights are (out, in), the transpose of ours.
        """
        sd = {name: _numpy(t) for name, t in state_dict.items()}
        separate = self.kdim != self.embed_dim or self.vdim != self.embed_dim
        weights = [f"{n}_proj_weight" for n in "qkv"] if separate else ["in_proj_weight"]
        expected = {*weights, "out_proj.weight"}
        if self.b_q is not None:
            expected |= {"in_proj_bias", "out_proj.bias"}
        if set(sd) != expected:
            raise ValueError(
                f"state dict keys {sorted(sd)} do not match the expected {sorted(expected)} "
                "(check bias, kdim/vdim; add_bias_kv is not supported)"
            )
        E = self.embed_dim
        if separate:
            Wq, Wk, Wv = (sd[name] for name in weights)
        else:
            _check_shape("in_proj_weight", sd["in_proj_weight"], (3 * E, E))
            Wq, Wk, Wv = np.split(sd["in_proj_weight"], 3)  # (3E, E) -> 3 x (E, E)
        for name, w, n_in in (("q", Wq, E), ("k", Wk, self.kdim), ("v", Wv, self.vdim)):
            _check_shape(f"{name} projection weight", w, (E, n_in))
        _check_shape("out_proj.weight", sd["out_proj.weight"], (E, E))
        self.W_q, self.W_k, self.W_v = Wq.T.copy(), Wk.T.copy(), Wv.T.copy()  # (in, out)
        self.W_o = sd["out_proj.weight"].T.copy()
        if self.b_q is not None:
            _check_shape("in_proj_bias", sd["in_proj_bias"], (3 * E,))
            _check_shape("out_proj.bias", sd["out_proj.bias"], (E,))
            self.b_q, self.b_k, self.b_v = np.split(sd["in_proj_bias"], 3)  # (3E,) -> 3 x (E,)
            self.b_o = sd["out_proj.bias"]

    def project(self, x: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        """Affine map ``x @ W + b`` in x's dtype: (B, L, in) @ (in, out) -> (B, L, out)."""
        y = x @ W.astype(x.dtype, copy=False)  # (B, L, in) @ (in, out) -> (B, L, out)
        return y if b is None else y + b.astype(x.dtype, copy=False)

    def check_inputs(
        self, query: np.ndarray, key: np.ndarray, value: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validate batched query (B, L, E), key (B, S, kdim), value (B, S, vdim); return arrays."""
        query = as_float_array("query", query)
        key, value = as_float_array("key", key), as_float_array("value", value)
        widths = (
            ("query", query, self.embed_dim),
            ("key", key, self.kdim),
            ("value", value, self.vdim),
        )
        for name, x, width in widths:
            check_rank(name, x, 3, 3)
            if x.shape[-1] != width:
                raise ValueError(f"{name} must have last dim {width}, got shape {x.shape}")
        same_b = query.shape[0] == key.shape[0] == value.shape[0]
        if not (same_b and key.shape[1] == value.shape[1]):
            raise ValueError(
                f"query (B, L, E), key (B, S, kdim) and value (B, S, vdim) disagree on B or S: "
                f"query {query.shape}, key {key.shape}, value {value.shape}"
            )
        if not query.dtype == key.dtype == value.dtype:
            raise TypeError(
                f"query, key and value must share one dtype, got {query.dtype}, {key.dtype}, "
                f"{value.dtype}"
            )
        return query, key, value

    def forward(
        self,
        query: np.ndarray,
        key: np.ndarray,
        value: np.ndarray,
        attn_mask: np.ndarray | None = None,
        key_padding_mask: np.ndarray | None = None,
        need_weights: bool = False,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Attend from query (B, L, E) to key (B, S, kdim) / value (B, S, vdim).

        Unbatched (L, E) inputs are accepted too. ``is_causal`` adds ``causal_mask(L, S)``
        (top-left) to any other mask. Returns ``(out, weights)``: out (B, L, E); weights
        (B, L, S) averaged over heads, (B, H, L, S) per head, or None.
        """
        query = as_float_array("query", query)
        key, value = as_float_array("key", key), as_float_array("value", value)
        is_causal = check_flag("is_causal", is_causal)
        unbatched = query.ndim == 2 and key.ndim == 2 and value.ndim == 2
        if unbatched:
            query, key, value = query[None], key[None], value[None]
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(key_padding_mask)[None]
        query, key, value = self.check_inputs(query, key, value)
        (B, L, _), S, H = query.shape, key.shape[1], self.num_heads
        mask = combine_masks(attn_mask, key_padding_mask, B, H, L, S, is_causal)
        q = split_heads(self.project(query, self.W_q, self.b_q), H)  # (B, L, E) -> (B, H, L, D)
        k = split_heads(self.project(key, self.W_k, self.b_k), H)  # (B, S, E) -> (B, H, S, D)
        v = split_heads(self.project(value, self.W_v, self.b_v), H)  # (B, S, E) -> (B, H, S, D)
        heads, weights = scaled_dot_product_attention(q, k, v, attn_mask=mask, return_weights=True)
        out = self.project(merge_heads(heads), self.W_o, self.b_o)  # (B, L, E) @ (E, E)
        if not need_weights:
            weights = None
        elif average_attn_weights:
            weights = weights.mean(axis=1)  # (B, H, L, S) -> (B, L, S)
        if unbatched:
            out = out[0]
            weights = None if weights is None else weights[0]
        return out, weights

    __call__ = forward
