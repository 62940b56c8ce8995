"""Link each chapter's first use of a Chinese term to the glossary: ``(注意力)`` -> ``({term}`注意力`)``.

    python tools/glossary_links.py [--check] [PATH ...]     (default: every chapter page)

Terms are written in English with the Chinese term in parentheses on first use; this turns that
parenthesis into a link to the term's entry in chapters/glossary.md (Sphinx's ``{term}`` role).
Only Markdown prose is touched (notebook outputs and code are left as they are), and only the
first use per page. ``--check`` changes nothing and exits 1 if a link is missing.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "chapters" / "glossary.md"
CJK = re.compile(r"[\u4e00-\u9fff]+")
# A parenthesis holding Chinese terms only: (注意力), (查询/键/值), (稀疏注意力: sparse) is left alone.
GROUP = re.compile(r"\(([\u4e00-\u9fff]+(?:/[\u4e00-\u9fff]+)*)\)")
SKIP = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)


def glossary_terms() -> set[str]:
    body = GLOSSARY.read_text().split("```{glossary}")[1].split("```")[0]
    return {line for line in body.splitlines() if CJK.fullmatch(line.strip() or "x")}


def link_text(text: str, terms: set[str], seen: set[str]) -> str:
    """Link the first unseen use of each term in ``text``; ``seen`` carries over between cells."""
    for term in re.findall(r"\{term\}`([^`<]+)", text):
        seen.add(term)

    def replace(match: re.Match) -> str:
        parts = match.group(1).split("/")
        if not all(p in terms for p in parts):
            return match.group(0)
        linked = [p if p in seen else f"{{term}}`{p}`" for p in parts]
        seen.update(parts)
        return "(" + "/".join(linked) + ")"

    out, last = [], 0
    for skip in SKIP.finditer(text):  # code and math keep their parentheses
        out.append(GROUP.sub(replace, text[last : skip.start()]))
        out.append(skip.group(0))
        last = skip.end()
    out.append(GROUP.sub(replace, text[last:]))
    return "".join(out)


def pages(paths: list[str]) -> list[Path]:
    found = [Path(p).resolve() for p in paths] or sorted((ROOT / "chapters").rglob("*"))
    return [
        p
        for p in found
        if p.suffix in {".md", ".ipynb"} and p.resolve() != GLOSSARY and "_build" not in p.parts
    ]


def link_page(path: Path, terms: set[str], write: bool) -> bool:
    """Link the page's first uses; return True if anything was (or would be) changed."""
    seen: set[str] = set()
    if path.suffix == ".md":
        old = path.read_text()
        new = link_text(old, terms, seen)
        if write and new != old:
            path.write_text(new)
        return new != old
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            new = link_text(cell.source, terms, seen)
            changed |= new != cell.source
            cell.source = new
    if write and changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    terms = glossary_terms()
    missing = [p for p in pages(args.paths) if link_page(p, terms, write=not args.check)]
    for p in missing:
        print(f"{p.relative_to(ROOT)}: {'unlinked glossary terms' if args.check else 'linked'}")
    return 1 if (args.check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
