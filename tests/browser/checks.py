"""What every page of a journey must pass (JIS X 8341-3 / WCAG 2.1 AA, as far as a machine can tell),
and the screenshots a person looks at afterwards."""

import re
from collections import defaultdict
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from tests.conftest import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE_REPORT = ROOT / "test-output" / "axe-report.txt"
# The PostgreSQL pass of ./scripts/test opens the same pages, at the same time as the SQLite pass: only the
# SQLite pass writes test-output/ (full-page screenshots are also a fifth of the every-page test's time).
WRITES_TEST_OUTPUT = TEST_DATABASE_URL is None
BLOCKING_IMPACTS = {"serious", "critical"}
AXE_OPTIONS = {"resultTypes": ["violations"],
               "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}

_axe = Axe()
# (rule id, impact, help) -> pages where axe reported it; printed at the end of the run.
_remaining: dict[tuple[str, str, str], set[str]] = defaultdict(set)
_checked_pages: set[str] = set()


def axe_violations(page) -> list[dict]:
    return _axe.run(page, options=AXE_OPTIONS).response["violations"]


def assert_no_serious_axe_violations(page, where: str) -> None:
    violations = axe_violations(page)
    _checked_pages.add(where)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    for v in violations:
        if v["impact"] not in BLOCKING_IMPACTS:
            _remaining[(v["id"], v["impact"], v["help"])].add(where)
    assert not blocking, f"axe on {where} ({page.url}):\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(
            f"{', '.join(map(str, n['target']))}: {n['html'][:160]}" for n in v["nodes"][:5])
        for v in blocking)


def assert_lang_and_title(page, locale: str, title_contains: str | None = None) -> None:
    assert page.locator("html").get_attribute("lang") == locale, f"lang on {page.url}"
    title = page.title()
    assert title and "<" not in title and "\n" not in title.strip(), f"title of {page.url}: {title!r}"
    if title_contains:
        assert title_contains in title, f"title of {page.url}: {title!r} lacks {title_contains!r}"


# Horizontal overflow of the page itself (not of an element that scrolls on its own, like a wide table).
_PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"

# Text cut off: an element that hides its overflow while its content is bigger than its box.
_CLIPPED_TEXT = """() => {
  const cut = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, .skip-link, [hidden]')) continue;
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') continue;
    const hidesX = ['hidden', 'clip'].includes(s.overflowX), hidesY = ['hidden', 'clip'].includes(s.overflowY);
    if ((hidesX && el.scrollWidth > el.clientWidth + 1) || (hidesY && el.scrollHeight > el.clientHeight + 1)
        || (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1)) {
      cut.push(el.outerHTML.slice(0, 120));
    }
  }
  return cut;
}"""


def assert_reflows_at_375px(page, where: str) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 740})
    try:
        assert not page.evaluate(_PAGE_SCROLLS_SIDEWAYS), (
            f"{where}: the page scrolls sideways at 375px; widest: {_widest(page)}")
    finally:
        page.set_viewport_size(size)


def assert_text_resizes_to_200_percent(page, where: str) -> None:
    """Browser text zoom: the root font size doubles (everything is sized in rem/em), nothing is cut off
    and the page still fits its width."""
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    try:
        assert not page.evaluate(_PAGE_SCROLLS_SIDEWAYS), (
            f"{where}: at 200% text the page scrolls sideways; widest: {_widest(page)}")
        assert page.evaluate(_CLIPPED_TEXT) == [], f"{where}: text cut off at 200%"
    finally:
        page.evaluate("() => { document.documentElement.style.fontSize = ''; }")


def _widest(page) -> list[str]:
    return page.evaluate("""() => [...document.body.querySelectorAll('*')]
      .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(-5).map(el => el.outerHTML.slice(0, 140))""")


def screenshot(page, journey: str, step: str) -> None:
    if not WRITES_TEST_OUTPUT:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9-]+", "-", f"{journey}-{step}".lower()).strip("-")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def print_summary(terminalreporter) -> None:
    if not _checked_pages:
        return
    lines = [f"axe-core on {len(_checked_pages)} page visits: no serious or critical violations allowed; "
             + ("none below that remain either." if not _remaining else "these minor/moderate ones remain:")]
    for (rule, impact, help_text), pages in sorted(_remaining.items()):
        lines.append(f"  {rule} ({impact}): {help_text} — {len(pages)} page(s): {', '.join(sorted(pages)[:6])}"
                     + (" …" if len(pages) > 6 else ""))
    if WRITES_TEST_OUTPUT:
        AXE_REPORT.parent.mkdir(parents=True, exist_ok=True)
        AXE_REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    terminalreporter.section("accessibility (axe-core)")
    for line in lines:
        terminalreporter.write_line(line)
