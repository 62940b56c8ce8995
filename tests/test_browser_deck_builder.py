"""The deck builder without a browser: lecture sources, their rules, the directives that pull
figures and outputs from a notebook, the deck index, no CDN. (The built decks are opened in
Chromium by tests/test_browser.py.)"""

from __future__ import annotations

import base64
import importlib.util
import sys
from pathlib import Path

import decks
import lecture as lec
import myst
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

# slides/build.py, under a name that cannot clash with the PyPI package "build".
_spec = importlib.util.spec_from_file_location("slides_build", ROOT / "slides" / "build.py")
build = importlib.util.module_from_spec(_spec)
sys.modules["slides_build"] = build
_spec.loader.exec_module(build)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 64).decode()
FRONT = """---
title: Demo lecture
objectives:
  - Say what a demo is
notes: "[1 min] Welcome. Ask: ready?"
---
"""


def slide(heading: str, body: str = "Some text.", notes: str = "[2 min] Say it. Ask: why?") -> str:
    return f"## {heading}\n\n{body}\n\nNote: {notes}\n"


def source(*slides: str, front: str = FRONT) -> str:
    return front + "\n---\n".join(slides)


GOOD = (
    slide("One idea", "{{ figure: fig-demo }}"),
    slide(
        "Quick check", "What is $x^2$ at $x = 3$?", "[2 min] Say {{ glue: demo-value }}. Ask: why?"
    ),
    slide(
        "The output",
        "{{ output: demo-print lines=2-3 }}\n\nGlued: {{ glue: demo-value }}, "
        "{{ glue: demo-value fmt=.0% }}",
    ),
    slide("Summary", "- one\n- two"),
    slide("Discussion", "1. Why?"),
)


@pytest.fixture
def notebook(tmp_path) -> Path:
    nb = nbformat.v4.new_notebook()
    fig = nbformat.v4.new_code_cell("plot()  # 20 lines of matplotlib")
    fig.metadata["mystnb"] = {"figure": {"name": "fig-demo"}, "image": {"alt": "A demo plot."}}
    fig.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG})]
    printed = nbformat.v4.new_code_cell("print(...)  # NBVAL_IGNORE_OUTPUT")
    printed.metadata["name"] = "demo-print"
    printed.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a = 1\nb = 2\nc = 3\n")
    ]
    glued = nbformat.v4.new_code_cell("glue('demo-value', 0.25)")
    glued.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/papermill.record/text/plain": "0.25"},
            metadata={
                "scrapbook": {"name": "demo-value", "mime_prefix": "application/papermill.record/"}
            },
        )
    ]
    table = nbformat.v4.new_code_cell("show(weights)\nshow(weights.T)")
    table.metadata["name"] = "demo-tables"
    table.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": md, "text/plain": "<obj>"})
        for md in ("| a | b |\n|---|---|\n| 1 | 2 |", "| c | d |\n|---|---|\n| 3 | 4 |")
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Demo"), fig, printed, glued, table]
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    return path


def lecture_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_lecture_becomes_a_deck_with_title_notes_figure_and_outputs(tmp_path, notebook):
    src = lecture_file(tmp_path, source(*GOOD))
    deck = build.build_deck(notebook, tmp_path / "site", src)
    html = deck.path.read_text()
    assert deck.path.name == "demo.slides.html" and deck.slides == 6  # title + 5
    assert html.count("<section") == 6 and html.count('<aside class="notes">') == 6
    assert "Demo lecture" in html and "Say what a demo is" in html and "about 11 minutes" in html
    assert f"data:image/png;base64,{PNG}" in html and 'alt="A demo plot."' in html
    assert "plot()" not in html  # the figure, not the code that draws it
    assert "b = 2\nc = 3" in html and "a = 1" not in html  # lines=2-3
    assert "Glued: 0.25, 25%" in html and "Say 0.25." in html and "{{" not in html
    assert "<p><strong>[2 min]</strong> Say it.</p>\n<p><strong>Ask:</strong> why?</p>" in html
    assert "\\(x^2\\)" in html  # math for MathJax
    assert 'class="check"' in html
    assert "NBVAL" not in html
    assert "../_static/vendor/reveal.js/dist/reveal.js" in html and not build.CDN.search(html)


