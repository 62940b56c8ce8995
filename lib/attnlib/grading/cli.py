"""``attn-grade``: grade one submission, or a whole class, in sandboxed subprocesses.

    attn-grade SUBMISSION [--tests DIR] [--json OUT] [--timeout S] [--memory MB] [--exercise NAME]
    attn-grade --batch DIR --csv grades.csv [--tests DIR] [--json OUT] [--jobs N]
    attn-grade --selfcheck exercises/


A batch directory holds one entry per student: a file (``alice.ipynb``) or a folder of files
(``alice/01_softmax.ipynb``, ``alice/02_sdpa.py`` ...). Exit status: 0 when grading ran (whatever
the scores), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from attnlib.grading.grader import grade_submission
from attnlib.grading.hidden import load_test_dir
from attnlib.grading.results import SubmissionResult

SUFFIXES = {".ipynb", ".py"}


def _students(batch: Path) -> dict[str, list[Path]]:
    students: dict[str, list[Path]] = {}
    for entry in sorted(batch.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            files = sorted(p for p in entry.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            students[entry.name] = [p for p in files if ".ipynb_checkpoints" not in p.parts]
        elif entry.suffix in SUFFIXES:
            students[entry.stem] = [entry]
    return students


def _write_csv(path: Path, rows: dict[str, list[SubmissionResult]]) -> None:
    names: list[str] = []
    maxima: dict[str, float] = {}
    for results in rows.values():
        for r in results:
            for e in r.exercises:
                if e.exercise not in maxima:
                    names.append(e.exercise)
                maxima[e.exercise] = max(maxima.get(e.exercise, 0), e.max_points)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *names, "total", "max", "errors"])
        w.writerow(
            ["(max)", *(f"{maxima[n]:g}" for n in names), f"{sum(maxima.values()):g}", "", ""]
        )
        for student, results in rows.items():
            got = {e.exercise: e.points for r in results for e in r.exercises}
            errors = "; ".join(err for r in results for err in r.errors)
            total = sum(got.values())
            cells = [f"{got.get(n, 0):g}" for n in names]
            w.writerow([student, *cells, f"{total:g}", f"{sum(maxima.values()):g}", errors])


def selfcheck(directory: Path, timeout: float, memory_mb: int, jobs: int = 2) -> int:
    """Grade every stub notebook ``NN_name.ipynb`` and its solution ``solutions/NN_name.py``.

    Prints one line per exercise; returns 1 unless every solution scores full marks and every
    untouched stub scores 0.
    """
    stubs = sorted(directory.glob("[0-9]*_*.ipynb"))
    files = [p for s in stubs for p in (directory / "solutions" / f"{s.stem}.py", s)]
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        graded = list(
            pool.map(lambda p: grade_submission(p, None, None, timeout, memory_mb), files)
        )
    bad = 0
    print(f"{'exercise':22s} {'reference':>10s} {'stub':>8s}")
    for stub, ref, st in zip(stubs, graded[0::2], graded[1::2]):
        ok = ref.max_points > 0 and ref.points == ref.max_points and st.points == 0
        bad += not ok
        print(f"{stub.stem:22s} {ref.points:>4g}/{ref.max_points:<5g} {st.points:>3g}/{st.max_points:<4g}"
              f"{'' if ok else '  <- WRONG'}")  # fmt: skip
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="attn-grade", description=__doc__.split("\n\n")[0])
    ap.add_argument("submission", nargs="?", help="a notebook (.ipynb) or Python file (.py)")
    ap.add_argument("--batch", metavar="DIR", help="grade every student in DIR")
    ap.add_argument("--csv", metavar="OUT", help="with --batch: write one row per student")
    ap.add_argument("--tests", metavar="DIR", help="instructor test files (hidden tests)")
    ap.add_argument("--json", metavar="OUT", help="write the full results as JSON")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per exercise (10)")
    ap.add_argument("--memory", type=int, default=1024, help="memory limit in MiB (1024)")
    ap.add_argument("--exercise", help="grade as this exercise (default: detect)")
    ap.add_argument("--jobs", type=int, default=2, help="submissions graded at once (2)")
    ap.add_argument("--selfcheck", metavar="DIR", help="reference solutions full, stubs 0")
    ap.add_argument("--details", action="store_true", help="show reasons for hidden tests too")
    args = ap.parse_args(argv)
    if args.selfcheck:
        return selfcheck(Path(args.selfcheck), args.timeout, args.memory, args.jobs)
    if bool(args.submission) == bool(args.batch):
        ap.error("give one SUBMISSION or --batch DIR")
    extra = load_test_dir(args.tests) if args.tests else {}

    def grade(path: Path) -> SubmissionResult:
        return grade_submission(path, extra, args.exercise, args.timeout, args.memory)

    t0 = time.perf_counter()
    if args.submission:
        result = grade(Path(args.submission))
        print(result.text(args.details))
        results = {Path(args.submission).stem: [result]}
    else:
        students = _students(Path(args.batch))
        files = [p for paths in students.values() for p in paths]
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            graded = dict(zip(files, pool.map(grade, files)))
        results = {s: [graded[p] for p in paths] for s, paths in students.items()}
        for student, rs in results.items():
            total, most = sum(r.points for r in rs), sum(r.max_points for r in rs)
            print(f"{student:24s} {total:g} / {most:g}")
        print(
            f"graded {len(files)} files of {len(students)} students in {time.perf_counter() - t0:.1f} s"
        )
        if args.csv:
            _write_csv(Path(args.csv), results)
    if args.json:
        data = {s: [r.to_dict() for r in rs] for s, rs in results.items()}
        Path(args.json).write_text(json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
