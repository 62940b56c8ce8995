"""``check("softmax", softmax)``: run an exercise's public tests on a function, in a notebook.

This runs the student's function in the notebook's own process (it is the student's machine);
each call gets a time limit where the platform allows one (Unix, main thread). The instructor's
grader, ``attn-grade``, runs submissions in a sandboxed subprocess instead.
"""

from __future__ import annotations

import copy
import inspect
import signal
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from attnlib.grading import bubblewrap
from attnlib.grading.compare import Failure
from attnlib.grading.engine import score, twins
from attnlib.grading.results import ExerciseResult
from attnlib.grading.spec import Test, get_exercise


class _TimeLimit(Exception):
    pass


def _call_with_limit(fn: Callable, args: tuple, kwargs: dict, seconds: float) -> Any:
    """``fn(*args, **kwargs)`` on copies of the inputs, as a value or a :class:`Failure`."""
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    use_alarm = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )

    def on_alarm(signum, frame):
        raise _TimeLimit

    old = signal.signal(signal.SIGALRM, on_alarm) if use_alarm else None
    try:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, seconds)
        return fn(*args, **kwargs)
    except _TimeLimit:
        return Failure(f"timed out after {seconds:g} s (an infinite loop?)")
    except BaseException as err:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
        return Failure(f"raised {type(err).__name__}: {str(err)[:300]}")
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def grade_functions(
    exercise: str, *functions: Callable, timeout: float = 10.0, **named: Callable
) -> ExerciseResult:
    """Score ``functions`` (in the order of the exercise's ``functions``) on the public tests."""
    ex = get_exercise(exercise)
    given = dict(zip(ex.functions, functions)) | named
    fresh = twins(ex, np.random.default_rng())

    def run(test: Test | None) -> Any:
        if test is None:
            return None
        name = test.function or ex.functions[0]
        fn = given.get(name)
        if not callable(fn):
            return Failure(f"no function given for `{name}`")
        return _call_with_limit(fn, test.args, test.kwargs, timeout)

    outputs = [run(t) for t in ex.tests]
    return score(ex, outputs, None, fresh, [run(t) for t in fresh])


def library_names(fn: Callable) -> list[str]:
    """Names ``fn`` uses that come from attnlib (the grader runs submissions without it)."""
    try:
        seen = inspect.getclosurevars(fn)
    except TypeError:  # builtins, callable objects
        return []
    found = []
    for name, obj in {**seen.globals, **seen.nonlocals}.items():
        module = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", None)
        if isinstance(module, str) and (module == "attnlib" or module.startswith("attnlib.")):
            found.append(name)
    return found


def check(exercise: str, *functions: Callable, timeout: float = 10.0, **named: Callable) -> None:
    """Print each public test's pass/fail, points and hints for ``functions``.

    Example: ``check("heads", split_heads, merge_heads)``.
    """
    result = grade_functions(exercise, *functions, timeout=timeout, **named)
    why = bubblewrap.probe()
    if why:  # e.g. Colab: the check still runs, here in the student's kernel
        print(f"notice: checked in this kernel; no sandbox can start here ({why})")
    for fn in [*functions, *named.values()]:
        used = library_names(fn)
        if used:
            result.notes.append(
                f"{getattr(fn, '__name__', fn)} uses {', '.join(used)} from attnlib: the "
                "instructor's grader runs without attnlib, so write it with NumPy only."
            )
    print(result.text())
