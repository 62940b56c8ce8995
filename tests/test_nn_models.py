"""The small models: shapes, attention maps, masks, causality, and that they can learn."""

from __future__ import annotations

import pytest
import torch
from attnlib.nn import CausalLM, EncoderClassifier, Seq2SeqTransformer, VisionTransformer, patchify


def test_causal_lm_shapes_attention_and_causality():
    torch.manual_seed(0)
    model = CausalLM(vocab_size=20, d_model=32, num_heads=4, num_layers=2, max_len=16).eval()
    idx = torch.randint(0, 20, (2, 8))
    logits, attention = model(idx, return_attention=True)
    assert logits.shape == (2, 8, 20)
    assert len(attention) == 2 and attention[0].shape == (2, 4, 8, 8)
    assert torch.all(attention[1].triu(1) == 0)
    torch.testing.assert_close(attention[0].sum(-1), torch.ones(2, 4, 8))
    changed = idx.clone()
    changed[:, 5:] = (changed[:, 5:] + 1) % 20
    torch.testing.assert_close(model(changed)[:, :5], logits[:, :5], atol=1e-6, rtol=0)
    assert not torch.allclose(model(changed)[:, 5:], logits[:, 5:])
    assert model.lm_head.weight is model.tok_emb.weight  # tied by default


def test_causal_lm_untied_rope_gqa_and_sampling():
    torch.manual_seed(0)
    model = CausalLM(20, 32, 4, 1, positional="rope", num_kv_heads=2, tie_weights=False).eval()
    assert model.lm_head.weight is not model.tok_emb.weight
    assert model.pos_emb is None
    idx = torch.randint(0, 20, (3, 4))
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    a = model.generate(idx, 6, temperature=1.0, top_k=3, generator=g1)
    b = model.generate(idx, 6, temperature=1.0, top_k=3, generator=g2)
    assert a.shape == (3, 10) and torch.equal(a, b) and torch.equal(a[:, :4], idx)


