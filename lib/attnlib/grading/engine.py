"""Score an exercise: expected values from the oracle, the student's outputs, reasons and hints.

The grader builds the list of calls (:func:`plan`), something runs them on the student's code —
in the student's own notebook (:mod:`attnlib.grading.check`) or in a sandboxed subprocess
(:mod:`attnlib.grading.sandbox`) — and :func:`score` turns the outputs into points. Expected
values are computed here, in the grader's process, after the student's code has run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from attnlib.grading.compare import Failure, compare, diagnose, to_plain
from attnlib.grading.results import ExerciseResult, TestResult
from attnlib.grading.spec import Exercise, Test


def plan(ex: Exercise) -> list[tuple[str, tuple, dict]]:
    """The calls to make, one per test: ``(function_name, args, kwargs)``."""
    return [(t.function or ex.functions[0], t.args, t.kwargs) for t in ex.tests]


def expected_value(ex: Exercise, test: Test) -> Any:
    fn = test.function or ex.functions[0]
    oracle = test.expected or ex.oracles[fn]
    return to_plain(oracle(*test.args, **test.kwargs))


def score(ex: Exercise, outputs: list[Any], notes: list[str] | None = None) -> ExerciseResult:
    """Points per test from the student's ``outputs`` (one per test, in order)."""
    result = ExerciseResult(ex.name, ex.title, notes=list(notes or []))
    for test, got in zip(ex.tests, outputs):
        with np.errstate(all="ignore"):
            result.tests.append(_score_test(ex, test, to_plain(got)))
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
