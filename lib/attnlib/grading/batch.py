"""A class: who handed in what, each file graded without stopping the class, one safe CSV.

A batch directory holds one entry per student: files (``alice.ipynb``, and ``alice.py`` too:
both count for alice) or a folder of files (``bob/01_softmax.ipynb`` ...). Every entry is
accounted for in its student's row: graded, or named with the reason it was not (a link, not a
regular file, not ``.ipynb``/``.py``, too deep). Names that are not UTF-8 or hold control
characters are escaped; a CSV cell that a spreadsheet would run as a formula starts with ``'``.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from attnlib.grading.results import ExerciseResult, SubmissionResult, printable
from attnlib.grading.submission import display_name

SUFFIXES = {".ipynb", ".py"}
MAX_DEPTH = 6  # folders below a student's folder
MAX_FILES = 64  # files graded per student


def why_not(p: Path) -> str | None:
    """Why ``p`` is not graded (None: it is). Links are not followed, not even to a classmate."""
    if p.is_symlink():
        return f"{display_name(p)} is a link, not a file: not graded"
    if not p.is_file():
        return f"{display_name(p)} is not a regular file: not graded"
    if p.suffix.lower() not in SUFFIXES:
        return f"{display_name(p)} is not a .ipynb or .py file: not graded"
    return None


def student_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The gradable files under a student's folder, without following links; and what was skipped."""
    files, skipped = [], []
    for root, dirs, names in os.walk(folder, onerror=lambda e: skipped.append(printable(str(e)))):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != ".ipynb_checkpoints")
        if depth >= MAX_DEPTH and dirs:
            skipped.append(f"folders nested deeper than {MAX_DEPTH} levels were not read")
            dirs[:] = []
        for name in sorted(names):
            if name.startswith("."):
                continue
            p = Path(root, name)
            why = why_not(p)
            (skipped if why else files).append(why or p)
    if len(files) > MAX_FILES:
        skipped.append(f"{len(files)} files: only the first {MAX_FILES} were graded")
    return files[:MAX_FILES], skipped[:20]


def students(batch: Path) -> dict[str, tuple[list[Path], list[str]]]:
    """Student name -> (files, problems): ``alice.ipynb`` and ``alice.py`` both count for alice."""
    students: dict[str, tuple[list[Path], list[str]]] = {}
    for entry in sorted(batch.iterdir(), key=lambda p: os.fsencode(p.name)):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            students[display_name(entry)] = student_files(entry)
            continue
        files, skipped = students.setdefault(display_name(entry.with_suffix("")), ([], []))
        why = why_not(entry)
        (skipped if why else files).append(why or entry)
    return students


def best_per_exercise(
    results: list[SubmissionResult],
) -> tuple[dict[str, ExerciseResult], list[str]]:
    """Per exercise, the best of the files that answer it (noted when several do)."""
    best: dict[str, ExerciseResult] = {}
    seen: dict[str, int] = {}
    for r in results:
        for e in r.exercises:
            seen[e.exercise] = seen.get(e.exercise, 0) + 1
            if e.exercise not in best or e.points > best[e.exercise].points:
                best[e.exercise] = e
    notes = [f"{n} files answer {name}: the best counts" for name, n in seen.items() if n > 1]
    return best, notes


def cell(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text: no formula, no control characters."""
    value = printable(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r", "|", "%") else value


def write_csv(path: Path, rows: dict[str, list[SubmissionResult]], problems: dict) -> None:
    """One row per student, written to a temporary file first and renamed (atomic)."""
    names: list[str] = []
    maxima: dict[str, float] = {}
    for results in rows.values():
        for r in results:
            for e in r.exercises:
                if e.exercise not in maxima:
                    names.append(e.exercise)
                maxima[e.exercise] = max(maxima.get(e.exercise, 0), e.max_points)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *map(cell, names), "total", "max", "errors"])
        w.writerow(
            ["(max)", *(f"{maxima[n]:g}" for n in names), f"{sum(maxima.values()):g}", "", ""]
        )
        for student, results in rows.items():
            best, notes = best_per_exercise(results)
            got = {name: e.points for name, e in best.items()}
            errors = [*problems.get(student, []), *(e for r in results for e in r.errors), *notes]
            cells = [f"{got.get(n, 0):g}" for n in names]
            total = f"{sum(got.values()):g}"
            w.writerow([cell(student), *cells, total, f"{sum(maxima.values()):g}",
                        cell("; ".join(errors))])  # fmt: skip
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def grade_safely(grade, path: Path) -> SubmissionResult:
    """``grade(path)``; a bug or an unexpected error becomes this file's error, never the class's."""
    try:
        return grade(path)
    except Exception as err:  # noqa: BLE001 - one file must not stop a class
        result = SubmissionResult(display_name(path, full=True))
        result.errors.append(f"grading failed: {type(err).__name__}: {str(err)[:200]}")
        return result