def test_a_missing_label_stops_the_build_by_name(tmp_path, notebook):
    src = lecture_file(tmp_path, source(slide("One", "{{ figure: fig-nowhere }}"), *GOOD[1:]))
    with pytest.raises(lec.LectureError, match="fig-nowhere"):
        build.build_deck(notebook, tmp_path / "site", src)
    assert not (tmp_path / "site" / "slides" / "demo.slides.html").exists()
    src.write_text(source(slide("One", "{{ output: nothing-here }}"), *GOOD[1:]))
    with pytest.raises(lec.LectureError, match="nothing-here"):
        build.build_deck(notebook, tmp_path / "site", src)
    src.write_text(source(slide("One", "{{ figur: fig-demo }}"), *GOOD[1:]))
    with pytest.raises(lec.LectureError, match="unknown directive"):
        build.build_deck(notebook, tmp_path / "site", src)
    src.write_text(source(slide("One", "{{ glue: no-such-value }}"), *GOOD[1:]))
    with pytest.raises(lec.LectureError, match="no-such-value"):
        build.build_deck(notebook, tmp_path / "site", src)


def test_tables_and_code_come_from_the_notebook(tmp_path, notebook):
    body = "{{ output: demo-tables part=2 }}\n\n{{ code: demo-tables lines=2 }}"
    src = lecture_file(tmp_path, source(slide("Tables", body), *GOOD[1:]))
    html = build.build_deck(notebook, tmp_path / "site", src).path.read_text()
    assert "<table>" in html and "<td>3</td>" in html and "<td>1</td>" not in html
    assert "show" in html and "weights" in html and "<pre" in html
    src.write_text(source(slide("Tables", "{{ output: demo-tables }}"), *GOOD[1:]))
    with pytest.raises(lec.LectureError, match="part=N"):
        build.build_deck(notebook, tmp_path / "site", src)
    src.write_text(source(slide("Code", "{{ code: demo-print }}"), *GOOD[1:]))
    with pytest.raises(lec.LectureError, match="test marker"):
        build.build_deck(notebook, tmp_path / "site", src)


def test_build_main_fails_loudly_for_a_broken_lecture(tmp_path, notebook, monkeypatch, capsys):
    src = lecture_file(tmp_path, source(slide("One", "{{ figure: fig-gone }}"), *GOOD[1:]))
    monkeypatch.setattr(build.decks, "lectures", lambda: [(notebook, src)])
    monkeypatch.setattr(build.assets, "copy_vendor", lambda site: [])
    assert build.main(["--site", str(tmp_path / "site")]) == 1
    assert "fig-gone" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("slides", "rule"),
    [
        ((slide("One", notes=""), *GOOD[1:]), "no speaker notes"),
        ((slide("One", notes="Say it. Ask: why?"), *GOOD[1:]), "how long"),
        ((slide("One", notes="[1 min] Say it."), *GOOD[1:]), "question for the room"),
        ((slide("One", "```python\n" + "x = 1\n" * 13 + "```"), *GOOD[1:]), "over 12 lines"),
        ((slide("One", "# NBVAL_IGNORE_OUTPUT"), *GOOD[1:]), "test marker"),
        (GOOD[:-1], "Discussion"),
        ((*GOOD[:3], GOOD[4]), "Summary"),
        ((*(slide(f"Idea {i}") for i in range(6)), *GOOD[3:]), "Quick check"),
    ],
)
def test_rules_of_a_lecture(tmp_path, slides, rule):
    with pytest.raises(lec.LectureError, match=rule):
        lec.parse(lecture_file(tmp_path, source(*slides)))


def test_front_matter_is_required(tmp_path):
    with pytest.raises(lec.LectureError, match="objectives"):
        lec.parse(lecture_file(tmp_path, source(*GOOD, front="---\ntitle: T\nnotes: x\n---\n")))


