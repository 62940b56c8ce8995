"""The generated documents: the gold summary is the topic's facts, the topic is named most."""

from __future__ import annotations

from collections import Counter

import pytest
from attnlib.data.documents import CREATURES, document_vocabulary, documents


def test_gold_sentences_are_the_first_copy_of_each_topic_fact():
    for d in documents(300, seed=1):
        assert len(d.key) == 3 and d.key == sorted(d.key)
        names = Counter(w for s in d.sentences for w in set(s) if w in CREATURES)
        assert names.most_common(1)[0][0] == d.topic
        assert names[d.topic] > max(c for w, c in names.items() if w != d.topic)
        for i in d.key:  # a fact about the topic, not a mention
            s = d.sentences[i]
            assert s[:2] == ["the", d.topic] and s[2] not in {"is"}
            assert s not in d.sentences[:i]
        if d.repeat is not None:  # a word-for-word copy of an earlier gold sentence
            assert d.repeat not in d.key
            assert any(d.sentences[d.repeat] == d.sentences[i] for i in d.key if i < d.repeat)


def test_lead_is_beatable_and_repeats_happen():
    docs = documents(1000, seed=2)
    first = sum(0 in d.key for d in docs) / len(docs)
    assert 0.4 < first < 0.8  # a key sentence often, not always, opens the document
    assert 0.35 < sum(d.repeat is not None for d in docs) / len(docs) < 0.65
    assert {len(d.sentences) for d in docs} <= set(range(8, 16))


def test_seeded_vocabulary_covers_everything():
    a, b = documents(20, seed=3), documents(20, seed=3)
    assert [d.sentences for d in a] == [d.sentences for d in b]
    vocab = set(document_vocabulary())
    assert all(w in vocab for d in a for s in d.sentences for w in s)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="k must be"):
        documents(1, k=0)
    with pytest.raises(ValueError, match="probabilities"):
        documents(1, p_repeat=2.0)
