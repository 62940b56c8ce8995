"""Build the lecture decks (reveal.js) and their index into the built book, offline.

    python slides/build.py [--site _build/html] [CHAPTER_NOTEBOOK_OR_LECTURE ...]

One deck per chapter that has a lecture source ``slides/lectures/<stem>.md`` (syntax and rules:
slides/lecture.py), from that source and the chapter's executed notebook (its stored outputs:
nothing runs), into ``<site>/slides/<stem>.slides.html``, and ``<site>/slides/index.html``
listing every deck with its duration and objectives. reveal.js, its notes plugin and MathJax are
served from ``<site>/_static/vendor`` (pinned npm packages, tools/offline_assets.py): no deck
names a CDN. A lecture that breaks a rule, or names a figure or output the notebook lacks, stops
the build with a LectureError naming it.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "slides")]

import decks  # noqa: E402
import jinja2  # noqa: E402
import lecture as lec  # noqa: E402
import myst  # noqa: E402
import nbformat  # noqa: E402
import offline_assets as assets  # noqa: E402
from markdown_it import MarkdownIt  # noqa: E402
from mdit_py_plugins.dollarmath import dollarmath_plugin  # noqa: E402
from pygments import highlight  # noqa: E402
from pygments.formatters import HtmlFormatter  # noqa: E402
from pygments.lexers import get_lexer_by_name  # noqa: E402
from pygments.util import ClassNotFound  # noqa: E402

VENDOR = f"../{assets.VENDOR_DIR}"  # from <site>/slides/ to <site>/_static/vendor
CDN = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", re.IGNORECASE)
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(ROOT / "slides" / "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)


def _code(code: str, language: str, _attrs) -> str:
    try:
        lexer = get_lexer_by_name(language or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    return highlight(code, lexer, HtmlFormatter(nowrap=True))


def markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "highlight": _code}).enable("table")
    dollarmath_plugin(md)
    md.add_render_rule(
        "math_inline", lambda self, t, i, o, e: f"\\({html.escape(t[i].content, quote=False)}\\)"
    )
    md.add_render_rule(
        "math_block",
        lambda self, t, i, o, e: (
            f'<div class="math">\\[{html.escape(t[i].content, False)}\\]</div>'
        ),
    )
    return md


def speaker_notes(text: str) -> str:
    """The minutes in bold, and the question for the room as its own paragraph."""
    text = lec.MINUTES.sub(r"**[\1 min]**", text, count=1)
    return re.sub(r"\s*\bAsk:\s*", "\n\n**Ask:** ", text)


@dataclass
class Deck:
    notebook: Path
    lecture: lec.Lecture
    path: Path  # the built deck

    @property
    def slides(self) -> int:
        return len(self.lecture.slides)


def chapter_cells(notebook: Path):
    """The chapter's notebook with its section notebooks' cells appended: one lecture may pull
    a figure or an output from any section of its chapter."""
    nb = nbformat.read(notebook, as_version=4)
    for section in decks.sections_of(notebook):
        nb.cells += nbformat.read(section, as_version=4).cells
    return nb


def render(lecture: lec.Lecture, notebook: Path, md: MarkdownIt | None = None) -> str:
    md = md or markdown()
    nb = chapter_cells(notebook)
    slides = []
    for slide in lecture.slides:
        text, pieces = lec.expand(myst.convert(slide.body, notebook.parent), nb, notebook)
        body = md.render(text)
        for key, value in pieces.items():
            body = body.replace(f"<p>{key}</p>", value).replace(key, value)
        text, pieces = lec.expand(myst.convert(slide.notes, notebook.parent), nb, notebook)
        notes = md.render(speaker_notes(text))
        for key, value in pieces.items():
            notes = notes.replace(f"<p>{key}</p>", value).replace(key, value)
        if lec.MARKER.search(body):
            raise lec.LectureError(f"{lecture.path}: slide {slide.number}: a test marker")
        unknown = re.search(r"\{\{[^}]*\}\}", body + notes)
        if unknown:
            raise lec.LectureError(
                f"{lecture.path}: slide {slide.number}: unknown directive {unknown.group(0)!r}"
            )
        kind = "title" if slide.number == 1 else ""
        if slide.heading.startswith(lec.CHECK_TITLES):
            kind = "check"
        slides.append({"body": body, "notes": notes, "kind": kind})
    return TEMPLATES.get_template("deck.html.j2").render(
        lecture=lecture,
        slides=slides,
        vendor=VENDOR,
        pygments_css=HtmlFormatter(style="default").get_style_defs(".reveal pre"),
    )


def build_deck(notebook: Path, site: Path, source: Path | None = None) -> Deck:
    """Write the deck of one chapter; LectureError if its source breaks a rule."""
    source = source or decks.lecture_source(notebook)
    lecture = lec.parse(source)
    body = render(lecture, notebook)
    bad = CDN.findall(body)
    if bad:
        raise lec.LectureError(f"{source}: the deck would load from the network: {bad[:3]}")
    out = site / decks.DECKS_DIR / decks.deck_name(notebook)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return Deck(notebook, lecture, out)


def _chapter_href(notebook: Path) -> str:
    """The chapter's page, from <site>/slides/."""
    if notebook.is_relative_to(ROOT):
        return "../" + notebook.relative_to(ROOT).with_suffix(".html").as_posix()
    return "../" + notebook.with_suffix(".html").name


