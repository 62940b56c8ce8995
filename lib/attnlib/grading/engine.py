"""Score an exercise: expected values from the oracle, the student's outputs, reasons and hints.

The grader builds the list of calls (:func:`plan`), something runs them on the student's code —
in the student's own notebook (:mod:`attnlib.grading.check`) or in a sandboxed subprocess
(:mod:`attnlib.grading.sandbox`) — and :func:`score` turns the outputs into points. Expected
values are computed here, in the grader's process, after the student's code has run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from attnlib.grading.compare import Failure, compare, diagnose, to_plain
from attnlib.grading.results import ExerciseResult, TestResult
from attnlib.grading.spec import Exercise, Test


def _perturb(value: Any, rng: np.random.Generator) -> Any:
    """``value`` with noise on its finite floating-point entries (ints, bools, -inf kept)."""
    if isinstance(value, tuple):
        return tuple(_perturb(v, rng) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
        finite = np.isfinite(value)
        spread = float(np.std(value[finite])) if finite.any() else 0.0
        noise = rng.normal(scale=0.5 * (spread or 1.0), size=value.shape)
        return np.where(finite, value + noise, value).astype(value.dtype)
    return value


def twins(ex: Exercise, rng: np.random.Generator) -> list[Test | None]:
    """For each test, a twin on fresh inputs of the same kind drawn now (or None).

    A test scores only when its twin passes too, so an answer hard-coded for the published
    inputs earns nothing. The exercise's ``fresh`` builder makes the twins it knows how to make;
    any other test whose expected value comes from the oracle gets its float inputs perturbed.
    """
    made = list(ex.fresh(rng)) if ex.fresh else []
    out: list[Test | None] = []
    for i, test in enumerate(ex.tests):
        twin = made[i] if i < len(made) else None
        if twin is None and test.expected is None:
            args, kwargs = (
                _perturb(test.args, rng),
                {k: _perturb(v, rng) for k, v in test.kwargs.items()},
            )
            changed = any(a is not b for a, b in zip(args, test.args))
            twin = replace(test, args=args, kwargs=kwargs) if changed else None
        out.append(None if twin is None else replace(twin, name=f"{test.name} (fresh inputs)"))
    return out


def plan(ex: Exercise) -> list[tuple[str, tuple, dict]]:
    """The calls to make, one per test: ``(function_name, args, kwargs)``."""
    return [(t.function or ex.functions[0], t.args, t.kwargs) for t in ex.tests]


def expected_value(ex: Exercise, test: Test) -> Any:
    fn = test.function or ex.functions[0]
    oracle = test.expected or ex.oracles[fn]
    return to_plain(oracle(*test.args, **test.kwargs))


def score(
    ex: Exercise,
    outputs: list[Any],
    notes: list[str] | None = None,
    fresh: list[Test | None] | None = None,
    fresh_outputs: list[Any] | None = None,
) -> ExerciseResult:
    """Points per test from the student's ``outputs`` (one per test, in order).

    With ``fresh`` (the twins from :func:`twins`) and their outputs, a test that passes on its
    published inputs but fails on its twin scores 0.
    """
    result = ExerciseResult(ex.name, ex.title, notes=list(notes or []))
    fresh = fresh or [None] * len(ex.tests)
    fresh_outputs = fresh_outputs or [None] * len(ex.tests)
    for test, got, twin, twin_got in zip(ex.tests, outputs, fresh, fresh_outputs):
        with np.errstate(all="ignore"):
            scored = _score_test(ex, test, to_plain(got))
            if scored.passed and twin is not None:
                again = _score_test(ex, twin, to_plain(twin_got))
                if not again.passed:
                    scored = replace(
                        again, name=test.name, hidden=test.hidden,
                        message=f"passes the published inputs but not new ones of the same kind "
                        f"({again.message}): is the answer hard-coded?",
                    )  # fmt: skip
            result.tests.append(scored)
    return result


def _score_test(ex: Exercise, test: Test, got: Any) -> TestResult:
    expected = expected_value(ex, test)
    rtol = ex.rtol if test.rtol is None else test.rtol
    atol = ex.atol if test.atol is None else test.atol
    reason = compare(got, expected, rtol, atol, ex.bool_output)
    hint = "" if reason is None else (diagnose(ex, test, got, expected) or "")
    return TestResult(
        name=test.name,
        points=test.points if reason is None else 0,
        max_points=test.points,
        passed=reason is None,
        message=reason or "",
        hint=hint,
        hidden=test.hidden,
    )


def failed_everywhere(ex: Exercise, message: str) -> ExerciseResult:
    """Zero points on every test, with one reason (e.g. the submission could not be loaded)."""
    return score(ex, [Failure(message)] * len(ex.tests))
