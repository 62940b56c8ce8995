"""Serve the book's browser assets from the site itself (no CDN), and list the lecture decks.

A Sphinx extension (``_config.yml``: ``sphinx.local_extensions``) and a small library used by
``slides/build.py``. The assets come from the pinned npm packages in ``package.json`` (``npm ci``):

    MathJax 3            -> _static/vendor/mathjax/       (``mathjax_path`` in _config.yml)
    widgets HTML manager -> _static/vendor/html-manager/  (``nb_ipywidgets_js`` in _config.yml)
    RequireJS            -> _static/vendor/require.js     (loads the HTML manager's AMD bundle)
    tools/site_assets/*  -> _static/vendor/               (widgets-offline.js, book.css)
    reveal.js            -> _static/vendor/reveal.js/     (the lecture decks)

It also registers the directive ``{lecture-decks}`` (chapters/practice/slides.md), which lives
beside the deck builder in slides/deck_index.py with the other deck helpers.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
VENDOR_DIR = "_static/vendor"  # inside the built site (_build/html)

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


def setup(app):
    sys.path.insert(0, str(ROOT / "slides"))
    import deck_index

    app.connect("env-get-outdated", deck_index.always_reread)
    app.add_directive("lecture-decks", deck_index.lecture_decks_directive())
    app.connect("config-inited", _clean_console_defaults)
    app.connect("html-page-context", _page_scripts, priority=900)
    app.connect("build-finished", _copy_assets)
    app.add_css_file("vendor/book.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
