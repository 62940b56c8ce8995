"""Notebook housekeeping: the one command that produces stored outputs, and the setup cell.

    python tools/notebooks.py execute [PATH ...]   execute notebooks in place (stored outputs)
    python tools/notebooks.py stamp [PATH ...]     rewrite each notebook's first cell (setup) and
                                                   hide speaker notes from the book
    python tools/notebooks.py check [PATH ...]     fail if a first cell differs from the stamp

The repository URL lives in one place, ``_config.yml`` (``repository.url``); the setup cell that
installs attnlib in Colab is generated from it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
SETUP_TAG = "setup"
HIDE_TAG = "remove-cell"  # Jupyter Book drops these cells; the slide decks keep speaker notes.
SETUP_TAGS = [SETUP_TAG, HIDE_TAG]


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"]


def setup_source() -> str:
    url = repository_url()
    return (
        "# Setup, locally and in Colab: installs attnlib only when it is missing.\n"
        "try:\n"
        "    import attnlib\n"
        "except ImportError:\n"
        f'    repository = "git+{url}"\n'
        '    %pip install -q "attnlib[kernels] @ {repository}"\n'
        "    import attnlib\n"
        "# Figures as SVG: sharp at any zoom, on any screen.\n"
        '%config InlineBackend.figure_formats = ["svg"]'
    )


def notebooks(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths or ["chapters"]):
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        elif p.suffix == ".ipynb":
            found.append(p)
    return found


def is_speaker_note(cell) -> bool:
    return cell.metadata.get("slideshow", {}).get("slide_type") == "notes"


def hide_speaker_notes(nb) -> bool:
    """Tag every speaker-notes cell so the book hides it (the decks show it in speaker view)."""
    changed = False
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if is_speaker_note(cell) and HIDE_TAG not in tags:
            cell.metadata["tags"] = [*tags, HIDE_TAG]
            changed = True
    return changed


def stamp(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    changed = hide_speaker_notes(nb)
    cell = nb.cells[0] if nb.cells else None
    if cell is not None and cell.cell_type == "code" and SETUP_TAG in cell.metadata.get("tags", []):
        if cell.source != setup_source():
            cell.source = setup_source()
            changed = True
    else:
        cell = nbformat.v4.new_code_cell(setup_source())
        cell.metadata["slideshow"] = {"slide_type": "skip"}
        nb.cells.insert(0, cell)
        changed = True
    # The setup cell runs in Colab and locally; the book and the decks leave it out.
    if cell.metadata.get("tags") != SETUP_TAGS:
        cell.metadata["tags"] = list(SETUP_TAGS)
        changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


def execute(path: Path) -> float:
    from nbconvert.preprocessors import ExecutePreprocessor

    nb = nbformat.read(path, as_version=4)
    ep = ExecutePreprocessor(timeout=900, kernel_name="python3", store_widget_state=True)
    t0 = time.perf_counter()
    ep.preprocess(nb, {"metadata": {"path": str(path.parent)}})
    elapsed = time.perf_counter() - t0
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"execute", "stamp", "check"}:
        print(__doc__)
        return 2
    command, paths = argv[0], notebooks(argv[1:])
    bad = 0
    for path in paths:
        if command == "execute":
            stamp(path)
            print(f"{path}: executed in {execute(path):.1f} s", flush=True)
        elif command == "stamp":
            print(f"{path}: {'stamped' if stamp(path) else 'unchanged'}")
        else:
            nb = nbformat.read(path, as_version=4)
            first = nb.cells[0] if nb.cells else None
            if (
                first is None
                or first.source != setup_source()
                or first.metadata.get("tags") != SETUP_TAGS
            ):
                print(f"{path}: first cell is not the setup cell (run `make stamp`)")
                bad += 1
            if hide_speaker_notes(nb):
                print(f"{path}: speaker notes would show in the book (run `make stamp`)")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
