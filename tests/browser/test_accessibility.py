"""Every page works with assistive technology and stays light enough to load anywhere.

- axe-core (from npm, see ``package.json``) audits each page in the light
  and the dark theme, in the page itself: no critical or serious violation.
- Tab moves between the page's controls, not through its equations.
- Each page, with everything it loads (scripts, styles, fonts, figures,
  MathJax), weighs at most :data:`PAGE_WEIGHT_LIMIT` bytes.
"""

from __future__ import annotations

import pytest
from book_pages import AXE, PHONE, toc_files

PAGES = toc_files()
EXPLORER_CHAPTER = "notebooks/01_overconfidence"

#: The most a page may load, in bytes, everything included (the files are served uncompressed).
PAGE_WEIGHT_LIMIT = 2_000_000

#: axe impacts that fail the test; "moderate" and "minor" ones are reported only.
BLOCKING = ("critical", "serious")


def page_id(file: str) -> str:
    return file.replace("/", "-")


def run_axe(page) -> list[dict]:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run `npm ci --prefix tests/browser` (make browser does)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, count: v.nodes.length,
                where: v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}));
        }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_no_serious_accessibility_violation(visit, measure, file, scheme):
    violations = run_axe(visit(file, color_scheme=scheme).page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    measure(file, f"axe {scheme}", f"{sum(v['count'] for v in blocking)}/{sum(v['count'] for v in violations)}")
    assert not blocking, "\n".join(f"{v['impact']} {v['id']} x{v['count']}: {v['where']}" for v in blocking)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_equations_are_tab_stops_only_to_scroll(visit, measure, file, viewport):
    """Keyboard users tab between links and controls; an equation is a Tab stop only if it must be scrolled."""
    page = visit(file, **({"viewport": viewport} if viewport else {})).page
    stops = page.evaluate(
        """() => [...document.querySelectorAll('mjx-container')].map(m => ({stop: m.tabIndex >= 0,
                scrolls: m.getAttribute('display') === 'true' && m.scrollWidth > m.clientWidth + 1}))"""
    )
    needless = sum(s["stop"] and not s["scrolls"] for s in stops)
    unreachable = sum(s["scrolls"] and not s["stop"] for s in stops)
    if viewport is None:
        measure(file, "math tab stops", sum(s["stop"] for s in stops))
    assert needless == 0, f"{needless} equations that fit their box are in the Tab order"
    assert unreachable == 0, f"{unreachable} equations scroll but cannot be reached with Tab"


def test_tab_moves_between_the_explorers_controls(visit):
    if EXPLORER_CHAPTER not in PAGES:
        pytest.skip(f"{EXPLORER_CHAPTER} is not in _toc.yml yet")
    page = visit(EXPLORER_CHAPTER, fresh=True).page
    controls = page.locator(".lsbook-explorer input, .lsbook-explorer button")
    count = controls.count()
    assert count >= 3, "the explorer has fewer controls than expected"
    controls.first.focus()
    visited = [controls.first.evaluate("e => e.outerHTML.slice(0, 60)")]
    for index in range(1, count):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 60)")
        assert controls.nth(index).evaluate("e => e === document.activeElement"), (
            f"Tab from {visited[-1]!r} went to {focused!r}, not to the explorer's next control"
        )
        visited.append(focused)


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_page_weight(visit, measure, file):
    """Everything the page loads, figures and MathJax fonts included, at most PAGE_WEIGHT_LIMIT bytes."""
    record = visit(file, fresh=True)  # a fresh context: nothing cached
    page = record.page
    page.evaluate(
        """async () => {
            const images = [...document.querySelectorAll('img')];
            await Promise.all(images.map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }));
        }"""
    )
    page.wait_for_load_state("networkidle")
    loads = page.evaluate(
        """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
                 .map(e => ({name: e.name.split('?')[0].split('/').slice(-2).join('/'), bytes: e.decodedBodySize}))"""
    )
    total = sum(load["bytes"] for load in loads)
    measure(file, "page kB", round(total / 1000))
    heaviest = sorted(loads, key=lambda load: -load["bytes"])[:5]
    assert total <= PAGE_WEIGHT_LIMIT, f"the page loads {total:,} bytes; heaviest: " + ", ".join(
        f"{load['name']} {load['bytes']:,}" for load in heaviest
    )
    assert not record.problems(), "\n".join(record.problems())
