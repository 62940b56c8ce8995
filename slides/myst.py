"""Turn the book's MyST markup into what a reveal.js slide can show (slides/build.py applies it
to every slide and its notes, so a lecture source may cite as the chapters do).

The deck renders plain Markdown + math; the book also uses MyST roles and directives.
On a slide: {cite}`key` becomes "(Vaswani et al., 2017)" from references.bib, {math}`x` becomes
$x$, other roles their text; an exercise becomes a bold heading with its text, a solution is
left out (it belongs to the book), an admonition becomes a quoted block, {math} a display
formula, and {literalinclude} the included source (``:pyobject:`` honoured) as a code block.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ROLE = re.compile(r"\{(?P<name>[a-zA-Z][\w:-]*)\}`(?P<text>[^`]*)`")
DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
ADMONITIONS = {
    "note",
    "tip",
    "hint",
    "important",
    "warning",
    "caution",
    "attention",
    "danger",
    "error",
    "seealso",
}
DROPPED = {"solution", "margin", "bibliography", "tableofcontents", "toctree", "glossary"}


@cache
def bibliography(path: Path = ROOT / "references.bib") -> dict[str, str]:
    """Citation key -> "Surname et al., 2017" from a BibTeX file (enough for a slide)."""
    labels: dict[str, str] = {}
    if not path.exists():
        return labels
    for entry in re.split(r"\n(?=@)", path.read_text(encoding="utf-8")):
        key = re.match(r"@\w+\{([^,\s]+),", entry.strip())
        if not key:
            continue
        author = re.search(r"\bauthor\s*=\s*[{\"](.+?)[}\"],?\s*\n", entry, re.DOTALL)
        year = re.search(r"\byear\s*=\s*[{\"]?(\d{4})", entry)
        names = [a.strip() for a in author.group(1).split(" and ")] if author else []
        surname = re.sub(r"[{}\\]", "", names[0].split(",")[0]).strip() if names else key.group(1)
        if len(names) == 2:
            second = re.sub(r"[{}\\]", "", names[1].split(",")[0]).strip()
            surname = f"{surname} and {second}"
        elif len(names) > 2:
            surname += " et al."
        labels[key.group(1)] = f"{surname}, {year.group(1)}" if year else surname
    return labels


def _doc_title(target: str, notebook_dir: Path) -> str:
    """The first heading of the page a {doc} role names (its path without suffix)."""
    base = (notebook_dir / target.lstrip("/")).resolve()
    for path in (base.with_suffix(".md"), base.with_suffix(".ipynb")):
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".ipynb":
                import nbformat

                cells = nbformat.reads(text, as_version=4).cells
                text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
            heading = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
            if heading:
                return heading.group(1).strip()
    return Path(target).name.replace("_", " ")


def _role(match: re.Match, notebook_dir: Path = ROOT) -> str:
    name, text = match.group("name"), match.group("text")
    if name.startswith("cite"):
        keys = [k.strip() for k in text.split(",") if k.strip()]
        return "(" + "; ".join(bibliography().get(k, k) for k in keys) + ")"
    if name == "math":
        return f"${text}$"
    if name == "code":
        return f"`{text}`"
    titled = re.match(r"^(?P<title>.+?)\s*<[^>]+>$", text, re.DOTALL)
    if titled:
        return titled.group("title")
    if name == "doc":
        return _doc_title(text, notebook_dir)
    return text.lstrip("~!")


def _options(body: str) -> tuple[dict[str, str], str]:
    options: dict[str, str] = {}
    lines = body.splitlines()
    while lines and OPTION.match(lines[0]):
        m = OPTION.match(lines[0])
        options[m.group("key")] = m.group("value").strip()
        lines.pop(0)
    return options, "\n".join(lines).strip()


def _include(arg: str, options: dict[str, str], notebook_dir: Path) -> str:
    path = (notebook_dir / arg.strip()).resolve()
    if not path.exists():
        return f"*(source: `{arg.strip()}`)*"
    source = path.read_text(encoding="utf-8")
    name = options.get("pyobject")
    if name:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
                if node.name == name.split(".")[-1]:
                    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                    source = "\n".join(source.splitlines()[start - 1 : node.end_lineno])
                    break
    language = options.get("language", "python" if path.suffix == ".py" else "")
    return f"```{language}\n{source.rstrip()}\n```"


def _directive(match: re.Match, notebook_dir: Path) -> str:
    name, arg = match.group("name"), match.group("arg").strip()
    options, body = _options(match.group("body"))
    body = convert(body, notebook_dir)
    if name in DROPPED:
        return ""
    if name == "exercise":
        return f"**Exercise{': ' + arg if arg else ''}**\n\n{body}"
    if name == "math":
        return f"$$\n{body}\n$$"
    if name == "literalinclude":
        return _include(arg, options, notebook_dir)
    if name in ADMONITIONS or name == "admonition":
        title = arg if name == "admonition" else name.capitalize()
        quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
        return f"> **{title}**\n>\n{quoted}" if title else quoted
    if name in {"figure", "image"}:
        return options.get("alt", "")
    return body


def convert(markdown: str, notebook_dir: Path) -> str:
    """The same cell, with MyST roles and directives replaced by plain Markdown + math."""
    previous = None
    while previous != markdown:  # nested directives: outer fences are longer
        previous = markdown
        markdown = DIRECTIVE.sub(lambda m: _directive(m, notebook_dir), markdown)
    return ROLE.sub(lambda m: _role(m, notebook_dir), markdown)


def convert_notebook(nb, notebook_dir: Path):
    """Convert every markdown cell in place; returns the notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = convert(cell.source, notebook_dir)
    return nb
