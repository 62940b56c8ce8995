"""attnlib.grading: graded exercises with immediate feedback, and a class grader that runs each
submission in a bubblewrap sandbox (:mod:`attnlib.grading.bubblewrap`).

In a notebook::

    from attnlib.grading import check
    check("softmax", softmax)          # prints each test's pass/fail, points and hints

On the command line (see ``attn-grade --help``)::

    attn-grade exercises/01_softmax.ipynb
    attn-grade --batch submissions/ --csv grades.csv --tests hidden_tests/
"""

from attnlib.grading.check import check, grade_functions
from attnlib.grading.grader import grade_submission
from attnlib.grading.hidden import load_test_dir
from attnlib.grading.results import ExerciseResult, SubmissionResult, TestResult
from attnlib.grading.spec import Exercise, Mistake, Test, get_exercise, register


def exercise_names() -> list[str]:
    """The course's exercises, in course order."""
    from attnlib.grading.catalog import ORDER

    return list(ORDER)


__all__ = [
    "Exercise", "ExerciseResult", "Mistake", "SubmissionResult", "Test", "TestResult", "check",
    "exercise_names", "get_exercise", "grade_functions", "grade_submission", "load_test_dir",
    "register",
]  # fmt: skip
