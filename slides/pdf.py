"""Print every built lecture deck to PDF, one page per slide, offline (``make slides-pdf``).

    python slides/pdf.py [--site _build/html] [STEM ...]

The built site is served on 127.0.0.1 and each deck is opened in reveal.js's print view
(``?print-pdf``) in the headless Chromium the browser tests use ($CHROMIUM, default
/usr/bin/chromium); requests that leave 127.0.0.1 are refused. The PDFs go to
``<site>/slides/pdf/<stem>.pdf`` and the deck index is rewritten to link them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "slides"))

import decks  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
WIDTH, HEIGHT = 1100, 760  # the decks' frame (slides/templates/deck.html.j2)
PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def page_count(pdf: bytes) -> int:
    """Pages of a PDF as Chromium writes it (uncompressed page objects)."""
    return len(PAGE.findall(pdf))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


def print_deck(page, server: str, deck: str) -> bytes:
    """The PDF of one deck (``slides/<stem>.slides.html``) in an open Playwright page."""
    page.goto(f"{server}{deck}?print-pdf", wait_until="load")
    page.wait_for_selector("body[data-deck-ready=true]", timeout=30000)
    page.wait_for_selector(".reveal .pdf-page", state="attached", timeout=30000)
    page.wait_for_timeout(300)  # images decoded, layout settled
    return page.pdf(width=f"{WIDTH}px", height=f"{HEIGHT}px", print_background=True)


def offline_page(browser, server: str):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((server, "data:", "blob:", "about:"))
            else route.abort()
        ),
    )
    return page


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("stems", nargs="*", help="decks to print (default: all built)")
    args = parser.parse_args(argv)
    built = sorted((args.site / decks.DECKS_DIR).glob("*.slides.html"))
    if args.stems:
        built = [p for p in built if p.name.removesuffix(".slides.html") in args.stems]
    if not built:
        print(f"no deck in {args.site / decks.DECKS_DIR}: run `make slides` first", file=sys.stderr)
        return 1
    out_dir = args.site / decks.PDF_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    with serve(args.site) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = offline_page(browser, server)
        for deck in built:
            pdf = print_deck(page, server, f"{decks.DECKS_DIR}/{deck.name}")
            slides = page.evaluate("() => window.courseDeck.getTotalSlides()")
            out = out_dir / f"{deck.name.removesuffix('.slides.html')}.pdf"
            out.write_bytes(pdf)
            print(f"{out.relative_to(args.site)}: {page_count(pdf)} pages, {slides} slides")
        browser.close()
    import importlib.util

    spec = importlib.util.spec_from_file_location("slides_build", ROOT / "slides" / "build.py")
    build = importlib.util.module_from_spec(spec)
    sys.modules["slides_build"] = build
    spec.loader.exec_module(build)
    return build.main(["--site", str(args.site), "--index-only"])


if __name__ == "__main__":
    sys.exit(main())
