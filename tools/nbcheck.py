"""Execute a notebook and compare every output with the stored one: exact, or within a tolerance.

    python nbcheck.py NOTEBOOK.ipynb [--sanitize FILE] [--json REPORT.json]

Two kinds of output, declared per code cell:

* **exact** (no declaration): deterministic arithmetic — the worked example, shapes, parameter and
  byte counts. The fresh text must equal the stored text (after the sanitizing regexes).
* **measured**: the cell's metadata holds a tolerance,
  ``"tolerance": {"abs": 0.01, "rel": 0.0, "why": "accuracy: 3-seed spread 0.004"}``.
  The text with every number blanked out must be identical (up to the spaces that align printed
  columns), and each number must agree with the stored one: ``|fresh - stored| <= abs + rel *
  |stored|``.

Cell tags: ``nbval-ignore-output`` runs the cell but compares nothing (timings only: a number the
prose relies on never hides here), ``nbval-skip`` does not run it, ``raises-exception`` expects an
error. Compared: text/plain of results and displays, glued values (``attnlib.glue``), stdout and
stderr streams, error names. Images, HTML and widget views are not compared.

Runs in the environment it is started with (the Colab-like ``.venv-colab`` in ``make nbval``);
needs only nbformat and nbclient. Prints one line per failing cell and exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import configparser
import json
import math
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

IGNORE_TAG = "nbval-ignore-output"
SKIP_TAG = "nbval-skip"
RAISES_TAG = "raises-exception"
TOLERANCE_KEY = "tolerance"
GLUED_TEXT = "application/papermill.record/text/plain"  # attnlib.glue / myst-nb glue

# A number as printed: 12  -3.5  1,234  2.5e-07  .5  12ms  (not the digits of a name: fp32, L2).
NUMBER = re.compile(
    r"(?<![A-Za-z_\d.])[-+]?(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?!\d)"
)


@dataclass
class Tolerance:
    """``|fresh - stored| <= abs + rel * |stored|`` for every number in a measured cell."""

    abs: float = 0.0
    rel: float = 0.0
    why: str = ""

    @classmethod
    def of(cls, cell: dict) -> Tolerance | None:
        spec = cell.get("metadata", {}).get(TOLERANCE_KEY)
        if spec is None:
            return None
        unknown = set(spec) - {"abs", "rel", "why"}
        if unknown or not spec.get("why"):
            raise ValueError(
                f"tolerance {spec!r}: use keys abs, rel and a 'why' that says where the size comes from"
            )
        tol = cls(float(spec.get("abs", 0.0)), float(spec.get("rel", 0.0)), spec["why"])
        if tol.abs < 0 or tol.rel < 0 or (tol.abs == 0 and tol.rel == 0):
            raise ValueError(f"tolerance {spec!r}: abs and rel must be >= 0, not both 0")
        return tol

    def allows(self, stored: float, fresh: float) -> bool:
        if math.isnan(stored) or math.isnan(fresh):
            return math.isnan(stored) and math.isnan(fresh)
        return abs(fresh - stored) <= self.abs + self.rel * abs(stored)


def parse_number(token: str) -> float:
    return float(token.replace(",", ""))


def skeleton(text: str) -> tuple[str, list[str]]:
    """The text with each number replaced by ``#`` and without spaces (which line printed columns
    up, so they move with a sign or a digit), and the numbers in order."""
    return re.sub(r"[ \t]+", "", NUMBER.sub("#", text)), NUMBER.findall(text)


def compare_text(stored: str, fresh: str, tol: Tolerance | None) -> str | None:
    """None if ``fresh`` matches ``stored`` (exactly, or within ``tol``); else what differs."""
    if stored == fresh:
        return None
    if tol is None:
        return f"exact output differs:\n--- stored\n{stored}\n--- fresh\n{fresh}"
    (shape_s, nums_s), (shape_f, nums_f) = skeleton(stored), skeleton(fresh)
    if shape_s != shape_f:
        return f"text around the numbers differs:\n--- stored\n{stored}\n--- fresh\n{fresh}"
    bad = [
        f"{s} -> {f}"
        for s, f in zip(nums_s, nums_f)
        if not tol.allows(parse_number(s), parse_number(f))
    ]
    if bad:
        return f"beyond tolerance abs={tol.abs:g} rel={tol.rel:g} ({tol.why}): " + ", ".join(bad)
    return None


class Sanitizer:
    """nbval-style ``[section] regex: ... replace: ...`` rules applied to both sides."""

    def __init__(self, path: Path | None = None):
        self.rules: list[tuple[re.Pattern, str]] = []
        if path is not None:
            parser = configparser.ConfigParser(interpolation=None)
            parser.read(path)
            for section in parser.sections():
                rule = parser[section]
                self.rules.append((re.compile(rule["regex"]), rule["replace"]))

    def __call__(self, text: str) -> str:
        for pattern, replacement in self.rules:
            text = pattern.sub(replacement, text)
        return text


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def output_texts(cell: dict) -> list[str]:
    """What is compared of a code cell's outputs, one string per output."""
    texts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            texts.append(f"[{out.get('name')}] {_text(out.get('text', ''))}")
        elif kind in {"execute_result", "display_data"}:
            for key in ("text/plain", GLUED_TEXT):  # a glued value is compared like a print
                if key in out.get("data", {}):
                    texts.append(f"[{kind}] {_text(out['data'][key])}")
        elif kind == "error":
            texts.append(f"[error] {out.get('ename')}")
    return texts


