"""A lecture source: the slides of one chapter's deck, in Markdown, with speaker notes and
figures and outputs pulled from the chapter's executed notebook (nothing is retyped or executed).

``slides/lectures/<notebook stem>.md``::

    ---
    title: Why attention                       front matter (YAML): title, objectives and
    objectives:                                the notes of the title slide, which is made
      - Explain the bottleneck of a fixed-length state         from them (with the duration)
    notes: "[1 min] Welcome; what we will do. Ask: who has trained an RNN?"
    ---
    ## The bottleneck                           one slide: Markdown and math ($x$, $$...$$)
    {{ figure: fig-background-bottleneck }}
    Note: [2 min] What to say. Ask: a question for the room.
    ---                                        the next slide (a line holding only ---)

A line that starts with ``Note:`` begins the speaker notes; they run to the end of the slide.
Directives, each on a line of its own (``glue`` may also sit inside a sentence):

    {{ figure: NAME }}           the image output of the notebook cell whose figure is NAME
                                 (``metadata.mystnb.figure.name``, e.g. fig-..., diagram-...);
                                 ``height=360`` sets its height in px (default: the room left)
    {{ output: NAME }}           the printed text of the cell ``metadata.name: NAME`` (or the
                                 figure NAME); ``cell:ID`` names a cell by its nbformat id until it
                                 has a label (NEEDED_LABELS.md); ``lines=3-8`` keeps those lines;
                                 ``part=2`` its second output; a Markdown table stays a table
    {{ code: NAME }}             the source of the notebook cell NAME (``lines=A-B``), when the
                                 code is the lesson: at most 12 lines
    {{ glue: NAME }}             the text of a value glued by ``glue("NAME", ...)`` (myst-nb's or
                                 attnlib.glue's); ``fmt=.0f`` formats a number
    {{ source: PATH::NAME }}     a function or class of the library, its docstring left out:
                                 the tested code itself, not a copy

Rules, checked when the deck is built (LectureError names the file, the slide and the rule): every
slide has notes with its minutes ``[N min]`` and a question for the room (``Ask:``); no code or
output block is longer than 12 lines; a slide titled "Quick check" or "Worked question" comes at
least every 6 slides; the last two slides are "Summary" and "Discussion"; no test marker (NBVAL)
reaches a slide; a label that names no cell stops the build.
"""

from __future__ import annotations

import ast
import base64
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MAX_CODE_LINES = 12
CHECK_EVERY = 6  # a quick check or worked question at least once in this many slides
CHECK_TITLES = ("Quick check", "Worked question")
SEPARATOR = re.compile(r"^---[ \t]*$")
FENCE = re.compile(r"^(`{3,}|~{3,})")
NOTE = re.compile(r"^Note:\s*", re.MULTILINE)
MINUTES = re.compile(r"\[(\d+(?:\.\d+)?) min\]")
DIRECTIVE = re.compile(
    r"\{\{\s*(?P<kind>figure|output|glue|source|code):\s*(?P<args>[^}]*?)\s*\}\}"
)
MARKER = re.compile(r"NBVAL|nbval-", re.IGNORECASE)


class LectureError(ValueError):
    """A lecture source breaks a rule or names something the notebook does not have."""


@dataclass
class Slide:
    number: int  # 1 = the title slide
    body: str
    notes: str

    @property
    def heading(self) -> str:
        match = re.search(r"^#+\s+(.+)$", self.body, flags=re.MULTILINE)
        return match.group(1).strip() if match else ""

    @property
    def minutes(self) -> float:
        return sum(float(m) for m in MINUTES.findall(self.notes))


@dataclass
class Lecture:
    path: Path
    title: str
    objectives: list[str]
    slides: list[Slide] = field(default_factory=list)  # slides[0] is the title slide

    @property
    def minutes(self) -> int:
        return round(sum(s.minutes for s in self.slides))


def _split(text: str) -> list[str]:
    """Cut at lines holding only ---, except inside code fences."""
    parts, current, fence = [], [], None
    for line in text.splitlines():
        opening = FENCE.match(line)
        if opening and fence is None:
            fence = opening.group(1)
        elif fence and line.strip().startswith(fence[0] * len(fence)):
            fence = None
        if fence is None and SEPARATOR.match(line):
            parts.append("\n".join(current))
            current = []
        else:
            current.append(line)
    parts.append("\n".join(current))
    return parts


