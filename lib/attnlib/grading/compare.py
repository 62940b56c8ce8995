"""Compare a student's output with the expected value, and diagnose common mistakes.

Everything here runs in the grader's process. A student's output arrives as plain data only:
NumPy arrays of numbers or booleans, tuples of them, or a :class:`Failure` saying what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from attnlib.grading.spec import Exercise, Mistake, Test


@dataclass(frozen=True)
class Failure:
    """The call did not produce a usable value: it raised, timed out, crashed or returned junk."""

    message: str


def to_plain(value: Any) -> Any:
    """Turn a value into the only forms the grader compares: arrays, tuples of arrays, None.

    Torch tensors are converted (oracles may use torch); anything else becomes a :class:`Failure`.
    """
    if value is None or isinstance(value, Failure):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(to_plain(v) for v in value)
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if isinstance(value, (bool, int, float, np.generic)):
        return np.asarray(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return value
    return Failure(f"returned a {type(value).__name__}, expected a NumPy array")


def describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, tuple):
        return f"tuple of {len(value)}"
    return type(value).__name__


def _compare_one(got: Any, exp: np.ndarray, rtol: float, atol: float, boolean: bool) -> str | None:
    if isinstance(got, Failure):
        return got.message
    if not isinstance(got, np.ndarray):
        return f"returned {describe(got)}, expected an array of shape {exp.shape}"
    if got.shape != exp.shape:
        swapped = got.ndim >= 2 and got.shape[:-2] + got.shape[-2:][::-1] == exp.shape
        extra = " (the last two axes are swapped: transposed?)" if swapped else ""
        return f"shape {got.shape}, expected {exp.shape}{extra}"
    if boolean:
        if got.dtype != np.bool_:
            return f"dtype {got.dtype}, expected bool (True = may attend)"
        wrong = int(np.sum(got != exp))
        return None if wrong == 0 else f"{wrong} of {exp.size} entries differ"
    if got.dtype.kind not in "fc":
        return f"dtype {got.dtype}, expected a floating-point array"
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(exp)):
        return "contains NaN or inf where the expected values are finite"
    if not np.allclose(got, exp, rtol=rtol, atol=atol, equal_nan=True):
        diff = np.abs(got.astype(np.complex128) - exp) if got.size else np.zeros(1)
        err = float(np.max(np.where(np.isnan(diff), np.inf, diff)))
        return f"values differ (max abs error {err:.3g})"
    return None


def compare(got: Any, expected: Any, rtol: float, atol: float, boolean: bool = False) -> str | None:
    """``None`` when ``got`` matches ``expected``; otherwise a one-line reason."""
    if isinstance(got, Failure):
        return got.message
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"returned {describe(got)}, expected a tuple of {len(expected)} arrays"
        for i, (g, e) in enumerate(zip(got, expected)):
            reason = _compare_one(g, e, rtol, atol, boolean)
            if reason:
                return f"output {i}: {reason}"
        return None
    if isinstance(got, tuple):
        return f"returned a tuple of {len(got)}, expected one array of shape {expected.shape}"
    return _compare_one(got, expected, rtol, atol, boolean)


KEEPDIMS_HINT = (
    "Shapes do not fit: a reduction such as x.max(axis) or x.sum(axis) drops that axis; pass "
    "keepdims=True so that it broadcasts back against x."
)
ERROR_HINTS = {
    "NotImplementedError": "Not implemented yet: replace `raise NotImplementedError` with your code.",
    "could not be broadcast": "Shapes do not fit: is `*` (element-wise) used where `@` "
    "(matrix product) is meant, or is a transpose missing?",
    "matmul": "A matrix product got shapes that do not fit: check which axes you transpose "
    "(k.swapaxes(-2, -1), not k.T, for batched arrays).",
    "cannot reshape": "A reshape does not fit: write the shape of every intermediate array.",
}


def diagnose(ex: Exercise, test: Test, got: Any, expected: Any) -> str | None:
    """A hint for a failed test: a known mistake that reproduces ``got``, or a generic one."""
    if isinstance(got, Failure):
        hints = [*ex.error_hints.items(), *ERROR_HINTS.items()]
        return next((h for key, h in hints if key in got.message), None)
    fn = test.function or ex.functions[0]
    mistakes: list[Mistake] = ex.mistakes.get(fn, [])
    for mistake in mistakes:
        try:
            wrong = to_plain(mistake.compute(*test.args, **test.kwargs))
        except Exception:  # a wrong variant may itself fail on some inputs
            continue
        if (
            not isinstance(wrong, Failure)
            and compare(got, wrong, ex.rtol, ex.atol, ex.bool_output) is None
        ):
            return mistake.hint
    outs = got if isinstance(got, tuple) else (got,)
    if any(isinstance(o, np.ndarray) and o.size and not np.any(o) for o in outs):
        return "The output is all zeros: is this still the stub?"
    if any(isinstance(o, np.ndarray) and o.dtype.kind in "fc" and not np.all(np.isfinite(o))
           for o in outs):  # fmt: skip
        return "NaN/inf appears: subtract the row maximum before exp, and handle fully masked rows."
    return None
