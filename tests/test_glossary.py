"""The bilingual glossary (chapters/glossary.md) covers every Chinese term the chapters use, and
every entry is used somewhere in the book."""

from __future__ import annotations

import json
import re
from pathlib import Path

import glossary_links

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "chapters" / "glossary.md"
CJK = re.compile(r"[\u4e00-\u9fff]+")
# Words quoted as data, not terms: the tokens of the three-token example sentence (狗 dog, 猫 cat,
# 鸟 bird) as the source article wrote them.
NOT_TERMS = {"狗", "猫", "鸟"}


def glossary_entries() -> list[tuple[str, str, str]]:
    """(English term, Chinese term, definition) of every entry of the glossary directive."""
    body = GLOSSARY.read_text().split("```{glossary}")[1].split("```")[0]
    entries = re.findall(r"^(\S[^\n]*)\n(\S[^\n]*)\n  (\S[^\n]*)$", body, re.M)
    return [(en, zh, definition) for en, zh, definition in entries]


def chapter_texts() -> dict[str, str]:
    """The prose of every chapter page but the glossary, by path."""
    texts = {}
    for path in sorted((ROOT / "chapters").rglob("*")):
        if path == GLOSSARY or "_build" in path.parts:
            continue
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            texts[str(path)] = "\n".join(
                "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
            )
        elif path.suffix == ".md":
            texts[str(path)] = path.read_text()
    return texts


def test_every_entry_has_both_languages_a_definition_and_a_link():
    entries = glossary_entries()
    assert len(entries) >= 60
    for en, zh, definition in entries:
        assert not CJK.search(en) and CJK.search(zh), (en, zh)
        assert "{doc}`" in definition, f"{en}: say where it is taught"
    assert len({zh for _, zh, _ in entries}) == len(entries), "a Chinese term defined twice"


def test_every_chinese_term_in_the_chapters_is_in_the_glossary():
    known = {run for _, zh, _ in glossary_entries() for run in CJK.findall(zh)}
    missing = {
        run: path
        for path, text in chapter_texts().items()
        for run in CJK.findall(text)
        if run not in known | NOT_TERMS
    }
    assert not missing, f"Chinese terms used but not in the glossary: {missing}"


def test_every_glossary_entry_is_used_in_a_chapter():
    book = "\n".join(chapter_texts().values())
    unused = [zh for _, zh, _ in glossary_entries() if CJK.findall(zh)[0] not in book]
    assert not unused, f"glossary entries no chapter uses: {unused}"


def test_every_page_links_its_first_use_of_each_term():
    """`python tools/glossary_links.py` adds the links; here nothing may be left to add."""
    terms = glossary_links.glossary_terms()
    unlinked = [
        str(p.relative_to(ROOT))
        for p in glossary_links.pages([])
        if glossary_links.link_page(p, terms, write=False)
    ]
    assert not unlinked, f"run tools/glossary_links.py: {unlinked}"


def test_the_linker_links_first_uses_only_and_leaves_code_alone():
    seen: set[str] = set()
    text = "Attention (注意力), queries (查询/键), again (注意力); `x (注意力)`"
    assert glossary_links.link_text(text, {"注意力", "查询", "键"}, seen) == (
        "Attention ({term}`注意力`), queries ({term}`查询`/{term}`键`), again (注意力); "
        "`x (注意力)`"
    )
