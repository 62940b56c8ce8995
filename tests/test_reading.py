"""Reading tasks: the passage generator, the overlap scores and the pointer reader."""

from __future__ import annotations

import pytest
import torch
from attnlib.data.reading import RELATIONS, reading_examples, reading_vocabulary
from attnlib.nn.span_qa import SpanReader, best_span, span_loss
from attnlib.overlap import exact_match, frequent_words, lexical_span, token_f1


def test_every_answer_is_a_value_of_the_asked_entity_and_distractors_are_present():
    for ex in reading_examples(200, seed=4):
        entity = next(w for w in ex.question if w in ex.passage and w not in {"the", "a"})
        sentence = ex.sentence[ex.start]
        words = [w for w, s in zip(ex.passage, ex.sentence) if s == sentence]
        assert words[1] == entity and words[-1] == "."
        assert ex.sentence[ex.end] == sentence and ex.passage[ex.end] != "."
        assert len(ex.sentence) == len(ex.passage)
        mentions = {s for w, s in zip(ex.passage, ex.sentence) if w == entity}
        assert len(mentions) >= 2  # the entity's second fact: the name alone cannot answer
        verb = next(v for v, *_ in RELATIONS.values() if words[2] == v[0])
        same_relation = {s for w, s in zip(ex.passage, ex.sentence) if w == verb[0]}
        assert len(same_relation) >= 2  # another entity with the asked relation


def test_question_relation_words_never_occur_in_passages():
    passage_words = {w for ex in reading_examples(300, seed=1) for w in ex.passage}
    for _, _, templates in RELATIONS.values():
        for t in templates:
            relation_words = set(t.split()) - {"{e}", "the", "a", "is", "?", "of"}
            assert not relation_words & passage_words, relation_words & passage_words
    assert passage_words <= set(reading_vocabulary())


def test_same_seed_same_examples_and_bad_sizes_fail():
    a, b = reading_examples(5, seed=9), reading_examples(5, seed=9)
    assert [x.passage for x in a] == [x.passage for x in b]
    with pytest.raises(ValueError, match="n_facts"):
        reading_examples(2, n_facts=2)


def test_token_f1_and_exact_match_agree_with_hand_values():
    assert token_f1(["north", "vell"], ["north", "vell"]) == 1.0
    assert token_f1(["north"], ["north", "vell"]) == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert token_f1(["a", "a", "b"], ["a", "c"]) == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    assert token_f1(["red"], ["blue"]) == 0.0
    assert exact_match(["north"], ["north", "vell"]) == 0.0
    with pytest.raises(ValueError, match="empty"):
        token_f1(["x"], [])


def test_lexical_span_takes_the_last_new_words_of_the_best_matching_sentence():
    passage = "the zorb likes red . the quell lives in north vell .".split()
    sentence = [0] * 5 + [1] * 7
    assert lexical_span(passage, sentence, "where is the quell 's home ?".split()) == (9, 10)
    stop = frequent_words([passage, "the quell likes blue .".split()], min_share=1.0)
    assert stop == {"the", "quell", "likes", "."}
    with pytest.raises(ValueError, match="12 tokens but sentence has 3"):
        lexical_span(passage, [0, 0, 0], ["x"])


def _batch(B=3, S=10, L=4, V=20):
    g = torch.Generator().manual_seed(0)
    passage = torch.randint(1, V, (B, S), generator=g)
    passage[0, 7:] = 0  # padding
    return (
        passage,
        torch.arange(S).div(4, rounding_mode="floor").expand(B, S),
        torch.randint(1, V, (B, L), generator=g),
    )


@pytest.mark.parametrize("question_attention", [True, False])
def test_reader_shapes_padding_and_question_weights(question_attention):
    torch.manual_seed(0)
    model = SpanReader(20, embed_dim=16, num_heads=2, max_passage=12,
                       question_attention=question_attention)  # fmt: skip
    passage, sentence, question = _batch()
    start, end = model(passage, sentence, question)
    assert start.shape == end.shape == (3, 10)
    assert torch.isinf(start[0, 7:]).all() and torch.isfinite(start[0, :7]).all()
    if question_attention:
        question[1, 2:] = 0
        *_, w = model(passage, sentence, question, need_weights=True)
        assert w.shape == (3, 10, 4)
        torch.testing.assert_close(w.sum(-1), torch.ones(3, 10))
        assert (w[1, :, 2:] == 0).all()  # padded question tokens get no weight


def test_a_token_reads_only_its_own_sentence():
    torch.manual_seed(0)
    model = SpanReader(20, embed_dim=16, num_heads=2, max_passage=12)
    passage, sentence, question = _batch()
    start, _ = model(passage, sentence, question)
    changed = passage.clone()
    changed[:, 9] = (changed[:, 9] % 19) + 1  # a token of the last sentence (positions 8-9)
    start2, _ = model(changed, sentence, question)
    torch.testing.assert_close(start2[1:, :8], start[1:, :8])
    assert not torch.allclose(start2[1:, 8:], start[1:, 8:])


def test_best_span_maximises_the_product_within_the_length_limit():
    start = torch.log(torch.tensor([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]))
    end = torch.log(torch.tensor([[0.7, 0.1, 0.2], [0.5, 0.4, 0.1]]))
    i, j = best_span(start, end, max_len=2)
    # row 0: end 0 is before every start but 0, so (1, 2) wins (0.6 * 0.2 > 0.1 * 0.7)
    # row 1: (0, 0) = 0.1, (0, 1) = 0.08, (1, 1) = 0.08, (2, 2) = 0.06
    assert i.tolist() == [1, 0] and j.tolist() == [2, 0]
    loss = span_loss(start, end, torch.tensor([1, 2]), torch.tensor([2, 0]))
    expected = -(torch.log(torch.tensor(0.6 * 0.2)) + torch.log(torch.tensor(0.6 * 0.5))) / 2
    torch.testing.assert_close(loss, expected)


def test_bad_inputs_name_the_shapes():
    model = SpanReader(20, embed_dim=16, num_heads=2, max_passage=12)
    passage, sentence, question = _batch()
    with pytest.raises(ValueError, match=r"sentence \(3, 9\)"):
        model(passage, sentence[:, :9], question)
    with pytest.raises(ValueError, match="float32"):
        model(passage.float(), sentence, question)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        best_span(torch.zeros(2, 3), torch.zeros(2, 4))


def test_without_positions_the_reader_ignores_word_order_inside_a_sentence():
    torch.manual_seed(0)
    model = SpanReader(20, embed_dim=16, num_heads=2, max_passage=12, positions=False)
    passage, sentence, question = _batch()
    start, end = model(passage, sentence, question)
    swapped = passage.clone()
    swapped[:, [4, 5]] = swapped[:, [5, 4]]  # two words of sentence 1 change places
    start2, _ = model(swapped, sentence, question)
    torch.testing.assert_close(start2[:, [5, 4]], start[:, [4, 5]])
    torch.testing.assert_close(start2[:, :4], start[:, :4])
    with pytest.raises(ValueError, match="max_passage"):
        model(
            torch.ones(1, 13, dtype=torch.long), torch.zeros(1, 13, dtype=torch.long), question[:1]
        )