def write_index(site: Path, built: list[Deck]) -> Path:
    """``<site>/slides/index.html``: every deck, its duration, objectives and PDF (if printed)."""
    rows = []
    for deck in built:
        pdf = site / decks.PDF_DIR / decks.pdf_name(deck.notebook)
        rows.append(
            {
                "title": deck.lecture.title,
                "href": decks.deck_name(deck.notebook),
                "pdf": f"pdf/{pdf.name}" if pdf.exists() else None,
                "minutes": deck.lecture.minutes,
                "slides": deck.slides,
                "objectives": deck.lecture.objectives,
                "chapter": _chapter_href(deck.notebook),
            }
        )
    page = TEMPLATES.get_template("index.html.j2").render(decks=rows, vendor=VENDOR)
    out = site / decks.INDEX
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def _listed(site: Path) -> list[Deck]:
    """Every deck in the site (built now or before), in book order."""
    return [
        Deck(nb, lec.parse(src), site / decks.DECKS_DIR / decks.deck_name(nb))
        for nb, src in decks.lectures()
        if (site / decks.DECKS_DIR / decks.deck_name(nb)).exists()
    ]


def _notebook_of(arg: Path) -> Path:
    """A chapter notebook, given it or its lecture source."""
    if arg.suffix == ".ipynb":
        return arg.resolve()
    for notebook in decks.lectured_notebooks():
        if notebook.stem == arg.stem:
            return notebook
    raise SystemExit(f"{arg}: no chapter notebook is called {arg.stem}.ipynb")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("chapters", nargs="*", type=Path, help="notebooks or lecture sources")
    parser.add_argument("--index-only", action="store_true", help="rewrite slides/index.html")
    args = parser.parse_args(argv)
    if args.index_only:
        print(f"index: {write_index(args.site, _listed(args.site)).relative_to(args.site)}")
        return 0
    chosen = [_notebook_of(p) for p in args.chapters]
    everything = decks.lectures()
    assets.copy_vendor(args.site)
    t0, built = time.perf_counter(), []
    for notebook, source in everything:
        if chosen and notebook not in chosen:
            continue
        try:
            deck = build_deck(notebook, args.site, source)
        except lec.LectureError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        built.append(deck)
        print(
            f"{deck.path.relative_to(args.site)}: {deck.slides} slides, {deck.lecture.minutes} min"
        )
    # The index lists every deck in the site, built now or before.
    index = write_index(args.site, _listed(args.site))
    missing = decks.missing_lectures()
    took = time.perf_counter() - t0
    print(
        f"{len(built)} decks, {sum(d.slides for d in built)} slides, in "
        f"{args.site / decks.DECKS_DIR} ({took:.1f} s); index: {index.relative_to(args.site)}"
    )
    if missing:
        names = ", ".join(p.stem for p in missing)
        print(f"no lecture source yet (no deck): {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