def parse(path: Path) -> Lecture:
    """Read a lecture source and check its rules (not yet its directives)."""
    text = path.read_text(encoding="utf-8")
    parts = _split(text)
    if len(parts) < 3 or parts[0].strip():
        raise LectureError(f"{path}: must start with front matter between two --- lines")
    meta = yaml.safe_load(parts[1]) or {}
    for key in ("title", "objectives", "notes"):
        if not meta.get(key):
            raise LectureError(f"{path}: the front matter has no {key!r}")
    lecture = Lecture(path, str(meta["title"]), [str(o) for o in meta["objectives"]])
    lecture.slides.append(Slide(1, "", str(meta["notes"])))
    for number, part in enumerate(parts[2:], start=2):
        pieces = NOTE.split(part, maxsplit=1)
        lecture.slides.append(
            Slide(number, pieces[0].strip(), pieces[1].strip() if len(pieces) > 1 else "")
        )
    check(lecture)
    return lecture


def check(lecture: Lecture) -> None:
    where = lecture.path
    for slide in lecture.slides:
        at = f"{where}: slide {slide.number} ({slide.heading or 'title'})"
        if not slide.notes:
            raise LectureError(f"{at}: no speaker notes (a line starting 'Note:')")
        if not MINUTES.search(slide.notes):
            raise LectureError(f"{at}: the notes do not say how long, e.g. '[2 min]'")
        if "Ask:" not in slide.notes:
            raise LectureError(f"{at}: the notes have no question for the room ('Ask: ...')")
        if slide.number > 1 and not slide.heading:
            raise LectureError(f"{at}: the slide has no heading")
        if MARKER.search(slide.body + slide.notes):
            raise LectureError(f"{at}: a test marker (NBVAL) would reach the slide")
        for block in re.findall(r"^```[^\n]*\n(.*?)^```", slide.body, re.DOTALL | re.MULTILINE):
            if len(block.splitlines()) > MAX_CODE_LINES:
                raise LectureError(f"{at}: a code block is over {MAX_CODE_LINES} lines")
    headings = [s.heading for s in lecture.slides]
    if not headings[-1].startswith("Discussion"):
        raise LectureError(f"{where}: the last slide must be 'Discussion' (questions)")
    if len(headings) < 3 or not headings[-2].startswith("Summary"):
        raise LectureError(f"{where}: the second-to-last slide must be the 'Summary'")
    since = 0
    for slide in lecture.slides[1:-2]:
        since = 0 if slide.heading.startswith(CHECK_TITLES) else since + 1
        if since >= CHECK_EVERY:
            raise LectureError(
                f"{where}: slide {slide.number}: {CHECK_EVERY} slides in a row without a "
                f"'Quick check' or 'Worked question' slide"
            )


# ------------------------------------------------------------------ directives
def _args(text: str) -> tuple[str, dict[str, str]]:
    words = text.split()
    if not words:
        raise LectureError("a directive without a name")
    options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return words[0], options


def _cell_names(cell) -> set[str]:
    md = cell.get("metadata", {})
    names = {f"cell:{cell.get('id', '')}", str(md.get("name", ""))}
    for key in ("mystnb", "myst"):
        names.add(str(md.get(key, {}).get("figure", {}).get("name", "")))
    return names - {"", "cell:"}


def find_cell(nb, name: str, notebook: Path):
    for cell in nb.cells:
        if cell.cell_type == "code" and name in _cell_names(cell):
            return cell
    raise LectureError(f"{notebook}: no cell is labelled {name!r} (add it: NEEDED_LABELS.md)")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def figure(nb, notebook: Path, name: str, options: dict[str, str]) -> str:
    cell = find_cell(nb, name, notebook)
    alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data:
            src = "data:image/png;base64," + "".join(data["image/png"]).replace("\n", "")
        elif "image/svg+xml" in data:
            svg = "".join(data["image/svg+xml"]).encode()
            src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
        else:
            continue
        style = f' style="height:{int(options["height"])}px"' if "height" in options else ""
        alt = alt.replace('"', "&quot;")
        return f'<figure class="deck-figure"><img src="{src}" alt="{alt}"{style}></figure>'
    raise LectureError(f"{notebook}: the cell labelled {name!r} has no image output")


def _shown(out) -> tuple[str, str] | None:
    """("text" | "markdown", content) of one output a reader sees, or None."""
    if out.get("output_type") == "stream":
        return ("text", "".join(out["text"])) if out.get("name") == "stdout" else None
    data = out.get("data", {})
    if "text/markdown" in data:
        return "markdown", "".join(data["text/markdown"])
    plain = "".join(data.get("text/plain", ""))
    if not plain or re.fullmatch(r"<[\w.]+ object(?: at 0x[0-9a-f]+)?>", plain.strip()):
        return None  # nothing, or the repr of a rich display
    return "text", plain + "\n"


def _lines(lines: list[str], spec: str) -> list[str]:
    first, _, last = spec.partition("-")
    return lines[int(first) - 1 : int(last or first)]


