"""What an exercise is: the functions a student writes, its tests, its oracle and known wrong answers.

An :class:`Exercise` names the functions a student implements and lists :class:`Test` cases.
Each test calls one of those functions with inputs made by the grader; the expected value is
computed by the exercise's *oracle* (PyTorch or NumPy code in the grader's own process, never
in the student's). ``mistakes`` are known wrong variants: when a student's output matches one,
the grader prints that mistake's hint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Oracle = Callable[..., Any]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``compute(*args, **kwargs)`` reproduces it; ``hint`` explains it."""

    hint: str
    compute: Oracle


@dataclass(frozen=True)
class Test:
    """One graded call ``function(*args, **kwargs)``.

    Args:
        name: short description shown to the student.
        points: marks earned when the output matches the expected value.
        args, kwargs: inputs (NumPy arrays, numbers, None, tuples of these).
        function: which of the exercise's functions is called (default: the first).
        expected: oracle override for this test (default: the exercise's oracle for ``function``).
        hidden: hidden tests show only pass/fail, never their inputs or hints.
    """

    name: str
    points: int
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    function: str | None = None
    expected: Oracle | None = None
    hidden: bool = False
    rtol: float | None = None
    atol: float | None = None


@dataclass
class Exercise:
    """A graded exercise.

    Args:
        name: the id used by ``check(name, ...)`` and by test files, e.g. ``"softmax"``.
        title: a human title.
        functions: names of the functions the student defines, in ``check``'s argument order.
        oracles: function name -> callable computing the expected value in the grader.
        tests: the public tests.
        mistakes: function name -> known wrong variants (for hints).
        rtol, atol: default tolerances of ``numpy.allclose``.
        bool_output: the expected outputs are boolean (masks): dtypes must be bool.
        error_hints: text in an error message -> the hint for it in this exercise (checked
            before the general ones: in a function without products, a broadcasting error
            is a missing ``keepdims``, not a ``*`` used for ``@``).
        fresh: ``fresh(rng)`` -> one test per public test (or None) with new inputs of the same
            kind, drawn at grading time (see :func:`attnlib.grading.engine.twins`); by default
            the floating-point inputs of each test get random noise.
    """

    name: str
    title: str
    functions: tuple[str, ...]
    oracles: dict[str, Oracle]
    tests: list[Test]
    mistakes: dict[str, list[Mistake]] = field(default_factory=dict)
    rtol: float = 1e-5
    atol: float = 1e-6
    bool_output: bool = False
    fresh: Callable[[Any], list[Test | None]] | None = None
    error_hints: dict[str, str] = field(default_factory=dict)

    @property
    def max_points(self) -> int:
        return sum(t.points for t in self.tests)

    def with_tests(self, extra: list[Test]) -> Exercise:
        """A copy of this exercise with ``extra`` tests appended (used for hidden tests)."""
        return Exercise(
            self.name, self.title, self.functions, self.oracles, [*self.tests, *extra],
            self.mistakes, self.rtol, self.atol, self.bool_output, self.fresh, self.error_hints,
        )  # fmt: skip


REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to the registry under its name (a later one replaces an earlier one)."""
    REGISTRY[exercise.name] = exercise
    return exercise


def get_exercise(name: str) -> Exercise:
    """The registered exercise called ``name``; KeyError lists the known names."""
    from attnlib.grading import catalog  # noqa: F401  (registers the course's exercises)

    if name not in REGISTRY:
        raise KeyError(f"unknown exercise {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]
