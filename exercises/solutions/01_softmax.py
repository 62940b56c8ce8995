"""Reference solution: stable softmax."""

import numpy as np


def softmax(x, axis=-1):
    """softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x), along ``axis``."""
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))  # shift: the largest exponent is 0
    return z / np.sum(z, axis=axis, keepdims=True)
