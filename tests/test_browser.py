"""The built book and the lecture decks, as a reader sees them: headless Chromium via Playwright.

Run after `make build-book slides` (``make browser``); the site is ``_build/html`` or $BOOK_HTML.
The site is served on 127.0.0.1 by a thread; every request that leaves 127.0.0.1 is blocked and
counts as a failure, so a page that needs a CDN fails here. Screenshots go to screenshots/.
The pages and decks are discovered from the build and the notebooks: nothing is listed by hand.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import re
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import offline_assets as assets  # noqa: E402

SITE = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
SHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.browser

NOT_BUILT = f"{SITE} has no built book: run `make build-book slides` (or `make browser`) first"


def book_pages() -> list[str]:
    """Every HTML page of the built book (decks excluded: they have their own tests)."""
    if not (SITE / "index.html").exists():
        return ["<not built>"]
    skip = {"_static", "_sources", "_images", assets.DECKS_DIR}
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not set(p.relative_to(SITE).parts[:1]) & skip
    )


def notebook_pages() -> list[str]:
    """Book pages whose source is a chapter notebook (they carry launch buttons)."""
    return [p.relative_to(ROOT).with_suffix("").as_posix() for p in assets.chapter_notebooks()] or [
        "<no notebook yet>"
    ]


def decks() -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in assets.chapter_notebooks()] or [
        "<no notebook yet>"
    ]


def _need(value: str) -> None:
    if value == "<not built>" or not (SITE / "index.html").exists():
        pytest.fail(NOT_BUILT)
    if value == "<no notebook yet>":
        pytest.skip("no chapter notebook exists yet")


# ------------------------------------------------------------------ fixtures
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102
        pass


@pytest.fixture(scope="session")
def server():
    if not (SITE / "index.html").exists():
        pytest.fail(NOT_BUILT)
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (make browser does it)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page load with every console error, page error and failed or outside request."""

    def __init__(self, browser, server: str, width: int = 1280, height: int = 900):
        self.server = server
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}")
        )
        self.page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"),
        )

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith((self.server, "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"outside request (blocked): {url}")
            route.abort()

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def open(self, path: str) -> None:
        text = (SITE / path).read_text(errors="replace")
        refresh = re.search(r'http-equiv="refresh"[^>]*url=([^"]+)"', text, flags=re.IGNORECASE)
        self.page.goto(self.server + path, wait_until="load")
        if refresh:  # a redirect page (index.html): follow it, as a reader's browser does
            target = urljoin(self.server + path, refresh.group(1).strip())
            self.page.wait_for_url(target, wait_until="load")
        # MathJax 3 resolves startup.promise after the first typeset of the page.
        self.page.evaluate(
            "async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
            " { await MathJax.startup.promise; } }"
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, server):
    visits: list[Visit] = []

    def make(**kwargs) -> Visit:
        v = Visit(browser, server, **kwargs)
        visits.append(v)
        return v

    yield make
    for v in visits:
        v.close()


def _shot_name(path: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    return SHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", path.removesuffix(".html")) + ".png")


# Text a reader sees, outside code: raw TeX left there means MathJax did not run.
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
      .forEach(e => e.remove());
  return body.innerText;
}"""


# ------------------------------------------------------------------ the book
@pytest.mark.parametrize("page", book_pages())
def test_page_loads_offline_with_math_and_widgets(page, visit):
    _need(page)
    v = visit()
    v.open(page)
    doc = v.page
    n_math = doc.locator(".math").count()
    n_views = doc.locator(f'script[type="{WIDGET_VIEW}"]').count()
    has_state = doc.locator(f'script[type="{WIDGET_STATE}"]').count() > 0
    if has_state and n_views:
        # The HTML manager renders each saved view into a div.widget-subarea.
        doc.wait_for_function(
            f"() => document.querySelectorAll('.widget-subarea').length >= {n_views}",
            timeout=15000,
        )
    doc.screenshot(path=_shot_name(page))
    assert not v.problems, "\n".join(v.problems)
    if n_math:
        rendered = doc.locator(".math mjx-container, mjx-container.MathJax").count()
        assert rendered >= n_math, f"{page}: {n_math} formulas, {rendered} typeset by MathJax"
        assert doc.locator("mjx-merror").count() == 0, f"{page}: MathJax reports a TeX error"
    text = doc.evaluate(VISIBLE_TEXT)
    assert "$$" not in text, f"{page}: raw $$ left on the page"
    assert "\\begin{" not in text, f"{page}: raw \\begin{{...}} left on the page"
    if has_state:
        shown = doc.locator(".widget-subarea").count()
        assert shown >= n_views > 0, f"{page}: {n_views} saved widgets, {shown} rendered"


def _colab_prefix() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    owner_repo = urlsplit(config["repository"]["url"]).path.strip("/")
    branch = config["repository"].get("branch", "main")
    colab = config["launch_buttons"]["colab_url"].rstrip("/")
    return f"{colab}/github/{owner_repo}/blob/{branch}/"


@pytest.mark.parametrize("page", notebook_pages())
def test_notebook_page_opens_in_colab_at_its_own_path(page):
    _need(page)
    if not (SITE / "index.html").exists():
        pytest.fail(NOT_BUILT)
    html_text = (SITE / f"{page}.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', html_text))
    assert links == {_colab_prefix() + page + ".ipynb"}, links


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        attr = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src"}
        if tag in attr and a.get(attr[tag]):
            self.urls.append(a[attr[tag]])


@functools.cache
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def test_every_internal_link_resolves():
    if not (SITE / "index.html").exists():
        pytest.fail(NOT_BUILT)
    broken: list[str] = []
    pages = sorted(SITE.rglob("*.html"))
    pages = [p for p in pages if "_static" not in p.relative_to(SITE).parts]
    checked = 0
    for page in pages:
        for url in _parse(page).urls:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or url.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            where = f"{page.relative_to(SITE)} -> {url}"
            if not target.is_relative_to(SITE) or not target.exists():
                broken.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = _parse(target).ids
                if parts.fragment not in ids and unquote(parts.fragment) not in ids:
                    broken.append(f"{where} (no such anchor)")
    assert checked > 0
    assert not broken, f"{len(broken)} broken of {checked}:\n" + "\n".join(broken[:40])


def test_slides_page_links_every_deck():
    if not (SITE / "index.html").exists():
        pytest.fail(NOT_BUILT)
    page = SITE / "chapters" / "practice" / "slides.html"
    linked = {
        urljoin("chapters/practice/slides.html", u)
        for u in _parse(page).urls
        if u.endswith(".slides.html")
    }
    expected = {f"{assets.DECKS_DIR}/{assets.deck_name(p)}" for p in assets.chapter_notebooks()}
    assert linked == expected


# ------------------------------------------------------------------ the decks
def _first_formula_slide(doc):
    return doc.evaluate(
        """() => {
      const m = document.querySelector('.reveal .slides mjx-container');
      if (!m) return null;
      const i = window.courseDeck.getIndices(m.closest('section'));
      return [i.h, i.v || 0];
    }"""
    )


@pytest.mark.parametrize("notebook", decks())
def test_deck_opens_with_its_slides_notes_and_math(notebook, visit):
    _need(notebook)
    path = ROOT / notebook
    nb = nbformat.read(path, as_version=4)
    deck = f"{assets.DECKS_DIR}/{assets.deck_name(path)}"
    assert (SITE / deck).exists(), f"{deck} missing: run `make slides`"
    v = visit(width=1280, height=800)
    v.open(deck)
    doc = v.page
    doc.wait_for_selector("body[data-deck-ready=true]", timeout=20000)
    total = doc.evaluate("() => window.courseDeck.getTotalSlides()")
    assert total == assets.expected_slide_count(nb)
    assert doc.evaluate("() => window.courseDeck.hasPlugin('notes')"), "no speaker view (S)"
    notes = doc.locator(".reveal aside.notes").count()
    assert notes == assets.slide_types(nb).count("notes")
    doc.screenshot(path=_shot_name(deck))
    visible = [
        c.source
        for c, t in zip(nb.cells, assets.slide_types(nb))
        if c.cell_type == "markdown" and t not in {"skip", "notes"}
    ]
    has_math = any(re.search(r"\$[^$]+\$|\\\(|\\\[", s) for s in visible)
    if has_math:
        where = _first_formula_slide(doc)
        assert where is not None, f"{deck}: the notebook has math, the deck shows none typeset"
        doc.evaluate(f"() => window.courseDeck.slide({where[0]}, {where[1]})")
        doc.wait_for_timeout(900)  # the slide transition
        first = doc.locator(".reveal .slides section.present mjx-container").first
        assert first.is_visible()
        box = first.bounding_box()
        assert box and box["width"] > 5 and box["height"] > 5
        doc.screenshot(path=_shot_name(deck.replace(".slides", ".first-formula.slides")))
    text = doc.evaluate(VISIBLE_TEXT)
    assert "$$" not in text, f"{deck}: raw $$ left on a slide"
    assert doc.locator("mjx-merror").count() == 0
    views = assets.widget_views(nb)
    assert doc.locator(f'script[type="{WIDGET_VIEW}"]').count() == views
    if views:
        doc.wait_for_function(
            f"() => document.querySelectorAll('.widget-subarea').length >= {views}",
            timeout=15000,
        )
        first = doc.locator(".widget-subarea").first
        where = doc.evaluate(
            "() => { const i = window.courseDeck.getIndices("
            "document.querySelector('.widget-subarea').closest('section')); return [i.h, i.v || 0]; }"
        )
        doc.evaluate(f"() => window.courseDeck.slide({where[0]}, {where[1]})")
        doc.wait_for_timeout(900)
        box = first.bounding_box()
        assert box and box["height"] > 10, f"{deck}: the saved widget is not visible"
        doc.screenshot(path=_shot_name(deck.replace(".slides", ".first-widget.slides")))
    assert not v.problems, "\n".join(v.problems)


def test_no_cdn_in_what_is_served():
    """No page or deck names a script or stylesheet on another host."""
    if not (SITE / "index.html").exists():
        pytest.fail(NOT_BUILT)
    outside = []
    for page in SITE.rglob("*.html"):
        if "_static" in page.relative_to(SITE).parts:
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", text):
            if re.search(r"""(?:src|href)=["'](?:https?:)?//""", tag) and "canonical" not in tag:
                outside.append(f"{page.relative_to(SITE)}: {tag}")
    assert not outside, "\n".join(outside[:20])


def test_a_deck_prints_one_page_per_slide(visit):
    """reveal's print-pdf mode, as the instructor's guide describes it (first deck)."""
    notebooks = assets.chapter_notebooks()
    if not notebooks:
        pytest.skip("no chapter notebook exists yet")
    nb = nbformat.read(notebooks[0], as_version=4)
    deck = f"{assets.DECKS_DIR}/{assets.deck_name(notebooks[0])}"
    v = visit(width=1100, height=760)
    v.page.goto(f"{v.server}{deck}?print-pdf", wait_until="load")
    v.page.wait_for_selector("body[data-deck-ready=true]", timeout=20000)
    v.page.wait_for_selector(".reveal .pdf-page", state="attached", timeout=20000)
    assert v.page.evaluate("() => document.documentElement.classList.contains('print-pdf')")
    pages = v.page.locator(".reveal .pdf-page").count()
    assert pages >= assets.expected_slide_count(nb)
    pdf = v.page.pdf(width="1100px", height="760px", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (SHOTS / (Path(deck).stem + ".pdf")).write_bytes(pdf)
    assert not v.problems, "\n".join(v.problems)


def test_speaker_view_shows_the_notes(visit):
    """Press S (reveal's notes plugin): a second window shows the current slide's notes."""
    with_notes = [
        p
        for p in assets.chapter_notebooks()
        if "notes" in assets.slide_types(nbformat.read(p, as_version=4))
    ]
    if not with_notes:
        pytest.skip("no chapter notebook has speaker notes yet")
    deck = f"{assets.DECKS_DIR}/{assets.deck_name(with_notes[0])}"
    v = visit(width=1280, height=800)
    v.open(deck)
    v.page.wait_for_selector("body[data-deck-ready=true]", timeout=20000)
    where, note = v.page.evaluate(
        """() => { const a = document.querySelector('.reveal aside.notes');
                   const i = window.courseDeck.getIndices(a.closest('section'));
                   return [[i.h, i.v || 0], a.innerText.trim().slice(0, 40)]; }"""
    )
    with v.context.expect_page() as popup:
        v.page.keyboard.press("s")
    speaker = popup.value
    speaker.wait_for_load_state("load")
    v.page.evaluate(f"() => window.courseDeck.slide({where[0]}, {where[1]})")
    notes = speaker.locator(".speaker-controls-notes")
    notes.wait_for(timeout=15000)
    speaker.wait_for_function(
        "t => document.querySelector('.speaker-controls-notes').innerText.includes(t)",
        arg=note.split("\n")[0][:30],
        timeout=15000,
    )
    speaker.set_viewport_size({"width": 1280, "height": 800})
    speaker.screenshot(path=_shot_name(deck.replace(".slides", ".speaker-view.slides")))
    assert not v.problems, "\n".join(v.problems)
