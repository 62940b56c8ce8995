"""Offline datasets made by code: nothing is downloaded, every dataset comes from a seed.

- :mod:`~attnlib.data.vocab`: ``Vocab`` (tokens <-> ids) and ``pad_batch``.
- :mod:`~attnlib.data.language_pairs`: date formats and number words, for translation.
- :mod:`~attnlib.data.sentiment`: a sentiment grammar in which word order matters.
- :mod:`~attnlib.data.stdlib_text`: character text from Python's own standard library.
- :mod:`~attnlib.data.series`: a seasonal time series and sliding windows.
- :mod:`~attnlib.data.histories`: user histories with planted structure, HR@k and NDCG@k.
- :mod:`~attnlib.data.masking`: masked-token corruption for pretraining.
- :mod:`~attnlib.data.toy_tasks`: tiny sequence tasks (reverse, previous token) for the code chapters.
- :mod:`~attnlib.data.stdlib_topics`: standard-library docstring paragraphs labelled by package.
- :mod:`~attnlib.data.roles`: sentences with one predicate and PropBank-style role tags (BIO).
- :mod:`~attnlib.data.cluttered_digits`: scikit-learn's digits pasted among clutter.
- :mod:`~attnlib.data.machines`: coupled machine sensors with labelled injected anomalies.
- :mod:`~attnlib.data.traffic`: a simulated road network whose congestion waves travel downstream.
- :mod:`~attnlib.data.reading`: passages and questions whose answers are spans.
- :mod:`~attnlib.data.documents`: documents with a known extractive summary.

The application chapters import these from their modules (``attnlib.data.roles`` ...).
"""

from attnlib.data import toy_tasks as toy_tasks
from attnlib.data.histories import hit_rate_and_ndcg, user_histories
from attnlib.data.language_pairs import date_pairs, number_pairs, number_to_words
from attnlib.data.masking import mask_tokens
from attnlib.data.sentiment import sentiment_sentences
from attnlib.data.series import seasonal_series, sliding_windows
from attnlib.data.stdlib_text import stdlib_source, train_val_split
from attnlib.data.vocab import BOS, EOS, MASK, PAD, UNK, Vocab, pad_batch

__all__ = [
    "BOS",
    "EOS",
    "MASK",
    "PAD",
    "UNK",
    "Vocab",
    "date_pairs",
    "hit_rate_and_ndcg",
    "mask_tokens",
    "number_pairs",
    "number_to_words",
    "pad_batch",
    "seasonal_series",
    "sentiment_sentences",
    "sliding_windows",
    "stdlib_source",
    "train_val_split",
    "user_histories",
]
