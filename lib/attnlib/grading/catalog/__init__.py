"""The course's graded exercises. Importing this package registers them all.

Oracles (the expected values) are computed with PyTorch in float64 where PyTorch has the
operation (softmax, scaled dot-product attention, layer norm, autograd for the backward pass),
or from a property that does not reuse the student's algorithm (the online-softmax state equals
the softmax over all tiles seen so far; a KV-cache step equals full causal attention).
"""

from attnlib.grading.catalog import (  # noqa: F401  (each module registers its exercises)
    advanced,
    basics,
    bugs,
    decoding,
    layers,
    masked,
    modern,
    positions,
)
from attnlib.grading.spec import REGISTRY

ORDER = [
    "softmax", "sdpa", "masks", "masked_attention", "heads", "sinusoidal", "rope",
    "layer_norm", "attention_backward", "online_softmax", "kv_cache", "fix_elementwise",
    "fix_mask_scale", "sink_window_mask", "speculative_acceptance", "split_k_merge", "alibi_bias",
]  # fmt: skip

__all__ = ["ORDER", "REGISTRY"]
