"""Grade one submission file: read it, run its calls in the sandbox, score in this process."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from attnlib.grading import bubblewrap
from attnlib.grading.engine import failed_everywhere, score, twins
from attnlib.grading.results import SubmissionResult
from attnlib.grading.sandbox import run_calls
from attnlib.grading.spec import Exercise, get_exercise
from attnlib.grading.submission import SubmissionError, display_name, read_submission


def _function_names(ex: Exercise, aliases: dict[str, str]) -> dict[str, str]:
    """Exercise function -> the name the submission passed to ``check`` (default: the same)."""
    names = {fn: fn for fn in ex.functions}
    positional = [p for p in aliases.get("__pos__", "").split(",")]
    for fn, given in zip(ex.functions, positional):
        if given:
            names[fn] = given
    names.update({k: v for k, v in aliases.items() if k in names})
    return names


def grade_submission(
    path: str | Path,
    extra: dict[str, Exercise] | None = None,
    exercise: str | None = None,
    timeout: float = 10.0,
    memory_mb: int = 1024,
    isolation: str = "auto",
    seed: int | None = None,
) -> SubmissionResult:
    """Score ``path`` on the exercises it answers (or on ``exercise``).

    Args:
        extra: exercises from an instructor's test directory (see :mod:`attnlib.grading.hidden`);
            they replace the public versions of the same name.
        timeout: wall-clock seconds per exercise (and for loading the code).
        memory_mb: address-space limit of each process of the submission.
        isolation: ``"sandbox"`` (bubblewrap; RuntimeError when it cannot start), ``"process"``
            (a plain subprocess: for trusted code only) or ``"auto"`` (the sandbox when it can
            start, else a plain subprocess, said in the result's ``notice``).
        seed: seeds the fresh inputs of each test's twin (default: new ones every time).
    """
    t0 = time.perf_counter()
    result = SubmissionResult(display_name(path, full=True))
    if isolation in ("auto", "sandbox"):
        why = bubblewrap.probe()
        if why and isolation == "sandbox":
            raise RuntimeError(f"cannot grade in a sandbox: {why}")
        isolation = "process" if why else "sandbox"
        if why:
            result.notice = f"not sandboxed ({why}): feedback only, not for grading a class"
    result.isolation = isolation
    extra = extra or {}
    try:
        sub = read_submission(path)
        names = [exercise] if exercise else sub.exercise_names
        if not names:
            raise SubmissionError(
                f"{display_name(path)}: cannot tell which exercise this answers; "
                'add check("name", f) or name the file NN_name.ipynb, or pass --exercise'
            )
    except (SubmissionError, OSError, RecursionError, MemoryError) as err:
        result.errors.append(str(err))
        if exercise:
            ex = extra.get(exercise) or get_exercise(exercise)
            result.exercises.append(failed_everywhere(ex, str(err)))
        result.seconds = time.perf_counter() - t0
        return result
    rng = np.random.default_rng(seed)
    exercises, calls = [], []
    for name in names:
        try:
            ex = extra.get(name) or get_exercise(name)
        except KeyError as err:
            result.errors.append(str(err.args[0]))
            continue
        rename = _function_names(ex, sub.aliases.get(name, {}))
        fresh = twins(ex, rng)
        exercises.append((ex, fresh))
        for t in [*ex.tests, *(f for f in fresh if f is not None)]:
            calls.append((ex.name, rename[t.function or ex.functions[0]], t.args, t.kwargs))
    outputs, notes = run_calls(sub.cells, calls, timeout, memory_mb, isolation)
    start = 0
    for ex, fresh in exercises:
        n, m = len(ex.tests), sum(f is not None for f in fresh)
        mine, extra_out = outputs[start : start + n], iter(outputs[start + n : start + n + m])
        fresh_out = [None if f is None else next(extra_out) for f in fresh]
        result.exercises.append(score(ex, mine, notes, fresh, fresh_out))
        start += n + m
    result.seconds = time.perf_counter() - t0
    return result
