r"""Attention over the columns of a table: feature tokens and an FT-Transformer.

FT-Transformer (Gorishniy et al. 2021, "Revisiting Deep Learning Models for Tabular Data"): each
of the F numeric features of a row becomes one token, $t_j = x_j\,w_j + b_j$ with a learned
vector $w_j$ and bias $b_j$ per feature; a learned ``[CLS]`` token is put in front, a small
Transformer encoder mixes the 1 + F tokens, and a linear head reads the final ``[CLS]`` state.
Here the "sequence" is the set of features (L = S = 1 + F), so there is no positional encoding:
the per-feature $w_j, b_j$ already say which feature a token is.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.layers import TransformerEncoderLayer


def _check_rows(x: Tensor, num_features: int, who: str) -> None:
    """Raise before any arithmetic if ``x`` is not a float (B, F) batch of rows."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects a torch.Tensor (B, F), got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{who} expects floating-point features, got dtype {x.dtype}")
    if x.dim() != 2 or x.shape[1] != num_features:
        raise ValueError(f"{who} expects rows (B, {num_features}), got {tuple(x.shape)}")


class FeatureTokenizer(nn.Module):
    r"""One token per numeric feature: $t_{bj} = x_{bj}\,w_j + b_j$.

    Args:
        num_features: F, the number of columns.
        d_model: E, the width of a token.

    Shapes: x (B, F) -> tokens (B, F, E); ``weight`` and ``bias`` are (F, E).
    """

    def __init__(self, num_features: int, d_model: int) -> None:
        super().__init__()
        if num_features < 1 or d_model < 1:
            raise ValueError(
                f"num_features and d_model must be >= 1, got {num_features}, {d_model}"
            )
        self.num_features = num_features
        scale = d_model**-0.5  # the uniform init of the paper's code, range ±1/sqrt(E)
        self.weight = nn.Parameter(torch.empty(num_features, d_model).uniform_(-scale, scale))
        self.bias = nn.Parameter(torch.empty(num_features, d_model).uniform_(-scale, scale))

    def forward(self, x: Tensor) -> Tensor:
        """x (B, F) -> tokens (B, F, E)."""
        _check_rows(x, self.num_features, "FeatureTokenizer")
        t = x[:, :, None] * self.weight  # (B, F, 1) * (F, E) -> (B, F, E)
        return t + self.bias  # + (F, E): one bias per feature


class FTTransformer(nn.Module):
    r"""FT-Transformer: $z_0 = [c;\, t_1; \dots; t_F]$, pre-LN encoder layers, head on $z_L[0]$.

    $p(y \mid x) = \mathrm{softmax}(W_o\,\mathrm{LN}(z_L[0]) + b_o)$, where $z_L[0]$ is the final
    ``[CLS]`` state.

    Args:
        num_features: F.
        num_classes: number of labels.
        d_model, num_heads, num_layers: E, H and the number of encoder layers.
        dim_feedforward: width of each layer's feed-forward network (default 2E).
        dropout: dropout inside the layers.
    """

    def __init__(
        self,
        num_features: int,
        num_classes: int = 2,
        d_model: int = 16,
        num_heads: int = 2,
        num_layers: int = 1,
        dim_feedforward: int | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.tokenizer = FeatureTokenizer(num_features, d_model)
        self.cls = nn.Parameter(torch.randn(1, 1, d_model) * 0.02)
        ff = 2 * d_model if dim_feedforward is None else dim_feedforward
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(d_model, num_heads, ff, dropout, "gelu", norm_first=True)
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, num_classes)

    def forward(
        self, x: Tensor, return_attention: bool = False
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """x (B, F) -> logits (B, num_classes).

        With ``return_attention`` also a list (per layer) of weights (B, H, 1 + F, 1 + F); row 0
        is the ``[CLS]`` query, column j + 1 is feature j.
        """
        tokens = self.tokenizer(x)  # (B, F) -> (B, F, E); checks x first
        z = torch.cat([self.cls.expand(len(x), -1, -1), tokens], dim=1)  # -> (B, 1 + F, E)
        attention = []
        for layer in self.layers:
            out = layer(z, need_weights=return_attention)
            z, w = out if return_attention else (out, None)
            attention.append(w)  # (B, H, 1 + F, 1 + F) or None
        logits = self.head(self.norm(z[:, 0]))  # [CLS] state (B, E) -> (B, num_classes)
        return (logits, attention) if return_attention else logits

    @torch.no_grad()
    def cls_attention(self, x: Tensor) -> Tensor:
        """The last layer's ``[CLS]`` -> feature weights, mean over heads: (B, F).

        Each row sums to at most 1 (the rest is the ``[CLS]`` token's weight on itself).
        """
        _, attention = self(x, return_attention=True)
        return attention[-1][:, :, 0, 1:].mean(1)  # (B, H, 1 + F, 1 + F) -> (B, F)


def permute_features(model: FTTransformer, order: Tensor) -> FTTransformer:
    """A copy of ``model`` whose tokenizer expects the columns in ``order`` (a permutation of F).

    ``permute_features(model, order)(x[:, order])`` equals ``model(x)``: the encoder has no
    positions, so only the per-feature parameters must move with their columns.
    """
    import copy

    num_features = model.tokenizer.num_features
    order = torch.as_tensor(order)
    if sorted(order.tolist()) != list(range(num_features)):
        raise ValueError(f"order must be a permutation of range({num_features}), got {order}")
    moved = copy.deepcopy(model)
    with torch.no_grad():
        moved.tokenizer.weight.copy_(model.tokenizer.weight[order])
        moved.tokenizer.bias.copy_(model.tokenizer.bias[order])
    return moved
