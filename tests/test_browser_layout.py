"""Pages that fit the screen, measured in headless Chromium (run by `make browser`).

At 1280 px: no page taller than MAX_HEIGHT, no code or output block that scrolls sideways. At a
390 px phone width: no page wider than the screen. Nowhere: a test marker a reader can see. The
diagrams per page (figures labelled ``diagram-…``) are counted for the whole book. Each page's
numbers go to screenshots/layout.json, so a change can be compared with the last run.
"""

from __future__ import annotations

import json

import pytest
from test_browser import SHOTS, Visit, _need, book_pages, browser, server  # noqa: F401

pytestmark = pytest.mark.browser

MAX_HEIGHT = 12_000  # px at 1280 px wide: about 13 screens
PHONE = 390
MIN_DIAGRAMS = 20
MEASURED: dict[str, dict] = {}

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


def measure(browser, server, page: str, width: int) -> dict:  # noqa: F811
    v = Visit(browser, server, width=width, height=900)
    try:
        v.open(page)
        found = v.page.evaluate(LAYOUT)
        found["width"] = v.page.evaluate("() => document.documentElement.scrollWidth")
    finally:
        v.close()
    return found


@pytest.mark.parametrize("page", book_pages())
def test_page_fits_desktop_and_phone(page, browser, server):  # noqa: F811
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
    problems = []
    if desk["height"] > MAX_HEIGHT:
        problems.append(f"{desk['height']} px tall at 1280 px (limit {MAX_HEIGHT})")
    if desk["scrolling"]:
        problems.append(f"blocks scroll sideways at 1280 px: {desk['scrolling']}")
    if phone["width"] > PHONE:
        problems.append(f"{phone['width']} px wide on a {PHONE} px phone")
    if desk["markers"]:
        problems.append(f"test markers visible: {desk['markers']}")
    assert not problems, f"{page}: " + "; ".join(problems)


def test_the_book_teaches_with_diagrams():
    """Runs after the page tests (same module): at least MIN_DIAGRAMS distinct diagrams."""
    if not MEASURED:
        pytest.fail("no page was measured")
    diagrams = {d for row in MEASURED.values() for d in row["diagrams"]}
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "layout.json").write_text(json.dumps(MEASURED, indent=1, sort_keys=True))
    assert len(diagrams) >= MIN_DIAGRAMS, f"{len(diagrams)} diagrams in the book: {diagrams}"