def output(nb, notebook: Path, name: str, options: dict[str, str]) -> tuple[str, str]:
    """("markdown" | "html", what to show): a printed text as a block, a Markdown table as is."""
    cell = find_cell(nb, name, notebook)
    shown = [s for s in map(_shown, cell.get("outputs", [])) if s]
    if "part" in options:  # the Nth output of the cell (a cell may display several tables)
        index = int(options["part"]) - 1
        if not 0 <= index < len(shown):
            raise LectureError(
                f"{notebook}: cell {name!r} has {len(shown)} outputs, not part={index + 1}"
            )
        shown = [shown[index]]
    if shown and all(kind == "markdown" for kind, _ in shown) and len(shown) == 1:
        table = shown[0][1]
        if "lines" in options:
            table = "\n".join(_lines(table.splitlines(), options["lines"]))
        if len(table.splitlines()) > MAX_CODE_LINES + 4:
            raise LectureError(f"{notebook}: output {name!r} is too long for a slide")
        return "markdown", table
    text = "".join(content for kind, content in shown if kind == "text")
    if not text.strip():
        raise LectureError(f"{notebook}: the cell labelled {name!r} printed nothing (part=N?)")
    lines = text.rstrip("\n").splitlines()
    if "lines" in options:
        lines = _lines(lines, options["lines"])
    if len(lines) > MAX_CODE_LINES:
        raise LectureError(f"{notebook}: output {name!r} is {len(lines)} lines: use lines=A-B")
    return "html", f'<pre class="deck-output"><code>{_escape(chr(10).join(lines))}</code></pre>'


def code(nb, notebook: Path, name: str, options: dict[str, str]) -> str:
    """The source of a notebook cell (``lines=A-B`` keeps some), as a Python code block."""
    lines = find_cell(nb, name, notebook).source.splitlines()
    if "lines" in options:
        lines = _lines(lines, options["lines"])
    if any(MARKER.search(line) for line in lines):
        raise LectureError(f"{notebook}: cell {name!r} carries a test marker: pick other lines")
    if len(lines) > MAX_CODE_LINES:
        raise LectureError(f"{notebook}: code {name!r} is {len(lines)} lines: use lines=A-B")
    return "```python\n" + "\n".join(lines) + "\n```"


def glue(nb, notebook: Path, name: str, options: dict[str, str] | None = None) -> str:
    """A glued value's text; ``fmt=.0f`` formats a number as ``{glue:text}`name:.0f``` does."""
    text = _glued(nb, notebook, name)
    if options and "fmt" in options:
        try:
            return format(ast.literal_eval(text), options["fmt"])
        except (ValueError, SyntaxError, TypeError) as err:
            raise LectureError(f"{notebook}: glued {name!r} = {text!r}: fmt: {err}") from err
    return _escape(text)


def _glued(nb, notebook: Path, name: str) -> str:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("metadata", {}).get("scrapbook", {}).get("name") == name:
                # myst-nb stores glued values under a prefix (application/papermill.record/...)
                plain = [v for k, v in out.get("data", {}).items() if k.endswith("text/plain")]
                if plain:
                    return "".join(plain[0]).strip("'\"")
    raise LectureError(f"{notebook}: nothing is glued under the name {name!r}")


def source(spec: str) -> str:
    """``lib/attnlib/x.py::name``: the source of a top-level function or class, no docstring."""
    path_text, _, name = spec.partition("::")
    path = ROOT / path_text
    if not path.exists() or not name:
        raise LectureError(f"source {spec!r}: expected an existing PATH::NAME")
    text = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            lines = text.splitlines()[node.lineno - 1 : node.end_lineno]
            doc = node.body[0] if node.body else None
            if isinstance(doc, ast.Expr) and isinstance(getattr(doc, "value", None), ast.Constant):
                del lines[doc.lineno - node.lineno : doc.end_lineno - node.lineno + 1]
            if len(lines) > MAX_CODE_LINES:
                raise LectureError(f"source {spec!r}: {len(lines)} lines, over {MAX_CODE_LINES}")
            return "```python\n" + textwrap.dedent("\n".join(lines)) + "\n```"
    raise LectureError(f"source {spec!r}: no function or class {name!r} in {path_text}")


def expand(markdown: str, nb, notebook: Path) -> tuple[str, dict[str, str]]:
    """Replace directives: ``source`` by Markdown, the others by placeholders for their HTML."""
    html: dict[str, str] = {}

    def one(match: re.Match) -> str:
        kind = match.group("kind")
        if kind == "source":
            return source(match.group("args").strip())
        name, options = _args(match.group("args"))
        if kind == "code":
            return code(nb, notebook, name, options)
        if kind == "figure":
            value = figure(nb, notebook, name, options)
        elif kind == "output":
            form, value = output(nb, notebook, name, options)
            if form == "markdown":
                return "\n\n" + value + "\n\n"
        else:
            value = glue(nb, notebook, name, options)
        key = f"DECKPLACEHOLDER{len(html)}X"
        html[key] = value
        return key

    return DIRECTIVE.sub(one, markdown), html
