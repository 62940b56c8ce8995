"""Topic classification on real text that ships with Python: the standard library's docstrings.

Each document is one paragraph of a docstring (a module's, a class's, a function's or a
method's) and its label is the package it documents (``email``, ``asyncio``, ...). The text
differs between Python versions, so the corpus is made **once** by :func:`make_stdlib_topics`
(``tools/make_stdlib_topics.py``) and shipped as ``attnlib/data/files/stdlib_topics.json``;
chapters read it with :func:`load_stdlib_topics`, so every reader trains on the same documents.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import random
import re
import sys
import warnings
from importlib import resources
from pathlib import Path

import numpy as np

#: The packages whose documentation becomes the topics (each has over 250 paragraphs).
TOPICS = ("asyncio", "email", "http", "logging", "unittest", "xml")
SPLITS = ("train", "val", "test")
FILE = "stdlib_topics.json"
_WORD = re.compile(r"[a-z]+")


def words(text: str) -> list[str]:
    """Lower-cased alphabetic words: ``"HTTPConnection.request()"`` -> ``["httpconnection", "request"]``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def _normal(text: str) -> str:
    return " ".join(words(text))


def _modules(package: str):
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), package + "."):
        if ".test" in info.name or "__main__" in info.name:
            continue
        try:
            yield importlib.import_module(info.name)
        except Exception:  # a submodule that needs an optional extension (e.g. on Windows)
            continue


def docstring_paragraphs(package: str, min_words: int = 8) -> list[str]:
    """Paragraphs of the docstrings of a package's modules, classes, functions and methods.

    Paragraphs are separated by blank lines; those with fewer than ``min_words`` words or with
    doctest prompts (``>>>``) are dropped, and each distinct paragraph is kept once.
    """
    seen: set[str] = set()
    out: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for module in _modules(package):
            objects = [module]
            for obj in vars(module).values():
                if getattr(obj, "__module__", None) != module.__name__:
                    continue
                if inspect.isclass(obj):
                    objects.append(obj)
                    objects += [v for v in vars(obj).values() if inspect.isfunction(v)]
                elif inspect.isfunction(obj):
                    objects.append(obj)
            for obj in objects:
                doc = obj.__doc__ if isinstance(obj.__doc__, str) else ""
                for para in re.split(r"\n\s*\n", inspect.cleandoc(doc)):
                    para = " ".join(para.split())
                    if len(words(para)) >= min_words and ">>>" not in para and para not in seen:
                        seen.add(para)
                        out.append(para)
    return out


def make_stdlib_topics(
    topics: tuple[str, ...] = TOPICS, per_topic: int = 250, seed: int = 0
) -> dict:
    """Build the corpus from the running Python: ``per_topic`` paragraphs per package, split.

    A paragraph whose words occur in two packages is dropped (its label is ambiguous), and so
    is any repeat, so no document is in two splits. Each topic's paragraphs are shuffled with
    ``seed`` and cut 60 / 20 / 20 into train / val / test.

    Returns:
        ``{"python_version", "topics", "documents": [{"text", "topic", "split"}, ...]}``.
    """
    paragraphs = {t: docstring_paragraphs(t) for t in topics}
    owners: dict[str, set[str]] = {}
    for t, paras in paragraphs.items():
        for p in paras:
            owners.setdefault(_normal(p), set()).add(t)
    rng = random.Random(seed)
    documents, kept = [], set()
    for t in topics:
        unique = []
        for p in paragraphs[t]:
            key = _normal(p)
            if len(owners[key]) == 1 and key not in kept:
                kept.add(key)
                unique.append(p)
        if len(unique) < per_topic:
            raise ValueError(f"{t!r} has {len(unique)} distinct paragraphs, fewer than {per_topic}")
        chosen = rng.sample(unique, per_topic)
        n_train, n_val = int(0.6 * per_topic), int(0.2 * per_topic)
        for i, text in enumerate(chosen):
            split = "train" if i < n_train else "val" if i < n_train + n_val else "test"
            documents.append({"text": text, "topic": t, "split": split})
    version = ".".join(map(str, sys.version_info[:3]))
    return {"python_version": version, "topics": list(topics), "documents": documents}


def validate_corpus(corpus: dict) -> None:
    """Raise ``ValueError`` naming the first problem: missing keys, unknown topic or split,
    an empty document, or a document that occurs twice (which could put it in two splits)."""
    for key in ("python_version", "topics", "documents"):
        if key not in corpus:
            raise ValueError(f"corpus has no {key!r} entry (keys: {sorted(corpus)})")
    topics = corpus["topics"]
    seen: dict[str, int] = {}
    for i, doc in enumerate(corpus["documents"]):
        if set(doc) != {"text", "topic", "split"}:
            raise ValueError(f"document {i} has keys {sorted(doc)}, expected text, topic, split")
        if doc["topic"] not in topics:
            raise ValueError(f"document {i} has topic {doc['topic']!r}, not one of {topics}")
        if doc["split"] not in SPLITS:
            raise ValueError(f"document {i} has split {doc['split']!r}, not one of {SPLITS}")
        key = _normal(doc["text"])
        if not key:
            raise ValueError(f"document {i} has no words")
        if key in seen:
            raise ValueError(f"documents {seen[key]} and {i} have the same words")
        seen[key] = i


def load_stdlib_topics(path: str | Path | None = None) -> dict:
    """Load and validate the shipped corpus (or the JSON file at ``path``).

    Returns:
        ``{"texts": list[str] (N), "labels": int64 array (N,), "split": str array (N,),
        "topics": tuple[str, ...] (C), "python_version": str}``; ``labels`` index ``topics``.
    """
    if path is None:
        text = resources.files("attnlib.data").joinpath("files", FILE).read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    corpus = json.loads(text)
    validate_corpus(corpus)
    topics = tuple(corpus["topics"])
    docs = corpus["documents"]
    return {
        "texts": [d["text"] for d in docs],
        "labels": np.array([topics.index(d["topic"]) for d in docs], dtype=np.int64),
        "split": np.array([d["split"] for d in docs]),
        "topics": topics,
        "python_version": corpus["python_version"],
    }
