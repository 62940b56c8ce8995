"""The one comparison helper every oracle test goes through: shape, then dtype, then values.

``assert_close`` takes NumPy arrays or torch tensors (any device, any float dtype) on either
side; ``close`` in conftest.py hands it to tests as a fixture, ``torch_helpers.assert_same`` and
the contract test call it directly.
"""

from __future__ import annotations

import numpy as np

# (label, max abs error) of every labelled comparison made in this session, for the summary table.
ORACLE_ERRORS: dict[str, float] = {}


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor: float64 keeps every float dtype's values exactly
        x = x.detach().cpu()
        return (x.double() if x.is_floating_point() else x).numpy()
    return np.asarray(x)


def _dtype(x) -> str:
    return str(x.dtype).removeprefix("torch.")


def assert_close(ours, reference, tol: float, label: str | None = None) -> float:
    """Check shape, then dtype, then values of ``ours`` against ``reference``.

    NaN counts as an error unless both sides hold NaN at the same place; equal infinities count
    as zero error. Returns the max abs error and, with a ``label``, records it for the
    end-of-run error table (``pytest -v``).
    """
    name = label or "comparison"
    assert tuple(ours.shape) == tuple(reference.shape), (
        f"{name}: shape {tuple(ours.shape)} != {tuple(reference.shape)}"
    )
    if hasattr(ours, "detach") == hasattr(reference, "detach"):  # same library: dtypes comparable
        assert ours.dtype == reference.dtype, f"{name}: dtype {ours.dtype} != {reference.dtype}"
    else:
        assert _dtype(ours) == _dtype(reference), f"{name}: dtype {ours.dtype} != {reference.dtype}"
    a, b = _as_numpy(ours), _as_numpy(reference)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf; masked by `same`
        diff = np.abs(np.where(same, 0.0, a.astype(np.float64) - b))
    err = float(np.max(diff)) if a.size else 0.0
    if label is not None:
        ORACLE_ERRORS[label] = max(err, ORACLE_ERRORS.get(label, 0.0))
    assert err <= tol, f"{name}: max abs error {err:.3e} > tolerance {tol:.0e}"
    return err
