"""Serve the book's browser assets from the site itself (no CDN), and list the lecture decks.

A Sphinx extension (``_config.yml``: ``sphinx.local_extensions``) and a small library used by
``slides/build.py``. The assets come from the pinned npm packages in ``package.json`` (``npm ci``):

    MathJax 3            -> _static/vendor/mathjax/       (``mathjax_path`` in _config.yml)
    widgets HTML manager -> _static/vendor/html-manager/  (``nb_ipywidgets_js`` in _config.yml)
    RequireJS            -> _static/vendor/require.js     (loads the HTML manager's AMD bundle)
    tools/site_assets/*  -> _static/vendor/               (widgets-offline.js)
    reveal.js            -> _static/vendor/reveal.js/     (the lecture decks)

The directive ``{lecture-decks}`` (used on chapters/practice/slides.md) writes the list of decks,
one per chapter notebook, at build time, so the page cannot fall out of step with the notebooks.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
VENDOR_DIR = "_static/vendor"  # inside the built site (_build/html)
DECKS_DIR = "slides"  # inside the built site: _build/html/slides/<name>.slides.html
# Cells left out of a deck: the Colab setup cell and what the book removes too (myst-nb tags).
REMOVED_CELL_TAGS = ("setup", "remove-cell")

# (source inside node_modules, destination inside _static/vendor, names to leave out)
VENDOR: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "mathjax/es5",
        "mathjax",
        ("sre", "*-full*.js", "*-svg*.js", "mml-*.js", "node-main.js", "output/svg*"),
    ),
    ("reveal.js/dist", "reveal.js/dist", ("*.map", "*.esm.js")),
    ("reveal.js/plugin/notes", "reveal.js/plugin/notes", ("*.esm.js",)),
    ("@jupyter-widgets/html-manager/dist", "html-manager", ("*.map", "libembed-amd.js")),
    ("requirejs/require.js", "require.js", ()),
]
# Our own small script (require.js paths for the HTML manager, MathJax 2 API for widgets).
OWN = Path(__file__).resolve().parent / "site_assets"


class MissingAssets(RuntimeError):
    """node_modules lacks a package named in package.json."""


def copy_vendor(site: Path) -> list[Path]:
    """Copy the pinned npm assets into ``site/_static/vendor`` and return what was written."""
    written: list[Path] = []
    for source, dest, leave_out in VENDOR:
        src = NODE_MODULES / source
        if not src.exists():
            raise MissingAssets(
                f"{src} is missing: run `npm ci --ignore-scripts` (or `make assets`) first"
            )
        target = site / VENDOR_DIR / dest
        if src.is_dir():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(src, target, ignore=_ignore(src, leave_out))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
        written.append(target)
    for own in sorted(OWN.iterdir()):
        shutil.copy2(own, site / VENDOR_DIR / own.name)
        written.append(site / VENDOR_DIR / own.name)
    return written


def _ignore(base: Path, patterns: tuple[str, ...]):
    """shutil.copytree ignore function matching patterns against paths relative to ``base``."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        rel = Path(directory).relative_to(base)
        return {n for n in names if any((rel / n).match(p) or Path(n).match(p) for p in patterns)}

    return ignore


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """Every chapter notebook, in the order of the table of contents."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files: list[str] = []

    def walk(entry: dict) -> None:
        if "file" in entry:
            files.append(entry["file"])
        for key in ("parts", "chapters", "sections"):
            for child in entry.get(key, []):
                walk(child)

    walk({"file": toc["root"], **toc})
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def deck_name(notebook: Path) -> str:
    """The deck's file name in the site: ``slides/<stem>.slides.html``."""
    return f"{notebook.stem}.slides.html"


def _slide_type(cell) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")


