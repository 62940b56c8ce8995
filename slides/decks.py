"""Where the lecture decks come from and where they go: one deck per chapter notebook.

A chapter's deck is built from its lecture source ``slides/lectures/<notebook stem>.md`` (see
slides/lecture.py for the syntax) and the chapter's executed notebook, into the built site as
``<site>/slides/<stem>.slides.html``; ``<site>/slides/index.html`` lists every deck.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LECTURES = ROOT / "slides" / "lectures"
DECKS_DIR = "slides"  # inside the built site: _build/html/slides/<stem>.slides.html
PDF_DIR = "slides/pdf"  # inside the built site: _build/html/slides/pdf/<stem>.pdf (make slides-pdf)
INDEX = "slides/index.html"


def _toc_notebooks(root: Path) -> list[tuple[Path, Path | None]]:
    """(notebook, the notebook it is a section of, or None) for every notebook, in book order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found: list[tuple[Path, Path | None]] = []

    def walk(entry: dict, parent: Path | None) -> None:
        path = root / f"{entry['file']}.ipynb" if "file" in entry else None
        here = path if path is not None and path.exists() else None
        if here is not None:
            found.append((here, parent))
        for key in ("parts", "chapters", "sections"):
            for child in entry.get(key, []):
                walk(child, here if key == "sections" else None)

    walk({"file": toc["root"], **toc}, None)
    return found


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """Every notebook of the book, sections included, in the order of the table of contents."""
    return [nb for nb, _ in _toc_notebooks(root)]


def lectured_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks that get a deck: every chapter notebook that is not a section of another
    notebook (a chapter split into sections is one lecture)."""
    return [nb for nb, parent in _toc_notebooks(root) if parent is None]


def sections_of(notebook: Path, root: Path = ROOT) -> list[Path]:
    """The section notebooks listed under ``notebook`` in the table of contents."""
    return [nb for nb, parent in _toc_notebooks(root) if parent == notebook]


def lecture_source(notebook: Path, lectures: Path = LECTURES) -> Path:
    """The lecture source of a chapter notebook: ``slides/lectures/<stem>.md``."""
    return lectures / f"{notebook.stem}.md"


def lectures(root: Path = ROOT) -> list[tuple[Path, Path]]:
    """(notebook, lecture source) for every chapter that has a lecture source, in book order."""
    lectures_dir = root / "slides" / "lectures"
    pairs = [(nb, lecture_source(nb, lectures_dir)) for nb in lectured_notebooks(root)]
    return [(nb, src) for nb, src in pairs if src.exists()]


def missing_lectures(root: Path = ROOT) -> list[Path]:
    """Chapter notebooks without a lecture source (they get no deck)."""
    lectures_dir = root / "slides" / "lectures"
    return [nb for nb in lectured_notebooks(root) if not lecture_source(nb, lectures_dir).exists()]


def deck_name(notebook: Path) -> str:
    """The deck's file name in the site: ``slides/<stem>.slides.html``."""
    return f"{notebook.stem}.slides.html"


def pdf_name(notebook: Path) -> str:
    return f"{notebook.stem}.pdf"
