"""``attn-grade``: grade one submission, or a whole class, each in a bubblewrap sandbox.

    attn-grade SUBMISSION [--tests DIR] [--json OUT] [--gradescope OUT] [--timeout S] [--memory MB]
    attn-grade --batch DIR --csv grades.csv [--tests DIR] [--json OUT] [--jobs N]
    attn-grade --selfcheck exercises/

A batch directory holds one entry per student (see :mod:`attnlib.grading.batch`). Batch mode
refuses to run without the sandbox unless given ``--no-sandbox-i-trust-every-submission``; one
file is graded without it too, with a notice. Exit status: 0 when grading ran (whatever the
scores), 2 for a usage error or a missing sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from attnlib.grading import batch, bubblewrap
from attnlib.grading.grader import grade_submission
from attnlib.grading.gradescope import write_gradescope
from attnlib.grading.hidden import load_test_dir
from attnlib.grading.results import SubmissionResult, printable
from attnlib.grading.submission import display_name

UNSAFE_FLAG = "--no-sandbox-i-trust-every-submission"


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
    why = bubblewrap.probe()
    print(f"sandbox: {'bubblewrap' if why is None else 'none (' + why + ')'}")
    bad = 0
    print(f"{'exercise':22s} {'reference':>10s} {'stub':>8s}")
    for stub, ref, st in zip(stubs, graded[0::2], graded[1::2]):
        ok = ref.max_points > 0 and ref.points == ref.max_points and st.points == 0
        bad += not ok
        print(f"{stub.stem:22s} {ref.points:>4g}/{ref.max_points:<5g} {st.points:>3g}/{st.max_points:<4g}"
              f"{'' if ok else '  <- WRONG'}")  # fmt: skip
    return 1 if bad else 0


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="attn-grade", description=__doc__.split("\n\n")[0])
    ap.add_argument("submission", nargs="?", help="a notebook (.ipynb) or Python file (.py)")
    ap.add_argument("--batch", metavar="DIR", help="grade every student in DIR")
    ap.add_argument("--csv", metavar="OUT", help="with --batch: write one row per student")
    ap.add_argument("--tests", metavar="DIR", help="instructor test files (hidden tests)")
    ap.add_argument("--json", metavar="OUT", help="write the full results as JSON")
    ap.add_argument("--gradescope", metavar="OUT", help="one submission: Gradescope results.json")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per exercise (10)")
    ap.add_argument("--memory", type=int, default=1024, help="memory limit in MiB (1024)")
    ap.add_argument("--exercise", help="grade as this exercise (default: detect)")
    ap.add_argument("--jobs", type=int, default=2, help="submissions graded at once (2)")
    ap.add_argument("--selfcheck", metavar="DIR", help="reference solutions full, stubs 0")
    ap.add_argument("--details", action="store_true", help="show reasons for hidden tests too")
    ap.add_argument(
        UNSAFE_FLAG, dest="unsafe", action="store_true",
        help="grade a class without the bubblewrap sandbox (only for code you trust)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if args.selfcheck:
        return selfcheck(Path(args.selfcheck), args.timeout, args.memory, args.jobs)
    if bool(args.submission) == bool(args.batch):
        ap.error("give one SUBMISSION or --batch DIR")
    isolation = "process" if args.unsafe else "auto"
    if args.batch and not args.unsafe:
        why = bubblewrap.probe()
        if why:
            print(f"attn-grade: refusing to grade a class without a sandbox: {why}.\n"
                  f"Install bubblewrap, or pass {UNSAFE_FLAG} if you trust every submission.",
                  file=sys.stderr)  # fmt: skip
            return 2
        isolation = "sandbox"
    if args.unsafe:
        print(f"attn-grade: WARNING: {UNSAFE_FLAG}: submissions run unsandboxed, as you",
              file=sys.stderr)  # fmt: skip
    extra = load_test_dir(args.tests) if args.tests else {}

    def grade(path: Path) -> SubmissionResult:
        return grade_submission(
            path, extra, args.exercise, args.timeout, args.memory, isolation=isolation
        )

    t0 = time.perf_counter()
    if args.submission:
        result = batch.grade_safely(grade, Path(args.submission))
        print(result.text(args.details))
        results = {display_name(Path(args.submission).with_suffix("")): [result]}
        if args.gradescope:
            write_gradescope(Path(args.gradescope), result)
    else:
        students = batch.students(Path(args.batch))
        files = [p for paths, _ in students.values() for p in paths]
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            graded = list(pool.map(lambda p: batch.grade_safely(grade, p), files))
        by_file = dict(zip(map(id, files), graded))
        results = {s: [by_file[id(p)] for p in paths] for s, (paths, _) in students.items()}
        problems = {s: skipped for s, (_, skipped) in students.items() if skipped}
        for student, rs in results.items():
            best, _ = batch.best_per_exercise(rs)
            total = sum(e.points for e in best.values())
            most = sum(e.max_points for e in best.values())
            print(f"{printable(student):24s} {total:g} / {most:g}")
        print(
            f"graded {len(files)} files of {len(students)} students in {time.perf_counter() - t0:.1f} s"
        )
        if args.csv:
            batch.write_csv(Path(args.csv), results, problems)
    if args.json:
        data = {s: [r.to_dict() for r in rs] for s, rs in results.items()}
        _atomic_write(Path(args.json), json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
