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


def lecture_source(notebook: Path, lectures: Path = LECTURES) -> Path:
    """The lecture source of a chapter notebook: ``slides/lectures/<stem>.md``."""
    return lectures / f"{notebook.stem}.md"


def lectures(root: Path = ROOT) -> list[tuple[Path, Path]]:
    """(notebook, lecture source) for every chapter that has a lecture source, in book order."""
    lectures_dir = root / "slides" / "lectures"
    pairs = [(nb, lecture_source(nb, lectures_dir)) for nb in chapter_notebooks(root)]
    return [(nb, src) for nb, src in pairs if src.exists()]


def missing_lectures(root: Path = ROOT) -> list[Path]:
    """Chapter notebooks without a lecture source (they get no deck)."""
    lectures_dir = root / "slides" / "lectures"
    return [nb for nb in chapter_notebooks(root) if not lecture_source(nb, lectures_dir).exists()]


def deck_name(notebook: Path) -> str:
    """The deck's file name in the site: ``slides/<stem>.slides.html``."""
    return f"{notebook.stem}.slides.html"


def pdf_name(notebook: Path) -> str:
    return f"{notebook.stem}.pdf"
