"""The ``{lecture-decks}`` directive of the book (chapters/practice/slides.md): a table of the
lecture decks, read from the lecture sources at build time so the page cannot fall out of step
with them, and a link to the deck index ``slides/index.html`` that slides/build.py writes.
Registered by the book's Sphinx extension, tools/offline_assets.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import decks
import lecture as lec


def lecture_decks_directive():
    from docutils import nodes
    from sphinx.util.docutils import SphinxDirective

    class LectureDecks(SphinxDirective):
        """Chapter, duration, slides and deck of every lecture, and the link to the index."""

        has_content = False

        def run(self):
            # Re-read this page on every build: a lecture source may have appeared or changed.
            if not hasattr(self.env, "lecture_deck_pages"):
                self.env.lecture_deck_pages = set()
            self.env.lecture_deck_pages.add(self.env.docname)
            root = Path(self.env.srcdir)
            here = Path(self.env.app.outdir, self.env.docname).parent
            out = Path(self.env.app.outdir)
            index = nodes.paragraph()
            index += nodes.Text("All decks, with their objectives and PDFs: ")
            href = os.path.relpath(out / decks.INDEX, here)
            index += nodes.reference("", "the deck index", refuri=Path(href).as_posix())
            index += nodes.Text(".")
            table = nodes.table(classes=["lecture-decks"])
            group = nodes.tgroup(cols=4)
            table += group
            for width in (52, 12, 12, 24):
                group += nodes.colspec(colwidth=width)
            head = nodes.thead()
            group += head
            head += _row(["Chapter", "Minutes", "Slides", "Deck"])
            body = nodes.tbody()
            group += body
            pairs = decks.lectures(root)
            for notebook, source in pairs:
                self.env.note_dependency(str(source))
                lecture = lec.parse(source)
                page = notebook.with_suffix("").relative_to(root).as_posix()
                chapter = nodes.paragraph()
                uri = self.env.app.builder.get_relative_uri(self.env.docname, page)
                chapter += nodes.reference("", lecture.title, refuri=uri)
                deck = os.path.relpath(out / decks.DECKS_DIR / decks.deck_name(notebook), here)
                link = nodes.paragraph()
                link += nodes.reference("", decks.deck_name(notebook), refuri=Path(deck).as_posix())
                body += _row([chapter, str(lecture.minutes), str(len(lecture.slides)), link])
            if not pairs:
                return [nodes.paragraph(text="No chapter has a lecture source yet.")]
            total = sum(len(lec.parse(s).slides) for _, s in pairs)
            summary = nodes.paragraph(text=f"{len(pairs)} decks, {total} slides in all.")
            return [index, table, summary]

    return LectureDecks


def _row(cells):
    from docutils import nodes

    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=cell)
        row += entry
    return row


def always_reread(app, env, added, changed, removed) -> list[str]:
    return sorted(getattr(env, "lecture_deck_pages", set()) - set(removed))
