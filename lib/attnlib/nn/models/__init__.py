"""Small complete models built from :mod:`attnlib.nn` layers."""

from attnlib.nn.models.causal_lm import CausalLM, sample_next
from attnlib.nn.models.classifier import EncoderClassifier
from attnlib.nn.models.seq2seq import Seq2SeqTransformer
from attnlib.nn.models.vit import VisionTransformer, patchify

__all__ = [
    "CausalLM",
    "EncoderClassifier",
    "Seq2SeqTransformer",
    "VisionTransformer",
    "patchify",
    "sample_next",
]
