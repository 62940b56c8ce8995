"""The project's own install files agree with each other."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import notebooks  # tools/notebooks.py (tools/ is on pytest's pythonpath)
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ @]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        names |= {_name(r) for r in extra}
    return names


def environment_names() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names: set[str] = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {_name(r) for r in dep["pip"] if not r.startswith("-")}
        else:
            names.add(_name(dep))
    return names - {"python", "pip"}


def test_environment_yml_names_the_same_packages_as_pyproject():
    assert environment_names() == pyproject_names()


def test_name_parser_sees_a_difference():
    # The comparison above must be able to fail: a package present on one side only is noticed.
    assert _name("torch>=2.3") == "torch"
    assert _name("triton>=3.0; platform_system == 'Linux'") == "triton"
    assert pyproject_names() - {"torch"} != pyproject_names()


def test_constraints_pin_cpu_torch_and_triton():
    pins = dict(
        line.split("==")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert pins["torch"] == "2.13.0"
    assert pins["triton"] == "3.7.1"


def test_runtime_torch_requirement_stays_loose_for_colab():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_req = [r for r in project["dependencies"] if _name(r) == "torch"]
    assert torch_req == ["torch>=2.3"]


def test_repository_url_is_configured_once():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert url.startswith("https://github.com/")
    assert url in notebooks.setup_source()


def test_every_notebook_starts_with_the_setup_cell():
    expected = notebooks.setup_source()
    for path in notebooks.notebooks([str(ROOT / "chapters")]):
        nb = nbformat.read(path, as_version=4)
        assert nb.cells and nb.cells[0].source == expected, f"{path}: run `make stamp`"
        assert nb.cells[0].metadata.get("tags") == notebooks.SETUP_TAGS, f"{path}: run `make stamp`"


def test_speaker_notes_are_hidden_from_the_book():
    for path in notebooks.notebooks([str(ROOT / "chapters")]):
        nb = nbformat.read(path, as_version=4)
        shown = [
            i
            for i, c in enumerate(nb.cells)
            if notebooks.is_speaker_note(c) and notebooks.HIDE_TAG not in c.metadata.get("tags", [])
        ]
        assert not shown, f"{path}: speaker-notes cells {shown} would show in the book (make stamp)"


def test_hide_speaker_notes_tags_only_notes_cells():
    nb = nbformat.v4.new_notebook()
    note = nbformat.v4.new_markdown_cell("say this")
    note.metadata["slideshow"] = {"slide_type": "notes"}
    slide = nbformat.v4.new_markdown_cell("# title")
    slide.metadata["slideshow"] = {"slide_type": "slide"}
    nb.cells = [note, slide]
    assert notebooks.hide_speaker_notes(nb) is True
    assert note.metadata["tags"] == ["remove-cell"]
    assert "tags" not in slide.metadata
    assert notebooks.hide_speaker_notes(nb) is False


def test_readme_gives_the_published_address_from_config():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    address = config["html"]["baseurl"]
    assert address.startswith("https://") and address.endswith("/")
    assert address in (ROOT / "README.md").read_text()
