"""Role-labelling data, BIO spans, span F1 and the two taggers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib.data import Vocab
from attnlib.data.roles import TAGS, role_arrays, role_sentences
from attnlib.spans import bio_spans, is_valid_bio, span_f1
from attnlib.taggers import BiGRUTagger, EncoderTagger


@pytest.mark.parametrize("split", ["train", "test"])
def test_tags_align_and_are_well_formed(split):
    for s in role_sentences(400, seed=3, split=split):
        assert len(s.tags) == len(s.tokens)
        assert is_valid_bio(s.tags), s
        assert s.tags[s.predicate] == "O" and s.tokens[s.predicate].isalpha()
        labels = [label for _, _, label in bio_spans(s.tags)]
        assert sorted(labels[:3]) == sorted(set(labels[:3]))  # each role at most once
        assert {"ARG0", "ARG1", "ARG2"} <= set(labels)
        words = {label: s.tokens[a:b] for a, b, label in bio_spans(s.tags)}
        giver = words["ARG0"][1:] if words["ARG0"][0] == "by" else words["ARG0"]
        receiver = words["ARG2"][1:] if words["ARG2"][0] == "to" else words["ARG2"]
        assert giver != receiver, s  # nobody gives to themselves


def test_passive_puts_the_agent_after_by_and_the_theme_first():
    s = next(s for s in role_sentences(200, seed=0) if s.construction == "passive_to")
    spans = {label: (a, b) for a, b, label in bio_spans(s.tags)}
    a, b = spans["ARG0"]
    assert s.tokens[a] == "by" and a > s.predicate
    assert spans["ARG1"][0] < s.predicate and s.tokens[s.predicate - 1] == "was"


def test_deterministic_for_a_seed_and_test_split_has_unseen_lengths():
    assert role_sentences(50, seed=7) == role_sentences(50, seed=7)
    assert role_sentences(50, seed=7) != role_sentences(50, seed=8)
    train = max(len(s.tokens) for s in role_sentences(1000, seed=0))
    test = max(len(s.tokens) for s in role_sentences(2000, seed=0, split="test"))
    assert test > train
    fronted_passive = [s for s in role_sentences(1000, seed=0)
                       if s.construction.startswith("passive") and s.tokens[1] == ","]  # fmt: skip
    assert not fronted_passive
    with pytest.raises(ValueError, match="split"):
        role_sentences(3, split="dev")


def test_role_arrays_pad_and_index_tags():
    sents = role_sentences(20, seed=1)
    vocab = Vocab.from_texts([" ".join(s.tokens) for s in sents], words=True)
    ids, pred, tags, mask = role_arrays(sents, vocab)
    assert ids.shape == pred.shape == tags.shape == mask.shape
    assert (pred.sum(1) == 1).all() and (mask.sum(1) == [len(s.tokens) for s in sents]).all()
    assert [TAGS[t] for t in tags[0, : len(sents[0].tokens)]] == list(sents[0].tags)
    assert (ids[~mask] == 0).all()


def test_bio_spans_and_conll_convention():
    tags = ["B-ARG0", "I-ARG0", "O", "B-ARG1", "B-ARG2", "I-ARG2"]
    assert bio_spans(tags) == [(0, 2, "ARG0"), (3, 4, "ARG1"), (4, 6, "ARG2")]
    assert bio_spans(["O", "I-ARG1", "I-ARG1", "I-ARG0"]) == [(1, 3, "ARG1"), (3, 4, "ARG0")]
    assert not is_valid_bio(["O", "I-ARG1"]) and not is_valid_bio(["B-ARG0", "I-ARG1"])
    with pytest.raises(ValueError, match="tag 1"):
        bio_spans(["O", "X-ARG0"])


def test_span_f1_needs_exact_boundaries_and_label():
    gold = [["B-ARG0", "I-ARG0", "O", "B-ARG1"]]
    assert span_f1(gold, gold)["f1"] == 1.0
    short = [["B-ARG0", "O", "O", "B-ARG1"]]  # one boundary off: that span is wrong
    assert span_f1(gold, short) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    relabel = [["B-ARG2", "I-ARG2", "O", "B-ARG1"]]
    assert span_f1(gold, relabel)["f1"] == 0.5
    # token accuracy 3/4 here, but span F1 counts the broken span once in P and once in R
    assert span_f1(gold, [["B-ARG0", "I-ARG0", "O", "O"]]) == pytest.approx(
        {"precision": 1.0, "recall": 0.5, "f1": 2 / 3}
    )
    with pytest.raises(ValueError, match="sentence 0"):
        span_f1(gold, [["O"]])


@pytest.mark.parametrize("make", [lambda: EncoderTagger(20, len(TAGS), d_model=16, max_len=12),
                                  lambda: BiGRUTagger(20, len(TAGS), d_model=16, hidden=8)])  # fmt: skip
def test_taggers_shapes_and_padding_does_not_leak(make):
    torch.manual_seed(0)
    model = make().eval()
    ids = torch.randint(1, 20, (2, 9))
    pred = torch.zeros_like(ids)
    pred[:, 2] = 1
    mask = torch.ones(2, 9, dtype=torch.bool)
    mask[1, 6:] = False
    out = model(ids, pred, mask)
    assert out.shape == (2, 9, len(TAGS))
    changed = ids.clone()
    changed[1, 6:] = 3  # different padding contents must not move the real tokens' logits
    again = model(changed, pred, mask)
    torch.testing.assert_close(out[1, :6], again[1, :6])
    assert not torch.allclose(model(ids, torch.zeros_like(pred), mask), out)  # π is read
    with pytest.raises(ValueError, match="predicate"):
        model(ids, pred[:, :5], mask)
    with pytest.raises(TypeError, match="bool"):
        model(ids, pred, mask.long())


def test_encoder_returns_row_stochastic_attention():
    model = EncoderTagger(20, len(TAGS), d_model=16, num_layers=2, max_len=12).eval()
    ids = torch.randint(1, 20, (1, 7))
    _, attention = model(ids, torch.zeros_like(ids), torch.ones(1, 7, dtype=torch.bool),
                         return_attention=True)  # fmt: skip
    assert len(attention) == 2 and attention[0].shape == (1, 4, 7, 7)
    np.testing.assert_allclose(attention[1].sum(-1).detach().numpy(), 1.0, rtol=1e-5)