def test_causal_lm_learns_a_repeating_sequence():
    torch.manual_seed(0)
    model = CausalLM(vocab_size=5, d_model=32, num_heads=2, num_layers=1, max_len=16)
    data = torch.arange(16).remainder(5)[None].repeat(4, 1)  # 0 1 2 3 4 0 1 ...
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(60):
        logits = model(data[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 5), data[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1
    out = model.eval().generate(torch.tensor([[2, 3]]), 5)
    assert out.tolist() == [[2, 3, 4, 0, 1, 2, 3]]


@pytest.mark.parametrize("pooling", ["cls", "mean"])
@pytest.mark.parametrize("positional", ["sinusoidal", "learned"])
def test_encoder_classifier_ignores_padding(pooling, positional):
    torch.manual_seed(0)
    model = EncoderClassifier(
        30,
        3,
        d_model=32,
        num_heads=4,
        num_layers=2,
        max_len=12,
        pooling=pooling,
        positional=positional,
        pad_id=0,
    ).eval()
    tokens = torch.tensor([[5, 6, 7, 0, 0], [8, 9, 10, 11, 12]])
    logits, attention = model(tokens, return_attention=True)
    L = 5 + (pooling == "cls")
    assert logits.shape == (2, 3) and attention[0].shape == (2, 4, L, L)
    assert torch.all(attention[0][0, ..., L - 2 :] == 0)  # no weight on the two pads
    other_pads = torch.tensor([[5, 6, 7, 0, 0, 0, 0]])
    torch.testing.assert_close(model(other_pads), logits[:1], atol=1e-5, rtol=0)


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_encoder_classifier_token_states_and_masked_token_logits(pooling):
    torch.manual_seed(0)
    model = EncoderClassifier(11, 3, d_model=16, num_heads=2, max_len=6, pooling=pooling,
                              pad_id=0).eval()  # fmt: skip
    tokens = torch.tensor([[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 10, 1]])  # (2, 6), row 0 padded
    states, attention = model.token_states(tokens, return_attention=True)
    slots = 6 + (pooling == "cls")
    assert states.shape == (2, slots, 16) and len(attention) == 2
    assert attention[0].shape == (2, 2, slots, slots)
    # forward pools exactly these states: CLS slot, or the mean over real tokens
    real = (tokens != 0).float()[..., None]  # (2, 6, 1)
    pooled = states[:, 0] if pooling == "cls" else (states * real).sum(1) / real.sum(1)
    torch.testing.assert_close(model(tokens), model.head(pooled))
    # tied output layer, scaled by 1/sqrt(E), one row per input token (no CLS slot)
    logits = model.masked_token_logits(tokens)
    assert logits.shape == (2, 6, 11)
    own = states[:, -6:] @ model.tok_emb.weight.T / 4.0
    torch.testing.assert_close(logits, own)
    with pytest.raises(ValueError, match=r"\(B, L\)"):
        model.masked_token_logits(tokens[0])


def test_seq2seq_shapes_attention_and_greedy_decode():
    torch.manual_seed(0)
    model = Seq2SeqTransformer(12, 14, d_model=32, num_heads=4, max_len=16).eval()
    src, tgt = torch.randint(3, 12, (2, 6)), torch.randint(3, 14, (2, 4))
    logits, att = model(src, tgt, return_attention=True)
    assert logits.shape == (2, 4, 14)
    assert att["encoder"][0].shape == (2, 4, 6, 6)
    assert att["decoder_self"][1].shape == (2, 4, 4, 4)
    assert att["cross"][0].shape == (2, 4, 4, 6)
    ys = model.greedy_decode(src, max_len=7, bos_id=1)
    assert ys.shape == (2, 7) and torch.all(ys[:, 0] == 1)
    assert torch.equal(model.greedy_decode(src, max_len=7, bos_id=1, use_cache=False), ys)
    step = model(src, ys[:, :-1]).argmax(-1)  # teacher forcing reproduces greedy decoding
    assert torch.equal(step, ys[:, 1:])


def test_seq2seq_learns_to_copy():
    torch.manual_seed(0)
    model = Seq2SeqTransformer(
        8, 8, d_model=32, num_heads=4, num_encoder_layers=1, num_decoder_layers=1, max_len=8
    )
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(150):
        src = torch.randint(2, 8, (32, 5))
        tgt = torch.cat([torch.ones(32, 1, dtype=torch.long), src], dim=1)  # BOS = 1
        logits = model(src, tgt[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 8), tgt[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    src = torch.randint(2, 8, (16, 5), generator=torch.Generator().manual_seed(1))
    ys = model.eval().greedy_decode(src, max_len=6, bos_id=1)
    assert (ys[:, 1:] == src).float().mean() > 0.9


def test_patchify_layout():
    img = torch.arange(16.0).view(1, 1, 4, 4)
    patches = patchify(img, 2)
    assert patches.shape == (1, 4, 4)
    assert patches[0, 1].tolist() == [2.0, 3.0, 6.0, 7.0]  # top-right 2x2 patch


@pytest.mark.parametrize("patch_size", [2, 4])
def test_vit_on_8x8_digits_shapes(patch_size):
    torch.manual_seed(0)
    model = VisionTransformer(image_size=8, patch_size=patch_size, d_model=32, num_heads=4).eval()
    logits, att = model(torch.rand(3, 1, 8, 8), return_attention=True)
    n = (8 // patch_size) ** 2 + 1
    assert logits.shape == (3, 10) and att[0].shape == (3, 4, n, n)
    torch.testing.assert_close(model(torch.rand(3, 8, 8)).shape, (3, 10))
    with pytest.raises(ValueError, match="images must be"):
        model(torch.rand(3, 1, 6, 6))


def test_vit_learns_two_patterns():
    torch.manual_seed(0)
    model = VisionTransformer(8, 4, num_classes=2, d_model=32, num_heads=4, num_layers=1)
    x = torch.rand(64, 1, 8, 8) * 0.3
    y = torch.randint(0, 2, (64,))
    x[y == 1, :, :4, :4] += 1.0  # class 1: a bright top-left quarter
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(40):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert (model(x).argmax(-1) == y).float().mean() == 1.0


def test_every_model_fast_and_manual_paths_agree():
    """The fused and the readable attention give the same logits in every model (float64)."""
    torch.manual_seed(0)
    tokens, images = torch.randint(1, 20, (2, 6)), torch.rand(2, 1, 8, 8, dtype=torch.float64)
    models = {
        "lm": (CausalLM(20, 32, 4, 2, num_kv_heads=2), (tokens,)),
        "clf": (EncoderClassifier(20, 3, 32, 4, 2, pad_id=1), (tokens,)),
        "s2s": (Seq2SeqTransformer(20, 20, 32, 4), (tokens, tokens[:, :4])),
        "vit": (VisionTransformer(8, 2, d_model=32, num_heads=4), (images,)),
    }
    for name, (model, inputs) in models.items():
        model = model.double().eval()
        fast = model(*inputs)
        for m in model.modules():
            if hasattr(m, "fast"):
                m.fast = False
        torch.testing.assert_close(model(*inputs), fast, atol=1e-10, rtol=0, msg=name)
