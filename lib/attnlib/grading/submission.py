"""Read a submission (.ipynb or .py): its code cells, and which exercises it answers.

Notebook cells are kept in order, except the setup cell and IPython-only lines (``%magic``,
``!shell``); top-level ``check(...)`` calls, ``import attnlib`` and ``from attnlib.grading import ...``
lines are dropped, because the grader, not the submission, runs the tests. Any other import of
``attnlib`` fails in the sandbox with a note: solutions are NumPy only. A ``.py`` file is split at ``# %%`` markers so that
one broken cell does not hide the functions defined in the others.
"""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from attnlib.grading.results import printable

MAX_BYTES = 8 * 2**20  # a larger file is not a notebook a student wrote
DROP = re.compile(r"^(%|!|check\(|from attnlib\.grading import |import attnlib\s*$)")
STEM = re.compile(r"^\d+_(\w+)$")


class SubmissionError(ValueError):
    """The file cannot be graded at all (empty, not JSON, not a notebook)."""


@dataclass
class Submission:
    path: Path
    cells: list[tuple[str, str]]
    exercise_names: list[str] = field(default_factory=list)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # exercise -> fn -> name


def display_name(path: str | Path, full: bool = False) -> str:
    """A file name as text that prints anywhere: bytes that are not UTF-8 become ``\\xNN``,
    control characters (newlines, terminal escapes) become escapes such as ``\\n``."""
    name = os.fsencode(str(path) if full else Path(path).name)
    return printable(name.decode("utf-8", "backslashreplace"))


def _clean(source: str) -> str:
    return "\n".join("" if DROP.match(line) else line for line in source.splitlines())


def _notebook_cells(text: str, path: Path) -> tuple[list[tuple[str, str]], str | None]:
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as err:
        raise SubmissionError(f"{display_name(path)} is not valid notebook JSON ({err})") from None
    except RecursionError:
        raise SubmissionError(f"{display_name(path)} nests its JSON too deeply") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise SubmissionError(f"{display_name(path)} is not a Jupyter notebook (no list of cells)")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    grade_meta = meta.get("attn_grade") if isinstance(meta.get("attn_grade"), dict) else {}
    declared = grade_meta.get("exercise")
    cells = []
    for n, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(map(str, src)) if isinstance(src, list) else str(src)
        cell_meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        tags = cell_meta.get("tags") if isinstance(cell_meta.get("tags"), list) else []
        if "setup" in tags or src.startswith("# Setup:"):
            continue
        cells.append((f"<cell {n}>", src))
    return cells, declared if isinstance(declared, str) else None


def _check_calls(cells: list[tuple[str, str]]) -> list[tuple[str, list[str], dict[str, str]]]:
    """Every ``check("name", f, g, k=h)`` call: (exercise, positional names, keyword names)."""
    found = []
    for _, src in cells:
        try:
            tree = ast.parse(_clean_magics(src))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "check"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                pos = [a.id if isinstance(a, ast.Name) else "" for a in node.args[1:]]
                kw = {k.arg: k.value.id for k in node.keywords if isinstance(k.value, ast.Name)}
                found.append((node.args[0].value, pos, kw))
    return found


def _clean_magics(source: str) -> str:
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def read_submission(path: str | Path) -> Submission:
    """Parse ``path``; raises :class:`SubmissionError` when it cannot be graded at all."""
    path = Path(path)
    with open(path, "rb") as f:
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise SubmissionError(f"{display_name(path)} is larger than {MAX_BYTES // 2**20} MiB")
    if not raw.strip():
        raise SubmissionError(f"{display_name(path)} is empty")
    text = raw.decode("utf-8", errors="replace")
    declared = None
    if path.suffix == ".ipynb":
        cells, declared = _notebook_cells(text, path)
    else:
        parts = re.split(r"(?m)^# %%.*$", text)
        cells = [
            (f"<{display_name(path)} part {i + 1}>", p) for i, p in enumerate(parts) if p.strip()
        ]
    calls = _check_calls(cells)
    sub = Submission(path, [(label, _clean(src)) for label, src in cells])
    names = [declared] if declared else []
    names += [name for name, _, _ in calls]
    stem = STEM.match(path.stem)
    if not names and stem:
        names.append(stem.group(1))
    sub.exercise_names = list(dict.fromkeys(names))
    for name, pos, kw in calls:
        sub.aliases.setdefault(name, {}).update({"__pos__": ",".join(pos), **kw})
    if not any(src.strip() for _, src in sub.cells):
        raise SubmissionError(f"{display_name(path)} has no code")
    return sub
