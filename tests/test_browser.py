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
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import decks as deck_sources
import lecture as lec
import pdf as deck_pdf
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

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
    skip = {"_static", "_sources", "_images", deck_sources.DECKS_DIR}
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not set(p.relative_to(SITE).parts[:1]) & skip
    )


def notebook_pages() -> list[str]:
    """Book pages whose source is a chapter notebook (they carry launch buttons)."""
    return [
        p.relative_to(ROOT).with_suffix("").as_posix() for p in deck_sources.chapter_notebooks()
    ] or ["<no notebook yet>"]


def decks() -> list[str]:
    """The notebook of every chapter with a lecture source (slides/lectures/<stem>.md)."""
    return [nb.relative_to(ROOT).as_posix() for nb, _ in deck_sources.lectures()] or [
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


# ------------------------------------------------------------------ the decks
# Every slide of a deck, measured at the decks' own 1100 x 760 frame: how far its content reaches
# past the frame, its speaker notes, its longest code block and its smallest text.
FRAME = {"width": 1100, "height": 760}
MIN_TEXT_PX = 20
MEASURE_SLIDES = """() => {
  const R = window.courseDeck;
  R.configure({transition: 'none'});
  const W = R.getConfig().width, H = R.getConfig().height;
  const leaves = [...document.querySelectorAll('.reveal .slides section')]
      .filter(s => !s.querySelector('section'));
  return leaves.map(s => {
    const i = R.getIndices(s);
    R.slide(i.h, i.v || 0);
    const notes = s.querySelector('aside.notes');
    const text = [...s.querySelectorAll('p, li, td, th, pre, blockquote')]
        .filter(e => !e.closest('aside') && e.innerText.trim());
    const pre = [...s.querySelectorAll('pre')];
    return {
      slide: [i.h, i.v || 0],
      height: s.scrollHeight, width: s.scrollWidth, frame: [W, H],
      notes: notes ? notes.innerText.trim().length : 0,
      codeLines: Math.max(0, ...pre.map(p => p.innerText.replace(/\\n$/, '').split('\\n').length)),
      minFont: Math.min(99, ...text.map(e => parseFloat(getComputedStyle(e).fontSize))),
    };
  });
}"""


def _lecture_of(notebook: str) -> lec.Lecture:
    return lec.parse(deck_sources.lecture_source(ROOT / notebook))


def _deck_path(notebook: str) -> str:
    return f"{deck_sources.DECKS_DIR}/{deck_sources.deck_name(ROOT / notebook)}"


def _open_deck(visit, notebook: str) -> Visit:
    deck = _deck_path(notebook)
    assert (SITE / deck).exists(), f"{deck} missing: run `make slides`"
    v = visit(**FRAME)
    v.open(deck)
    v.page.wait_for_selector("body[data-deck-ready=true]", timeout=20000)
    return v


def _show(doc, where) -> None:
    doc.evaluate(f"() => window.courseDeck.slide({where[0]}, {where[1]})")
    doc.wait_for_timeout(150)


@pytest.mark.parametrize("notebook", decks())
def test_deck_fits_the_frame_with_notes_and_readable_text(notebook, visit):
    """No slide taller or wider than 1100 x 760, notes on every slide, code <= 12 lines,
    text >= 20 px, formulas typeset, no test marker; screenshots of the title, the first figure
    and the first code slide."""
    _need(notebook)
    v = _open_deck(visit, notebook)
    doc, deck = v.page, _deck_path(notebook)
    assert doc.evaluate("() => window.courseDeck.hasPlugin('notes')"), "no speaker view (S)"
    total = doc.evaluate("() => window.courseDeck.getTotalSlides()")
    assert total == len(_lecture_of(notebook).slides)
    slides = doc.evaluate(MEASURE_SLIDES)
    assert len(slides) == total
    overflowing = [s for s in slides if s["height"] > s["frame"][1] or s["width"] > s["frame"][0]]
    assert not overflowing, f"{deck}: slides larger than the frame: {overflowing}"
    without_notes = [s["slide"] for s in slides if not s["notes"]]
    assert not without_notes, f"{deck}: slides without speaker notes: {without_notes}"
    long_code = [s["slide"] for s in slides if s["codeLines"] > lec.MAX_CODE_LINES]
    assert not long_code, f"{deck}: code blocks over {lec.MAX_CODE_LINES} lines: {long_code}"
    small = [(s["slide"], s["minFont"]) for s in slides if s["minFont"] < MIN_TEXT_PX]
    assert not small, f"{deck}: text under {MIN_TEXT_PX} px: {small}"
    text = doc.evaluate("() => document.querySelector('.reveal .slides').innerText")
    assert "NBVAL" not in text.upper(), f"{deck}: a test marker is on a slide"
    assert doc.locator("mjx-merror").count() == 0, f"{deck}: MathJax reports a TeX error"
    raw = doc.evaluate(VISIBLE_TEXT)
    assert "$$" not in raw and "\\[" not in raw and "\\(" not in raw, f"{deck}: raw TeX left"
    firsts = {
        "title": [0, 0],
        "figure": doc.evaluate(_FIRST.replace("SELECTOR", "figure.deck-figure img")),
        "code": doc.evaluate(_FIRST.replace("SELECTOR", "pre:not(.deck-output)"))
        or doc.evaluate(_FIRST.replace("SELECTOR", "pre")),
    }
    for name, where in firsts.items():
        if where is None:
            continue
        _show(doc, where)
        if name == "figure":
            img = doc.locator(".reveal .slides section.present figure.deck-figure img").first
            box = img.bounding_box()
            assert box and box["height"] > 100, f"{deck}: the figure at {where} is not shown"
        doc.screenshot(path=_shot_name(deck.replace(".slides", f".{name}.slides")))
    assert not v.problems, "\n".join(v.problems)


_FIRST = """() => {
  const e = document.querySelector('.reveal .slides section SELECTOR');
  if (!e) return null;
  const i = window.courseDeck.getIndices(e.closest('section'));
  return [i.h, i.v || 0];
}"""


def test_slides_index_lists_every_deck_and_the_book_links_it():
    if not (SITE / "index.html").exists():
        pytest.fail(NOT_BUILT)
    index = SITE / deck_sources.INDEX
    assert index.exists(), f"{index} missing: run `make slides`"
    text = index.read_text(encoding="utf-8")
    for notebook in decks():
        _need(notebook)
        lecture = _lecture_of(notebook)
        name = deck_sources.deck_name(ROOT / notebook)
        assert f'href="{name}"' in text, f"the index does not link {name}"
        shown = html.unescape(text)
        assert f"{lecture.minutes} min" in shown and lecture.objectives[0] in shown
    page = SITE / "chapters" / "practice" / "slides.html"
    linked = {urljoin("chapters/practice/slides.html", u) for u in _parse(page).urls}
    assert deck_sources.INDEX in linked, "the lecture-decks page does not link the deck index"
    assert {_deck_path(nb) for nb in decks()} <= linked


def test_a_deck_prints_one_pdf_page_per_slide(browser, server):
    """``make slides-pdf`` prints as this does (slides/pdf.py); one deck keeps the stage fast."""
    notebook = decks()[0]
    _need(notebook)
    page = deck_pdf.offline_page(browser, server)
    try:
        pdf = deck_pdf.print_deck(page, server, _deck_path(notebook))
    finally:
        page.close()
    assert pdf.startswith(b"%PDF")
    assert deck_pdf.page_count(pdf) == len(_lecture_of(notebook).slides)
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / (Path(notebook).stem + ".pdf")).write_bytes(pdf)


