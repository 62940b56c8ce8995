"""Reference solution: split and merge attention heads."""


def split_heads(x, num_heads):
    """(B, L, E) -> (B, H, L, D) with D = E / H."""
    B, L, E = x.shape
    x = x.reshape(B, L, num_heads, E // num_heads)  # (B, L, H, D)
    return x.transpose(0, 2, 1, 3)  # (B, H, L, D)


def merge_heads(x):
    """(B, H, L, D) -> (B, L, E) with E = H * D; the inverse of split_heads."""
    B, H, L, D = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, L, H * D)  # (B, L, H, D) -> (B, L, E)
