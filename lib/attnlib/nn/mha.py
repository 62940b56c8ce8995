"""Multi-head attention (with grouped-query attention), numerically equal to PyTorch's."""

from __future__ import annotations

from torch import Tensor, nn

from attnlib.nn.functional import causal_mask, check_tensor, scaled_dot_product_attention
from attnlib.nn.kv_cache import KVCache
from attnlib.nn.mha_masks import check_masks, combine_masks
from attnlib.nn.mha_state import load_torch_state_dict, torch_state_dict
from attnlib.nn.positional import RotaryEmbedding
from attnlib.scratch._checks import check_flag, check_size


class MultiHeadAttention(nn.Module):
    r"""Multi-head attention with optional grouped-query / multi-query attention.

    $$\operatorname{MHA}(Q, K, V) = \operatorname{Concat}(\text{head}_1, \dots, \text{head}_H)W^O,
    \quad \text{head}_h = \operatorname{Attention}(QW^Q_h, KW^K_{g(h)}, VW^V_{g(h)})$$

    With ``num_kv_heads = H`` every head has its own keys and values (classic MHA,
    $g(h) = h$); with fewer, each group of ``H / num_kv_heads`` query heads shares one key/value
    head (GQA; ``num_kv_heads=1`` is multi-query attention).

    Masks follow the library's convention, **``True`` = may attend** (for ``attn_mask``) and
    **``True`` = real token** (for ``key_padding_mask``): the opposite of
    ``torch.nn.MultiheadAttention``'s boolean masks, so pass ``~mask`` to it. Float masks are
    additive in both.

    Args:
        embed_dim: model dim E.
        num_heads: number of query heads H (E must be divisible by H; head dim D = E / H).
        num_kv_heads: number of key/value heads (divides H); default H.
        bias: biases in the four projections.
        kdim, vdim: feature dims of ``key`` and ``value`` (default E).
        batch_first: inputs are (B, L, E) if True, else (L, B, E).
        dropout: dropout on the attention weights (training only).
        fast: use PyTorch's fused ``scaled_dot_product_attention`` when weights are not needed.
        rotary: a :class:`RotaryEmbedding` applied to queries and keys (optional).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        num_kv_heads: int | None = None,
        bias: bool = True,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = True,
        dropout: float = 0.0,
        fast: bool = True,
        rotary: RotaryEmbedding | None = None,
    ) -> None:
        super().__init__()
        check_size("embed_dim", embed_dim, 1)
        check_size("num_heads", num_heads, 1)
        num_kv_heads = (
            num_heads if num_kv_heads is None else check_size("num_kv_heads", num_kv_heads, 1)
        )
        for name, dim in (("kdim", kdim), ("vdim", vdim)):
            if dim is not None:
                check_size(name, dim, 1)
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout}")
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        if num_heads % num_kv_heads != 0:
            raise ValueError(f"num_heads={num_heads} not divisible by num_kv_heads={num_kv_heads}")
        self.embed_dim, self.num_heads, self.num_kv_heads = embed_dim, num_heads, num_kv_heads
        self.head_dim = embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.batch_first, self.dropout, self.fast = batch_first, dropout, fast
        self.rotary = rotary
        kv_dim = num_kv_heads * self.head_dim
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(self.kdim, kv_dim, bias=bias)
        self.v_proj = nn.Linear(self.vdim, kv_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def _check(self, query: Tensor, key: Tensor, value: Tensor) -> None:
        for name, t in (("query", query), ("key", key), ("value", value)):
            check_tensor(name, t, "(B, L, E) or (L, E)")
        if not (query.dtype == key.dtype == value.dtype):
            raise TypeError(
                f"query, key, value dtypes differ: {query.dtype}, {key.dtype}, {value.dtype}"
            )
        if not (query.dim() == key.dim() == value.dim()) or query.dim() not in (2, 3):
            raise ValueError(
                "query, key, value must all be 3-D (batched) or 2-D (unbatched), got "
                f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
            )
        for name, t, dim in (("query", query, self.embed_dim), ("key", key, self.kdim)):
            if t.shape[-1] != dim:
                raise ValueError(f"{name} of shape {tuple(t.shape)} must end in {dim}")
        if value.shape[-1] != self.vdim:
            raise ValueError(f"value of shape {tuple(value.shape)} must end in {self.vdim}")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(
                f"key {tuple(key.shape)} and value {tuple(value.shape)} need the same length/batch"
            )
        if query.dim() == 3:
            b = 0 if self.batch_first else 1
            if query.shape[b] != key.shape[b]:
                raise ValueError(
                    f"batch sizes differ: query {tuple(query.shape)}, key {tuple(key.shape)}"
                )

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        attn_mask: Tensor | None = None,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = False,
        average_attn_weights: bool = True,
        is_causal: bool = False,
        kv_cache: KVCache | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: (B, L, E) (or (L, B, E) if not batch_first, or (L, E) unbatched).
            key: (B, S, kdim); value: (B, S, vdim).
            attn_mask: bool (``True`` = may attend) or additive float, shape (L, S),
                (B*H, L, S) or (B, H or 1, L, S). With a cache, S counts the cached keys too.
            key_padding_mask: (B, S), bool ``True`` = real token, or additive float.
            need_weights: also return attention weights (uses the readable path).
            average_attn_weights: average the weights over heads: (B, L, S); else (B, H, L, S).
            is_causal: query ``i`` sees keys ``j <= i + past``, past = keys already in
                ``kv_cache`` (0 without one): PyTorch's top-left alignment, counted in positions
                of the whole sequence, so decoding with a cache equals recomputing everything.
                Combines with ``attn_mask`` and ``key_padding_mask``.
            kv_cache: a :class:`KVCache`; the new keys/values are appended to it first.

        Returns:
            (output (B, L, E), weights or None).
        """
        self._check(query, key, value)
        is_causal = check_flag("is_causal", is_causal)
        check_flag("need_weights", need_weights)
        if kv_cache is not None and not isinstance(kv_cache, KVCache):
            raise TypeError(f"kv_cache must be a KVCache or None, got {type(kv_cache).__name__}")
        unbatched = query.dim() == 2
        if unbatched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        B, L, _ = query.shape
        H, Hkv, D = self.num_heads, self.num_kv_heads, self.head_dim
        past = 0 if kv_cache is None else len(kv_cache)
        if past and kv_cache.k.shape[:2] != (B, Hkv):
            raise ValueError(
                f"the KV cache holds (B, H_kv) = {tuple(kv_cache.k.shape[:2])}, but this call has "
                f"B={B} and num_kv_heads={Hkv}"
            )
        check_masks(attn_mask, key_padding_mask, B, H, L, past + key.shape[1])  # before any product

        q = self.q_proj(query).view(B, L, H, D).transpose(1, 2)  # (B, L, E) -> (B, H, L, D)
        k = self.k_proj(key).view(B, -1, Hkv, D).transpose(1, 2)  # -> (B, Hkv, S_new, D)
        v = self.v_proj(value).view(B, -1, Hkv, D).transpose(1, 2)  # -> (B, Hkv, S_new, D)
        if self.rotary is not None:
            q, k = self.rotary(q, k, offset=past)
        if kv_cache is not None:
            k, v = kv_cache.update(k, v)  # (B, Hkv, S, D) with S = past + S_new
        if Hkv != H:
            k = k.repeat_interleave(H // Hkv, dim=1)  # (B, Hkv, S, D) -> (B, H, S, D)
            v = v.repeat_interleave(H // Hkv, dim=1)
        S = k.shape[-2]

        # PyTorch's own causal kernel when nothing else masks; otherwise one combined mask.
        sdpa_causal = is_causal and attn_mask is None and key_padding_mask is None and past == 0
        causal = causal_mask(L, S, offset=past, device=q.device) if is_causal else None
        extra = None if sdpa_causal else causal
        mask = combine_masks(attn_mask, key_padding_mask, extra, B, H, L, S, dtype=q.dtype)
        fast, p = self.fast and not need_weights, self.dropout if self.training else 0.0
        options = {"fast": fast, "return_weights": need_weights, "dropout_p": p}
        result = scaled_dot_product_attention(q, k, v, mask, sdpa_causal, **options)
        out, weights = result if need_weights else (result, None)  # (B, H, L, D), (B, H, L, S)
        out = self.out_proj(out.transpose(1, 2).reshape(B, L, H * D))  # (B, H, L, D) -> (B, L, E)

        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)  # (B, H, L, S) -> (B, L, S)
        if unbatched:
            out = out.squeeze(0)
            weights = None if weights is None else weights.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)  # (B, L, E) -> (L, B, E)
        return out, weights

    def load_torch_state_dict(self, state_dict: dict[str, Tensor]) -> None:
        """Copy weights from a ``torch.nn.MultiheadAttention`` state dict."""
        load_torch_state_dict(self, state_dict)

    def torch_state_dict(self) -> dict[str, Tensor]:
        """Weights as a ``torch.nn.MultiheadAttention`` state dict."""
        return torch_state_dict(self)