def test_speaker_view_shows_the_notes(visit):
    """Press S (reveal's notes plugin): a second window shows the current slide's notes."""
    notebook = decks()[0]
    _need(notebook)
    v = _open_deck(visit, notebook)
    where = [2, 0]
    note = _lecture_of(notebook).slides[2].notes
    with v.context.expect_page() as popup:
        v.page.keyboard.press("s")
    speaker = popup.value
    speaker.wait_for_load_state("load")
    _show(v.page, where)
    speaker.locator(".speaker-controls-notes").wait_for(timeout=15000)
    words = re.sub(r"\[\d+ min\]\s*", "", note).split()[:4]
    speaker.wait_for_function(
        "t => document.querySelector('.speaker-controls-notes').innerText.includes(t)",
        arg=" ".join(words),
        timeout=15000,
    )
    speaker.set_viewport_size({"width": 1280, "height": 800})
    speaker.screenshot(path=_shot_name(_deck_path(notebook).replace(".slides", ".speaker.slides")))
    assert not v.problems, "\n".join(v.problems)


# ------------------------------------------------------------------ pages that fit the screen
# At 1280 px: no page taller than MAX_HEIGHT, no code or output block a reader sees that scrolls
# sideways. At a 390 px phone width: no page wider than the screen. Nowhere: a visible test
# marker. The diagrams per page (figures labelled ``diagram-…``) are counted for the whole book
# and each page's numbers go to screenshots/layout.json. (Kept in this module: its browser and
# server fixtures are session-wide, and Playwright's sync API allows one of each.)
MAX_HEIGHT = 12_000  # px at 1280 px wide: about 13 screens
PHONE = 390
MIN_DIAGRAMS = 20
MEASURED: dict[str, dict] = {}
# Pages that still break a layout rule, and which rule: a ratchet, not a skip. A listed problem
# must still be there (fixing it fails the test until the entry is removed) and an unlisted one
# fails at once.
LAYOUT_DEBT: dict[str, set[str]] = {}