def _merged_streams(texts: list[str]) -> list[str]:
    """Join consecutive pieces of one stream: how print() output is split is not content."""
    merged: list[str] = []
    for t in texts:
        if merged and t.startswith("[std") and merged[-1].startswith(t[: t.index("]") + 1]):
            merged[-1] += t[t.index("]") + 2 :]
        else:
            merged.append(t)
    return merged


def compare_cell(stored: dict, fresh: dict, sanitize: Sanitizer) -> str | None:
    tags = stored.get("metadata", {}).get("tags", [])
    if IGNORE_TAG in tags or SKIP_TAG in tags:
        return None
    tol = Tolerance.of(stored)
    old = _merged_streams([sanitize(t) for t in output_texts(stored)])
    new = _merged_streams([sanitize(t) for t in output_texts(fresh)])
    if len(old) != len(new):
        return (
            f"{len(old)} stored outputs, {len(new)} fresh:\n--- stored\n"
            + "\n".join(old)
            + "\n--- fresh\n"
            + "\n".join(new)
        )
    for s, f in zip(old, new):
        problem = compare_text(s, f, tol)
        if problem:
            return problem
    return None


@dataclass
class Report:
    notebook: str
    exact: int = 0
    measured: int = 0
    ignored: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None


def check(stored_nb: dict, fresh_nb: dict, name: str, sanitize: Sanitizer) -> Report:
    """Compare two versions of one notebook (same cells, stored vs freshly executed)."""
    report = Report(name)
    for i, (s, f) in enumerate(zip(stored_nb["cells"], fresh_nb["cells"])):
        if s.get("cell_type") != "code" or not _text(s.get("source", "")).strip():
            continue
        tags = s.get("metadata", {}).get("tags", [])
        if IGNORE_TAG in tags or SKIP_TAG in tags:
            report.ignored += 1
        elif TOLERANCE_KEY in s.get("metadata", {}):
            report.measured += 1
        else:
            report.exact += 1
        try:
            problem = compare_cell(s, f, sanitize)
        except ValueError as e:
            problem = str(e)
        if problem:
            first = _text(s.get("source", "")).strip().splitlines()[0][:70]
            report.failures.append(f"cell {i} ({first!r}): {problem}")
    return report


def execute(path: Path, timeout: int = 900) -> dict:
    """Run the notebook in its own folder with nbclient; return the executed copy."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        skip_cells_with_tag=SKIP_TAG,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def run(path: Path, sanitize: Sanitizer) -> Report:
    stored = json.loads(path.read_text())
    t0 = time.perf_counter()
    try:
        fresh = execute(path)
    except Exception as e:  # a cell raised: report which, not a traceback of the runner
        report = Report(path.name, error=f"{type(e).__name__}: {str(e)[-2000:]}")
    else:
        report = check(stored, fresh, path.name, sanitize)
    report.seconds = time.perf_counter() - t0
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--sanitize", type=Path)
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    report = run(args.notebook, Sanitizer(args.sanitize))
    for line in report.failures + ([report.error] if report.error else []):
        print(f"{args.notebook.name}: {line}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report.__dict__))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
