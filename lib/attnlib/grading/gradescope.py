"""Results in Gradescope's autograder format (``/autograder/results/results.json``).

One test per graded test case: its name, score, maximum and output; hidden tests are
``after_published`` so that students see them only once grades are released. In a Gradescope
autograder, ``run_autograder`` can be a single line::

    attn-grade /autograder/submission/*.ipynb --tests /autograder/source/hidden \\
        --gradescope /autograder/results/results.json
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from attnlib.grading.results import SubmissionResult, printable


def to_gradescope(result: SubmissionResult) -> dict:
    """The ``results.json`` document for one submission."""
    tests = []
    for e in result.exercises:
        for t in e.tests:
            output = "" if t.passed or t.hidden else "; ".join(filter(None, [t.message, t.hint]))
            tests.append({
                "name": f"{e.title}: {t.name}",
                "score": t.points,
                "max_score": t.max_points,
                "status": "passed" if t.passed else "failed",
                "output": printable(output),
                "visibility": "after_published" if t.hidden else "visible",
            })  # fmt: skip
    notes = [result.notice, *result.errors, *(n for e in result.exercises for n in e.notes)]
    return {
        "score": result.points,
        "max_score": result.max_points,
        "output": printable("\n".join(filter(None, notes))).replace("\\n", "\n"),
        "visibility": "visible",
        "tests": tests,
    }


def write_gradescope(path: Path, result: SubmissionResult) -> None:
    """Write ``results.json`` atomically (a temporary file renamed into place)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(to_gradescope(result), indent=1), encoding="utf-8")
    os.replace(tmp, path)