LAYOUT = """() => {
  // Blocks a reader sees: not inside a closed dropdown or a hidden cell.
  const blocks = [...document.querySelectorAll('article pre')]
      .filter(b => b.getClientRects().length > 0 && b.innerText.trim() !== '');
  const wide = blocks.filter(b => b.scrollWidth > b.clientWidth + 1);
  const diagrams = [...document.querySelectorAll('figure[id^="diagram-"], [id^="diagram-"]')]
      .map(e => e.id);
  const body = document.body.cloneNode(true);
  body.querySelectorAll('script, style').forEach(e => e.remove());
  return {
    height: document.documentElement.scrollHeight,
    blocks: blocks.length,
    scrolling: wide.map(b => b.innerText.split('\\n')[0].slice(0, 60)),
    diagrams: [...new Set(diagrams)],
    markers: (body.innerText.match(/NBVAL_[A-Z_]+/g) || []),
  };
}"""


def measure(browser, server, page: str, width: int) -> dict:
    v = Visit(browser, server, width=width, height=900)
    try:
        v.open(page)
        found = v.page.evaluate(LAYOUT)
        found["width"] = v.page.evaluate("() => document.documentElement.scrollWidth")
    finally:
        v.close()
    return found


@pytest.mark.parametrize("page", book_pages())
def test_page_fits_desktop_and_phone(page, browser, server):
    _need(page)
    desk = measure(browser, server, page, 1280)
    phone = measure(browser, server, page, PHONE)
    MEASURED[page] = {
        "height_1280": desk["height"],
        "code_blocks": desk["blocks"],
        "scrolling_at_1280": len(desk["scrolling"]),
        "width_at_390": phone["width"],
        "diagrams": desk["diagrams"],
    }
    problems = {}
    if desk["height"] > MAX_HEIGHT:
        problems["tall"] = f"{desk['height']} px tall at 1280 px (limit {MAX_HEIGHT})"
    if desk["scrolling"]:
        problems["scroll"] = f"blocks scroll sideways at 1280 px: {desk['scrolling']}"
    if phone["width"] > PHONE:
        problems["wide"] = f"{phone['width']} px wide on a {PHONE} px phone"
    if desk["markers"]:
        problems["markers"] = f"test markers visible: {desk['markers']}"
    owed = LAYOUT_DEBT.get(page, set())
    new = {k: v for k, v in problems.items() if k not in owed}
    assert not new, f"{page}: " + "; ".join(new.values())
    fixed = owed - set(problems)
    assert not fixed, f"{page}: {sorted(fixed)} fixed: remove it from LAYOUT_DEBT"


def test_the_book_teaches_with_diagrams():
    """Runs after the page tests (same module): at least MIN_DIAGRAMS distinct diagrams."""
    if not MEASURED:
        pytest.fail("no page was measured")
    diagrams = {d for row in MEASURED.values() for d in row["diagrams"]}
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "layout.json").write_text(json.dumps(MEASURED, indent=1, sort_keys=True))
    assert len(diagrams) >= MIN_DIAGRAMS, f"{len(diagrams)} diagrams in the book: {diagrams}"