def test_separator_inside_a_code_fence_does_not_cut(tmp_path):
    body = "```text\n---\n```"
    lecture = lec.parse(lecture_file(tmp_path, source(slide("One", body), *GOOD[1:])))
    assert len(lecture.slides) == 6 and "---" in lecture.slides[1].body


def test_source_shows_the_library_function_without_its_docstring():
    code = lec.source("lib/attnlib/scratch/masks.py::causal_mask")
    assert code.startswith("```python\ndef causal_mask(")
    assert '"""' not in code and len(code.splitlines()) - 2 <= lec.MAX_CODE_LINES
    with pytest.raises(lec.LectureError, match="no_such_function"):
        lec.source("lib/attnlib/scratch/masks.py::no_such_function")


def test_the_index_lists_every_deck_with_duration_and_objectives(tmp_path, notebook):
    src = lecture_file(tmp_path, source(*GOOD))
    deck = build.build_deck(notebook, tmp_path / "site", src)
    index = build.write_index(tmp_path / "site", [deck]).read_text()
    assert 'href="demo.slides.html"' in index and "11 min" in index
    assert "Say what a demo is" in index and "PDF" not in index
    (tmp_path / "site" / "slides" / "pdf").mkdir()
    (tmp_path / "site" / "slides" / "pdf" / "demo.pdf").write_bytes(b"%PDF")
    index = build.write_index(tmp_path / "site", [deck]).read_text()
    assert 'href="pdf/demo.pdf"' in index


def test_cdn_pattern_catches_a_cdn():
    assert build.CDN.search('<script src="https://unpkg.com/reveal.js@4.0.2/dist/reveal.js">')
    assert build.CDN.search("<link href='//cdn.jsdelivr.net/x.css'>")
    assert not build.CDN.search('<script src="../_static/vendor/require.js">')


LECTURES = decks.lectures()


@pytest.mark.parametrize("pair", LECTURES, ids=[nb.stem for nb, _ in LECTURES])
def test_every_lecture_builds_from_its_notebook(pair, tmp_path):
    """Every label a lecture names exists in its notebook; size and length of a lecture."""
    notebook, src = pair
    deck = build.build_deck(notebook, tmp_path, src)
    assert 8 <= deck.slides <= 15, f"{src}: {deck.slides} slides"
    assert 15 <= deck.lecture.minutes <= 30, f"{src}: {deck.lecture.minutes} minutes"


def test_every_chapter_has_a_lecture():
    missing = [p.stem for p in decks.missing_lectures()]
    assert not missing, f"chapters without slides/lectures/<stem>.md (no deck): {missing}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see {cite}`vaswani2017attention`", "see (Vaswani et al., 2017)"),
        ("{math}`x^2`", "$x^2$"),
        ("{doc}`the preface <../preface>`", "the preface"),
        ("{ref}`fig-x`", "fig-x"),
        ("{doc}`practice/slides`", "The lecture decks"),
    ],
)
def test_roles_become_plain_text(text, expected):
    assert myst.convert(text, ROOT / "chapters") == expected


def test_one_deck_name_per_chapter_notebook():
    names = [decks.deck_name(p) for p in decks.lectured_notebooks()]
    assert len(names) == len(set(names))


def test_a_chapter_split_into_sections_is_one_lecture(tmp_path):
    (tmp_path / "c").mkdir()
    for stem in ("a", "a_more", "b"):
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / "c" / f"{stem}.ipynb")
    (tmp_path / "_toc.yml").write_text(
        "root: c/b\nparts:\n- chapters:\n  - file: c/a\n    sections:\n    - file: c/a_more\n"
    )
    assert [p.stem for p in decks.chapter_notebooks(tmp_path)] == ["b", "a", "a_more"]
    assert [p.stem for p in decks.lectured_notebooks(tmp_path)] == ["b", "a"]
    assert decks.sections_of(tmp_path / "c" / "a.ipynb", tmp_path) == [
        tmp_path / "c" / "a_more.ipynb"
    ]
