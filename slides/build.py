"""Build one reveal.js lecture deck per chapter notebook into the built book (offline).

    python slides/build.py [--site _build/html] [NOTEBOOK ...]

Each deck is ``<site>/slides/<stem>.slides.html``, made by nbconvert's SlidesExporter from the
notebook's slide metadata (View -> Cell Toolbar -> Slideshow in Jupyter): "slide", "subslide",
"fragment", "skip" and "notes" (speaker notes, shown in reveal's speaker view, S key). The
template slides/templates/offline loads reveal.js, MathJax 3, RequireJS and the widgets' HTML
manager from ``<site>/_static/vendor`` (pinned npm packages, copied by tools/offline_assets.py), so
no deck names a CDN. Stored outputs are used as they are: nothing is executed.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "slides")]

import myst  # noqa: E402
import nbformat  # noqa: E402
import offline_assets as assets  # noqa: E402
from nbconvert import SlidesExporter  # noqa: E402
from traitlets.config import Config  # noqa: E402

VENDOR = f"../{assets.VENDOR_DIR}"  # from <site>/slides/ to <site>/_static/vendor
CDN = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", re.IGNORECASE)


def exporter() -> SlidesExporter:
    config = Config()
    config.SlidesExporter.extra_template_basedirs = [str(ROOT / "slides" / "templates")]
    config.SlidesExporter.template_name = "offline"
    config.SlidesExporter.reveal_url_prefix = f"{VENDOR}/reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_transition = "slide"
    config.SlidesExporter.mathjax_url = f"{VENDOR}/mathjax/tex-chtml.js"
    config.SlidesExporter.require_js_url = f"{VENDOR}/require.js"
    config.SlidesExporter.widget_renderer_url = f"{VENDOR}/html-manager/embed-amd.js"
    config.SlidesExporter.jquery_url = ""
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    # The book's own tags (myst-nb) mean the same in the deck.
    config.TagRemovePreprocessor.remove_cell_tags = set(assets.REMOVED_CELL_TAGS)
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input", "hide-input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    config.TagRemovePreprocessor.enabled = True
    return SlidesExporter(config=config)


def build_deck(notebook: Path, site: Path, ex: SlidesExporter | None = None) -> tuple[Path, int]:
    """Write the deck of one notebook; return its path and its number of slides."""
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["title"] = assets.notebook_title(nb, notebook.stem)
    myst.convert_notebook(nb, notebook.parent)  # {cite}, {exercise}, {literalinclude}, ...
    # Speaker notes belong in the deck even when the book hides them (tag remove-cell).
    for cell in nb.cells:
        if assets.in_deck(cell) and "tags" in cell.get("metadata", {}):
            cell.metadata.tags = [
                t for t in cell.metadata.tags if t not in assets.REMOVED_CELL_TAGS
            ]
    body, _ = (ex or exporter()).from_notebook_node(
        nb, resources={"metadata": {"name": notebook.stem}}
    )
    bad = CDN.findall(body)
    if bad:
        raise RuntimeError(f"{notebook}: the deck would load from the network: {bad[:3]}")
    out = site / assets.DECKS_DIR / assets.deck_name(notebook)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out, assets.expected_slide_count(nb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    notebooks = args.notebooks or assets.chapter_notebooks()
    names = [assets.deck_name(p) for p in notebooks]
    clash = {n for n in names if names.count(n) > 1}
    if clash:
        print(f"two notebooks would write the same deck: {sorted(clash)}", file=sys.stderr)
        return 1
    assets.copy_vendor(args.site)
    t0, ex, total = time.perf_counter(), exporter(), 0
    for notebook in notebooks:
        out, count = build_deck(notebook, args.site, ex)
        total += count
        print(f"{out.relative_to(args.site)}: {count} slides")
    took = time.perf_counter() - t0
    print(
        f"{len(notebooks)} decks, {total} slides, in {args.site / assets.DECKS_DIR} ({took:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
