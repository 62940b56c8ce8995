"""Attention in modern language models: serving, memory per token, sparse and linear attention.

One module per concept; each is imported by one chapter of the part *Attention in modern
language models* and tested in ``tests/test_modern_*.py``.
"""

from __future__ import annotations
