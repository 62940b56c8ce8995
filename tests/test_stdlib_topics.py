"""The shipped standard-library topic corpus, its loader, and the bag-of-embeddings control."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
import torch
from attnlib.data.stdlib_topics import (
    SPLITS,
    TOPICS,
    docstring_paragraphs,
    load_stdlib_topics,
    validate_corpus,
    words,
)
from attnlib.nn.models.bag_of_embeddings import MeanEmbeddingClassifier


@pytest.fixture(scope="module")
def corpus():
    return load_stdlib_topics()


def test_the_file_holds_the_counts_the_chapter_prints(corpus):
    assert corpus["topics"] == TOPICS
    assert len(corpus["texts"]) == 1500
    counts = Counter(zip(corpus["labels"].tolist(), corpus["split"].tolist()))
    for c in range(len(TOPICS)):
        assert (counts[c, "train"], counts[c, "val"], counts[c, "test"]) == (150, 50, 50)
    assert corpus["python_version"].startswith("3.")


def test_no_document_is_in_two_splits(corpus):
    keys = [" ".join(words(t)) for t in corpus["texts"]]
    assert len(set(keys)) == len(keys)
    by_split = {s: {k for k, sp in zip(keys, corpus["split"]) if sp == s} for s in SPLITS}
    assert not by_split["train"] & by_split["test"]
    assert not by_split["train"] & by_split["val"]


def _raw(tmp_path, mutate):
    from importlib import resources

    data = json.loads(
        resources.files("attnlib.data").joinpath("files", "stdlib_topics.json").read_text("utf-8")
    )
    mutate(data)
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["documents"].append(dict(d["documents"][0], split="test")), "same words"),
        (lambda d: d["documents"][3].update(topic="json"), "not one of"),
        (lambda d: d["documents"][3].update(split="dev"), "split 'dev'"),
        (lambda d: d["documents"][3].pop("text"), "has keys"),
        (lambda d: d.pop("topics"), "no 'topics'"),
    ],
)
def test_the_loader_rejects_a_broken_file(tmp_path, mutate, message):
    with pytest.raises(ValueError, match=message):
        load_stdlib_topics(_raw(tmp_path, mutate))


def test_validate_accepts_a_good_corpus_and_words_lowercases():
    validate_corpus({"python_version": "3", "topics": ["a"],
                     "documents": [{"text": "One two", "topic": "a", "split": "val"}]})  # fmt: skip
    assert words("HTTPConnection.request(url)") == ["httpconnection", "request", "url"]
    with pytest.raises(TypeError):
        words(3)


def test_paragraphs_come_from_the_package_docstrings():
    paras = docstring_paragraphs("json")
    assert paras and all(len(words(p)) >= 8 and ">>>" not in p for p in paras)
    assert len(set(paras)) == len(paras)


def test_bag_of_embeddings_ignores_order_and_padding():
    torch.manual_seed(0)
    model = MeanEmbeddingClassifier(20, 3, d_model=8, hidden=16)
    x = torch.tensor([[3, 4, 5, 0, 0]])
    mask = x != 0
    out = model(x, mask)
    assert out.shape == (1, 3)
    torch.testing.assert_close(model(torch.tensor([[5, 3, 4, 0, 0]]), mask), out)
    torch.testing.assert_close(model(torch.tensor([[3, 4, 5, 7, 9]]), mask), out)
    emb = model.tok_emb.weight[[3, 4, 5]].mean(0)  # independent reference: mean, then MLP
    torch.testing.assert_close(model.mlp(emb)[None], out)


def test_bag_of_embeddings_names_bad_shapes():
    model = MeanEmbeddingClassifier(20, 3, d_model=8, hidden=16)
    x = torch.zeros(2, 5, dtype=torch.long)
    with pytest.raises(ValueError, match=r"\(2, 4\) != tokens \(2, 5\)"):
        model(x, torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="must be bool"):
        model(x, torch.ones(2, 5))
    with pytest.raises(ValueError, match="must be"):
        model(x[0], torch.ones(5, dtype=torch.bool))


def test_topic_pipeline_checks_its_inputs():
    from attnlib.viz.diagrams import topic_pipeline

    with pytest.raises(ValueError, match="2 words but 3 ids"):
        topic_pipeline(["a", "b"], [1, 2, 3])
    with pytest.raises(ValueError, match="probs"):
        topic_pipeline(probs=np.ones(2))
