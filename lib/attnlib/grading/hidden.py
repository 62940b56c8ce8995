"""Instructor test files: extra (hidden) tests, or whole new exercises, from a directory.

A test file is a Python file in the instructor's directory (run by the grader, never by the
student's code), for example ``hidden/softmax_tests.py``::

    import numpy as np
    from attnlib.grading import Test

    EXERCISE = "softmax"            # an exercise name, or an attnlib.grading.Exercise object
    rng = np.random.default_rng(2024)
    TESTS = [
        Test("a (64, 33) batch", points=2, args=(rng.normal(size=(64, 33)),)),
        Test("axis=0", points=1, args=(rng.normal(size=(5, 3)),), kwargs={"axis": 0}),
    ]
    HIDDEN = True                   # optional (default True): only pass/fail is shown

Expected values come from the exercise's oracle unless a test sets ``expected=callable``.
Files whose name starts with ``_`` are skipped.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

from attnlib.grading.spec import Exercise, Test, get_exercise


def load_test_dir(directory: str | Path) -> dict[str, Exercise]:
    """Exercise name -> the exercise with the directory's tests appended (or a new exercise)."""
    out: dict[str, Exercise] = {}
    for path in sorted(Path(directory).glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"attn_grade_tests_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        target = getattr(module, "EXERCISE", None)
        tests = list(getattr(module, "TESTS", []))
        hidden = bool(getattr(module, "HIDDEN", True))
        if not all(isinstance(t, Test) for t in tests):
            raise TypeError(f"{path}: TESTS must be a list of attnlib.grading.Test")
        tests = [dataclasses.replace(t, hidden=t.hidden or hidden) for t in tests]
        if isinstance(target, Exercise):
            out[target.name] = out.get(target.name, target).with_tests(tests)
        elif isinstance(target, str):
            out[target] = (out.get(target) or get_exercise(target)).with_tests(tests)
        else:
            raise TypeError(f"{path}: EXERCISE must be an exercise name or an Exercise")
    return out
