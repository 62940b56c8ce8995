"""The deck builder without a browser: slide counting, MyST for slides, no CDN, one deck per
notebook. (The decks themselves are opened in Chromium by tests/test_browser.py.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "slides")]
import myst  # noqa: E402
import offline_assets as assets  # noqa: E402

# slides/build.py, under a name that cannot clash with the PyPI package "build".
_spec = importlib.util.spec_from_file_location("slides_build", ROOT / "slides" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


def _nb(*cells: tuple[str, str, str]) -> nbformat.NotebookNode:
    """cells: (kind, slide_type, source)."""
    nb = nbformat.v4.new_notebook()
    for kind, slide_type, source in cells:
        cell = (nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell)(
            source
        )
        if slide_type:
            cell.metadata["slideshow"] = {"slide_type": slide_type}
        nb.cells.append(cell)
    return nb


def test_slide_count_follows_nbconvert_rules():
    nb = _nb(
        ("code", "skip", "import attnlib"),  # hidden: the first visible cell opens slide 1
        ("md", "-", "# Title"),
        ("md", "notes", "say hello"),
        ("md", "subslide", "## 1b"),
        ("md", "fragment", "more"),
        ("md", "slide", "## 2"),
        ("md", "skip", "## not shown"),
    )
    assert assets.expected_slide_count(nb) == 3
    assert assets.expected_slide_count(_nb(("md", "skip", "x"))) == 0


def test_setup_and_removed_cells_do_not_count():
    nb = _nb(("md", "slide", "# A"), ("md", "slide", "# B"))
    nb.cells[1].metadata["tags"] = ["remove-cell"]
    assert assets.expected_slide_count(nb) == 1


def test_notes_hidden_from_the_book_stay_in_the_deck(tmp_path):
    nb = _nb(("md", "slide", "# A"), ("md", "notes", "Say this."), ("md", "slide", "# B"))
    nb.cells[1].metadata["tags"] = ["remove-cell"]  # the book hides the notes
    assert assets.slide_types(nb).count("notes") == 1
    path = tmp_path / "notes.ipynb"
    nbformat.write(nb, path)
    out, count = build.build_deck(path, tmp_path / "site")
    html = out.read_text()
    assert count == 2 and html.count('<aside class="notes">') == 1 and "Say this." in html


def test_built_deck_has_the_counted_sections_notes_and_no_cdn(tmp_path):
    nb = _nb(
        ("md", "slide", "# Deck\n\n$$a^2 + b^2 = c^2$$"),
        ("md", "notes", "A note for the speaker."),
        ("md", "subslide", "## Two {cite}`vaswani2017attention`"),
        ("md", "slide", "## Three"),
    )
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    out, count = build.build_deck(path, tmp_path / "site")
    html = out.read_text()
    assert out.name == "demo.slides.html" and count == 3
    # reveal.js: a vertical stack <section><section>..</section></section> per horizontal slide
    assert html.count("<section") == count + 2
    assert html.count('<aside class="notes">') == 1
    assert "(Vaswani et al., 2017)" in html and "{cite}" not in html
    assert "../_static/vendor/reveal.js/dist/reveal.js" in html
    assert not build.CDN.search(html)


def test_cdn_pattern_catches_a_cdn():
    assert build.CDN.search('<script src="https://unpkg.com/reveal.js@4.0.2/dist/reveal.js">')
    assert build.CDN.search("<link href='//cdn.jsdelivr.net/x.css'>")
    assert not build.CDN.search('<script src="../_static/vendor/require.js">')


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("see {cite}`vaswani2017attention`", "see (Vaswani et al., 2017)"),
        ("{math}`x^2`", "$x^2$"),
        ("{doc}`the preface <../preface>`", "the preface"),
        ("{ref}`fig-x`", "fig-x"),
        ("{doc}`practice/slides`", "The lecture decks"),
    ],
)
def test_roles_become_plain_text(source, expected):
    assert myst.convert(source, ROOT / "chapters") == expected


def test_directives_for_slides():
    text = (
        "```{exercise} Try it\n:label: demo-ex1\nDo $x$.\n```\n\n"
        "```{solution} demo-ex1\n:class: dropdown\nSecret.\n```\n\n"
        "```{admonition} Careful\nA note.\n```\n"
    )
    out = myst.convert(text, ROOT / "chapters")
    assert "**Exercise: Try it**" in out and "Do $x$." in out
    assert "Secret" not in out and "demo-ex1" not in out
    assert "> **Careful**" in out and "> A note." in out


def test_literalinclude_shows_the_named_function(tmp_path):
    (tmp_path / "mod.py").write_text(
        "import os\n\n\ndef f(x):\n    return x + 1\n\n\ndef g():\n    pass\n"
    )
    out = myst.convert("```{literalinclude} mod.py\n:pyobject: f\n```", tmp_path)
    assert out == "```python\ndef f(x):\n    return x + 1\n```"


def test_one_deck_name_per_chapter_notebook():
    names = [assets.deck_name(p) for p in assets.chapter_notebooks()]
    assert len(names) == len(set(names))