def in_deck(cell) -> bool:
    """Speaker notes always go into the deck (the book may hide them with remove-cell)."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    return _slide_type(cell) == "notes" or not tags & set(REMOVED_CELL_TAGS)


def deck_cells(nb) -> list[tuple[dict, str]]:
    """(cell, slide type) for every cell that goes into the deck ("-" when the type is unset)."""
    return [(c, _slide_type(c)) for c in nb.cells if in_deck(c)]


def slide_types(nb) -> list[str]:
    """The slide type of every cell that appears in the deck."""
    return [t for _, t in deck_cells(nb)]


def widget_views(nb) -> int:
    """Saved widget views a deck shows: outputs of visible cells that display a widget."""
    if "application/vnd.jupyter.widget-state+json" not in nb.metadata.get("widgets", {}):
        return 0
    return sum(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        for cell, kind in deck_cells(nb)
        if kind != "skip" and "remove-output" not in cell.get("metadata", {}).get("tags", [])
        for out in cell.get("outputs", [])
    )


def expected_slide_count(nb) -> int:
    """Slides reveal.js will show (horizontal + vertical), counted from the cell metadata.

    nbconvert opens a slide at the first visible cell (not "skip"/"notes"); after it, every
    "slide" or "subslide" cell opens a new one.
    """
    types = slide_types(nb)
    visible = [i for i, t in enumerate(types) if t not in {"notes", "skip"}]
    if not visible:
        return 0
    return 1 + sum(t in {"slide", "subslide"} for t in types[visible[0] + 1 :])


def notebook_title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return match.group(1).strip()
    return fallback


# ---------------------------------------------------------------- Sphinx extension
def _lecture_decks_directive():
    from docutils import nodes
    from sphinx.util.docutils import SphinxDirective

    class LectureDecks(SphinxDirective):
        """A table of the lecture decks: chapter, slide count, speaker-note cells, link."""

        has_content = False

        def run(self):
            import nbformat

            # Re-read this page on every build: a notebook may have appeared or changed.
            if not hasattr(self.env, "lecture_deck_pages"):
                self.env.lecture_deck_pages = set()
            self.env.lecture_deck_pages.add(self.env.docname)
            here = Path(self.env.app.outdir, self.env.docname).parent
            rows = []
            for path in chapter_notebooks(Path(self.env.srcdir)):
                self.env.note_dependency(str(path))
                nb = nbformat.read(path, as_version=4)
                types = slide_types(nb)
                deck = Path(self.env.app.outdir, DECKS_DIR, deck_name(path))
                page = path.with_suffix("").relative_to(self.env.srcdir).as_posix()
                rows.append(
                    (
                        notebook_title(nb, path.stem),
                        page,
                        expected_slide_count(nb),
                        types.count("notes"),
                        Path(_relpath(deck, here)),
                    )
                )
            if not rows:
                para = nodes.paragraph(text="No chapter notebook exists yet, so there is no deck.")
                return [para]
            table = nodes.table(classes=["lecture-decks"])
            group = nodes.tgroup(cols=4)
            table += group
            for width in (50, 12, 13, 25):
                group += nodes.colspec(colwidth=width)
            head = nodes.thead()
            group += head
            head += _row(["Chapter", "Slides", "Notes", "Deck"])
            body = nodes.tbody()
            group += body
            for title, page, count, notes, href in rows:
                chapter = nodes.paragraph()
                chapter += nodes.reference("", title, refuri=_doc_uri(self.env, page))
                link = nodes.paragraph()
                link += nodes.reference("", href.name, refuri=href.as_posix())
                body += _row([chapter, str(count), str(notes), link])
            total = sum(r[2] for r in rows)
            summary = nodes.paragraph(text=f"{len(rows)} decks, {total} slides in all.")
            return [table, summary]

    return LectureDecks


def _relpath(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(target, start)


def _doc_uri(env, docname: str) -> str:
    return env.app.builder.get_relative_uri(env.docname, docname)


def _row(cells):
    from docutils import nodes

    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=cell)
        row += entry
    return row


def _copy_assets(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    try:
        copy_vendor(Path(app.outdir))
    except MissingAssets as err:
        from sphinx.util import logging

        logging.getLogger(__name__).warning(str(err))


def _clean_console_defaults(app, config) -> None:
    """pydata-sphinx-theme logs "Got invalid theme mode" on a first visit when no mode is set."""
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


def _thebe_enabled(app) -> bool:
    launch = (app.config.html_theme_options or {}).get("launch_buttons", {}) or {}
    return bool(launch.get("thebe"))


def _page_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop duplicated inline scripts and, while Thebe is off, sphinx-thebe's (it names a CDN).

    jupyter-book 1 registers sphinx-thebe's inline ``const THEBE_JS_URL = ...`` twice, which the
    browser reports as a page error ("Identifier 'THEBE_JS_URL' has already been declared").
    """
    files = context.get("script_files")
    if not files:
        return
    keep, seen = [], set()
    for js in files:
        name = str(getattr(js, "filename", js))
        body = str(getattr(js, "attributes", {}).get("body", ""))
        if not _thebe_enabled(app) and ("THEBE_JS_URL" in body or "sphinx-thebe" in name):
            continue
        if (name, body) in seen:
            continue
        seen.add((name, body))
        keep.append(js)
    context["script_files"] = keep


def _always_reread(app, env, added, changed, removed) -> list[str]:
    return sorted(getattr(env, "lecture_deck_pages", set()) - set(removed))


def setup(app):
    app.connect("env-get-outdated", _always_reread)
    app.add_directive("lecture-decks", _lecture_decks_directive())
    app.connect("config-inited", _clean_console_defaults)
    app.connect("html-page-context", _page_scripts, priority=900)
    app.connect("build-finished", _copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
