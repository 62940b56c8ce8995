r"""Extractive question answering with pointer attention: start and end distributions over a passage.

A tiny reader in the spirit of Match-LSTM with a pointer network (Wang & Jiang, 2016) and BiDAF
(Seo et al., 2017), with attention where they used LSTMs:

1. every passage token reads its own sentence (self-attention masked to the sentence);
2. every passage token attends to the question tokens (passage-to-question attention), giving
   $c_s = \sum_l \alpha_{sl} q_l$ with $\alpha_s = \operatorname{softmax}(p_s W_Q (q W_K)^\top / \sqrt{E})$;
3. two pointer heads score each position from $[p_s; c_s; p_s \odot c_s]$:
   $P_\text{start} = \operatorname{softmax}_s(w_\text{start}^\top g_s)$ and the same for the end.

The loss is the cross-entropy of the true start plus that of the true end; the answer is the span
$(i, j)$, $i \le j < i + \text{max\_len}$, with the largest $P_\text{start}(i) P_\text{end}(j)$.
With ``question_attention=False`` step 2 is replaced by the mean of the question tokens, the same
vector for every passage token (a no-attention ablation with the same parameters).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.mha import MultiHeadAttention


class SpanReader(nn.Module):
    """Passage and question ids -> start and end logits over the passage.

    Args:
        vocab_size: V. embed_dim: E. num_heads: H of both attentions. max_passage: longest S.
        pad_id: id of padding. question_attention: attend to the question (else its mean).
        positions: add learned position embeddings; without them each sentence is read as a
            bag of words (the sentence mask still says which words belong together).
    """

    def __init__(self, vocab_size: int, embed_dim: int = 32, num_heads: int = 2,
                 max_passage: int = 32, pad_id: int = 0, question_attention: bool = True,
                 positions: bool = True) -> None:  # fmt: skip
        super().__init__()
        self.pad_id, self.question_attention = pad_id, question_attention
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.max_passage = max_passage
        self.pos = nn.Embedding(max_passage, embed_dim) if positions else None
        self.read = MultiHeadAttention(embed_dim, num_heads)  # passage self-attention
        self.norm = nn.LayerNorm(embed_dim)
        self.ask = MultiHeadAttention(embed_dim, num_heads)  # passage-to-question attention
        self.fuse = nn.Sequential(nn.Linear(3 * embed_dim, embed_dim), nn.GELU())
        self.pointer = nn.Linear(embed_dim, 2)  # start and end scores

    def forward(
        self, passage: Tensor, sentence: Tensor, question: Tensor, need_weights: bool = False
    ) -> tuple[Tensor, ...]:
        """Start and end logits (B, S); with ``need_weights`` also the (B, S, L) weights.

        Args:
            passage: (B, S) token ids. sentence: (B, S) sentence index of each token.
            question: (B, L) token ids. Padding (``pad_id``) is masked out everywhere.
        """
        for name, t in (("passage", passage), ("sentence", sentence), ("question", question)):
            if t.dim() != 2 or t.dtype != torch.long:
                raise ValueError(f"{name} must be (B, n) int64, got {tuple(t.shape)} {t.dtype}")
        if sentence.shape != passage.shape or question.shape[0] != passage.shape[0]:
            raise ValueError(
                f"passage {tuple(passage.shape)}, sentence {tuple(sentence.shape)} and question "
                f"{tuple(question.shape)} must share B (and passage, sentence their S)"
            )
        if passage.shape[1] > self.max_passage:
            raise ValueError(f"passage of {passage.shape[1]} > max_passage tokens")
        real_p, real_q = passage != self.pad_id, question != self.pad_id  # (B, S), (B, L)
        S = passage.shape[1]
        p = self.embed(passage)  # (B, S, E)
        if self.pos is not None:
            p = p + self.pos(torch.arange(S))  # + (S, E)
        q = self.embed(question)  # (B, L, E)
        same = (sentence[:, :, None] == sentence[:, None, :]) & real_p[:, None, :]  # (B, S, S)
        p = self.norm(p + self.read(p, p, p, attn_mask=same[:, None])[0])  # (B, S, E)
        if self.question_attention:
            c, weights = self.ask(p, q, q, key_padding_mask=real_q, need_weights=need_weights)
        else:
            mean = (q * real_q[..., None]).sum(1) / real_q.sum(1, keepdim=True)  # (B, E)
            c, weights = self.ask.v_proj(mean)[:, None].expand_as(p), None  # (B, S, E)
        g = self.fuse(torch.cat([p, c, p * c], dim=-1))  # (B, S, 3E) -> (B, S, E)
        logits = self.pointer(g).masked_fill(~real_p[..., None], float("-inf"))  # (B, S, 2)
        start, end = logits.unbind(-1)  # (B, S) each
        return (start, end, weights) if need_weights else (start, end)


def span_loss(start: Tensor, end: Tensor, gold_start: Tensor, gold_end: Tensor) -> Tensor:
    r"""$-\log P_\text{start}(i^*) - \log P_\text{end}(j^*)$, averaged over the batch."""
    if start.shape != end.shape or gold_start.shape != start.shape[:1] != gold_end.shape:
        raise ValueError(f"logits {tuple(start.shape)}, {tuple(end.shape)} and gold "
                         f"{tuple(gold_start.shape)}, {tuple(gold_end.shape)} disagree")  # fmt: skip
    ce = nn.functional.cross_entropy
    return ce(start, gold_start) + ce(end, gold_end)


def best_span(start: Tensor, end: Tensor, max_len: int = 4) -> tuple[Tensor, Tensor]:
    r"""The span $(i, j)$ with $i \le j < i + \text{max\_len}$ maximising $\log P_s(i) + \log P_e(j)$.

    Args:
        start, end: (B, S) logits. max_len: longest answer.

    Returns:
        (B,) start and (B,) end positions.
    """
    if start.shape != end.shape or start.dim() != 2:
        raise ValueError(f"start {tuple(start.shape)} and end {tuple(end.shape)} must be (B, S)")
    S = start.shape[1]
    pair = start.log_softmax(-1)[:, :, None] + end.log_softmax(-1)[:, None, :]  # (B, S, S)
    i, j = torch.arange(S)[:, None], torch.arange(S)[None, :]
    allowed = (j >= i) & (j < i + max_len)  # (S, S)
    flat = pair.masked_fill(~allowed, float("-inf")).flatten(1).argmax(-1)  # (B,)
    return flat // S, flat % S
