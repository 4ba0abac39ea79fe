"""The built book, read in a real browser (Chromium), offline.

Run after the strict book build: ``make browser`` (part of ``make test``).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from book_pages import HTML, PHONE, SCREENSHOTS, chapter_files, source_of, toc_files

import lsbook

PAGES = toc_files()
CHAPTERS = chapter_files()
EXPLORER_CHAPTER = "notebooks/01_overconfidence"


def page_id(file: str) -> str:
    return file.replace("/", "-")


# --- Every page: loads cleanly, offline --------------------------------------


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_page_loads_offline_without_errors(visit, file):
    record = visit(file)
    assert record.page.title(), "the page has no title"
    assert not record.problems(), "\n".join(record.problems())


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_math_is_typeset(visit, file):
    record = visit(file)
    page = record.page
    status = record.mathjax
    report = page.evaluate(
        """() => {
            const math = [...document.querySelectorAll('.math')];
            const untypeset = math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.trim());
            const errors = [...document.querySelectorAll('mjx-merror')].map(e => e.textContent);
            // Text a reader sees, outside code: no TeX delimiters may be left in it.
            const main = document.querySelector('main') || document.body;
            const clone = main.cloneNode(true);
            clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight').forEach(n => n.remove());
            return {count: math.length, containers: document.querySelectorAll('mjx-container').length,
                    untypeset, errors, text: clone.textContent};
        }"""
    )
    if report["count"]:
        assert status == "typeset", f"MathJax did not run: {status}"
        assert report["containers"] >= report["count"]
    assert not report["untypeset"], f"math left as source: {report['untypeset'][:5]}"
    assert not report["errors"], f"MathJax errors: {report['errors'][:5]}"
    for pattern in (r"\\\(", r"\\\[", r"\$\$", r"\$[^$\s][^$]*\$"):
        leftover = re.search(pattern, report["text"])
        assert leftover is None, f"raw TeX in the text: ...{report['text'][max(leftover.start() - 40, 0) :][:100]}..."


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_images_load_and_have_alt_text(visit, file):
    page = visit(file).page
    images = page.evaluate(
        """async () => {
            const imgs = [...document.querySelectorAll('img')];
            await Promise.all(imgs.map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }));
            return imgs.map(i => ({src: i.getAttribute('src'), width: i.naturalWidth, alt: i.getAttribute('alt')}));
        }"""
    )
    broken = [i["src"] for i in images if not i["width"]]
    unlabelled = [i["src"] for i in images if not (i["alt"] or "").strip()]
    assert not broken, f"images that did not load: {broken}"
    assert not unlabelled, f"images without alt text: {unlabelled}"


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_phone_has_no_horizontal_scrolling(visit, file):
    page = visit(file, viewport=PHONE).page
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    if widths["scroll"] > widths["client"]:
        # The elements that stick out past the screen edge, not counting those inside a scrolling box.
        culprits = page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                const scrolls = e => { for (let a = e.parentElement; a; a = a.parentElement)
                    if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
                return [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > width + 1 && !scrolls(e))
                    .slice(0, 5).map(e => `${e.tagName}.${e.className} "${e.textContent.trim().slice(0, 50)}"`);
            }"""
        )
        pytest.fail(f"page is {widths['scroll']}px wide on a {widths['client']}px phone; widest: {culprits}")


def test_landing_page_links_every_chapter(visit):
    """The learning path on the landing page links each chapter of the book, in order."""
    page = visit(PAGES[0]).page
    paths = page.evaluate(
        "() => [...document.querySelectorAll('ol.learning-path p.learning-path-link a')]"
        ".map(a => new URL(a.href).pathname)"
    )
    linked = [path.removeprefix("/").removesuffix(".html") for path in paths]
    assert linked == CHAPTERS, f"the learning path links {linked}, the book's chapters are {CHAPTERS}"
    items = page.locator("ol.learning-path > li").count()
    assert items >= len(CHAPTERS), "the learning path describes fewer chapters than the book has"


# --- Exercises and solutions -------------------------------------------------


def pages_with(selector: str) -> list[str]:
    """Toc pages whose built HTML has an element of a CSS class (a text search for the exact class name)."""
    pattern = re.compile(rf'class="(?:[^"]*\s)?{re.escape(selector)}(?:\s[^"]*)?"')
    found = []
    for file in PAGES:
        html = HTML / f"{file}.html"
        if html.is_file() and pattern.search(html.read_text(encoding="utf-8")):
            found.append(file)
    return found


SOLUTION_PAGES = sorted(set(pages_with("solution")) | set(CHAPTERS))


@pytest.mark.skipif(not SOLUTION_PAGES, reason="no chapter in _toc.yml yet, and no other page has a solution")
@pytest.mark.parametrize("file", SOLUTION_PAGES or ["none"], ids=page_id)
def test_solutions_are_hidden_until_clicked(visit, file):
    """Every chapter ends with exercises whose solutions open only on a click."""
    page = visit(file, fresh=True).page
    solutions = page.locator("div.solution")
    assert solutions.count() > 0, "the page has no solutions (every chapter ends with exercises)"
    for index in range(solutions.count()):
        solution = solutions.nth(index)
        title = solution.locator(":scope > .admonition-title").inner_text().strip()
        assert solution.evaluate("s => s.textContent.length > s.firstElementChild.textContent.length + 20"), (
            f"solution {title!r} is empty"
        )
        body = solution.locator(":scope > :not(.admonition-title)")
        assert not any(body.nth(i).is_visible() for i in range(body.count())), f"{title!r} is open before a click"
        # The toggle button, as a reader clicks it (the title itself holds a link to the exercise).
        solution.locator("button.toggle-button").click()
        body.first.wait_for(state="visible", timeout=5000)
        assert body.first.is_visible(), f"{title!r} does not open on a click"


def test_workbook_lists_every_exercise(visit):
    """The exercise list links to every exercise of every page, with its number."""
    expected = {}
    for file in PAGES:
        html = (HTML / f"{file}.html").read_text(encoding="utf-8")
        for label in re.findall(r'<div class="exercise[^"]*admonition[^"]*" id="([^"]+)"', html):
            expected[label] = file
    page = visit("book/exercises").page
    links = page.evaluate(
        """() => [...document.querySelectorAll('ul.exercise-list a')]
                .map(a => ({href: a.getAttribute('href'), text: a.textContent.trim()}))"""
    )
    listed = {link["href"].split("#")[-1]: link for link in links}
    assert set(listed) == set(expected), f"missing: {set(expected) - set(listed)}; extra: {set(listed) - set(expected)}"
    for label, link in listed.items():
        assert link["href"].split("#")[0].endswith(expected[label].split("/")[-1] + ".html")
        assert re.match(r"Exercise \d+\.\d+", link["text"]), link["text"]


# --- Every notebook page offers its .ipynb --------------------------------------

NOTEBOOK_PAGES = [f for f in PAGES if (s := source_of(f)) is not None and s.suffix == ".ipynb"]


@pytest.mark.skipif(not NOTEBOOK_PAGES, reason="no notebook in _toc.yml yet")
@pytest.mark.parametrize("file", NOTEBOOK_PAGES or ["none"], ids=page_id)
def test_notebook_page_offers_its_ipynb(visit, base_url, file):
    page = visit(file).page
    href = page.evaluate(
        """() => { const a = [...document.querySelectorAll('.dropdown-download-buttons a, a.btn')]
                     .find(a => (a.getAttribute('href') || '').endsWith('.ipynb'));
                   return a ? a.href : null; }"""
    )
    assert href, "no .ipynb download link on the page"
    response = page.request.get(href)
    assert response.ok, f"{href}: HTTP {response.status}"
    offered = json.loads(response.text())
    original = json.loads(source_of(file).read_text(encoding="utf-8"))
    assert offered["cells"] == original["cells"], "the offered notebook is not the source notebook"


# --- The interactive logit explorer (chapter 1) -------------------------------

EXPLORER_PAGES = pages_with("lsbook-explorer")
WEATHER = {"logits": np.log([0.1, 0.2, 0.6, 0.1]), "target": 2, "eps": 0.1}


def lsbook_state(logits, target, eps) -> dict[str, str]:
    """What the explorer must show, from lsbook, formatted as the page formats it."""
    z = np.asarray(logits, dtype=float)[None, :]
    shown = {
        "loss": float(lsbook.cross_entropy(z, [target], label_smoothing=eps)),
        "loss-hard": float(lsbook.cross_entropy(z, [target])),
    }
    p = lsbook.softmax(z)[0]
    q = lsbook.smooth_labels([target], z.shape[1], eps)[0]
    grad = lsbook.cross_entropy_grad(z, [target], label_smoothing=eps)[0]
    for k in range(z.shape[1]):
        shown.update({f"p-{k}": p[k], f"q-{k}": q[k], f"grad-{k}": grad[k]})
    return {key: f"{float(value):.4f}".replace("-0.0000", "0.0000") for key, value in shown.items()}


def assert_same(shown: dict[str, str], expected: dict[str, str], where: str) -> None:
    wrong = {key: f"page {shown[key]}, lsbook {expected[key]}" for key in expected if shown.get(key) != expected[key]}
    assert not wrong, f"the explorer disagrees with lsbook {where}: {wrong}"


def read_outputs(explorer, keys) -> dict[str, str]:
    shown = {}
    for key in keys:
        text = explorer.locator(f'[data-output="{key}"]').inner_text().strip().replace("\u2212", "-")
        assert re.fullmatch(r"-?\d+\.\d{4}", text), f"output {key} shows {text!r}, not a number with 4 decimals"
        shown[key] = text.replace("-0.0000", "0.0000")
    return shown


def set_param(explorer, name: str, value: float) -> float:
    """Set a slider as a reader would (value, then an input event); return the value it holds."""
    return explorer.locator(f'input[data-param="{name}"]').evaluate(
        """(input, value) => { input.value = String(value);
                              input.dispatchEvent(new Event('input', {bubbles: true}));
                              return parseFloat(input.value); }""",
        value,
    )


def test_explorer_exists_once_chapter_1_is_in_the_book():
    if EXPLORER_CHAPTER not in PAGES:
        pytest.skip(f"{EXPLORER_CHAPTER} is not in _toc.yml yet, so there is no logit explorer to test")
    assert EXPLORER_PAGES, f"{EXPLORER_CHAPTER} is in the book but no page has a .lsbook-explorer"


@pytest.mark.skipif(
    not EXPLORER_PAGES,
    reason="no page in _toc.yml has a .lsbook-explorer (test_explorer_exists_... says if one should)",
)
@pytest.mark.parametrize("file", EXPLORER_PAGES or ["none"], ids=page_id)
def test_explorer_matches_lsbook(visit, file):
    record = visit(file, fresh=True)
    explorer = record.page.locator(".lsbook-explorer").first
    explorer.scroll_into_view_if_needed()
    num_classes = explorer.locator('input[data-param^="z"]').count()
    assert num_classes == len(WEATHER["logits"])
    keys = ["loss", "loss-hard"] + [f"{kind}-{k}" for kind in ("p", "q", "grad") for k in range(num_classes)]

    # The initial state is the weather example.
    initial = read_outputs(explorer, keys)
    assert_same(initial, lsbook_state(**WEATHER), "in the initial (weather) state")

    # Move every slider; the outputs follow, and agree with lsbook for the values the sliders hold.
    settings = [([1.5, -0.5, 0.25, 2.0], 0.3), ([0.0, 0.0, 3.0, -1.0], 0.0), ([-2.0, 1.0, 0.5, 0.5], 0.05)]
    for logits, eps in settings:
        held = [set_param(explorer, f"z{k}", v) for k, v in enumerate(logits)]
        held_eps = set_param(explorer, "eps", eps)
        shown = read_outputs(explorer, keys)
        assert shown != initial, "the explorer did not respond to input"
        assert_same(shown, lsbook_state(held, WEATHER["target"], held_eps), f"at logits {held}, eps {held_eps}")
    assert not record.problems(), "\n".join(record.problems())


EXPLORER_STATE = """explorer => ({
    names: [...explorer.querySelectorAll('input[type="range"]')].map(i => i.labels[0].innerText.split('\\n')[0].trim()),
    valuetexts: Object.fromEntries([...explorer.querySelectorAll('input[type="range"]')]
        .map(i => [i.dataset.param, [i.getAttribute('aria-valuetext'), i.value]])),
    signs: [...explorer.querySelectorAll('[data-output^="grad-"]')].map(c => [c.textContent,
        c.classList.contains('lsx-neg'), c.classList.contains('lsx-pos'), getComputedStyle(c).color]),
    points: [...explorer.querySelectorAll('svg[data-curve] [data-point]')].map(p => [p.closest('svg').dataset.curve,
        Number(p.getAttribute('cx')), Number(p.getAttribute('cy'))]),
    curves: [...explorer.querySelectorAll('svg[data-curve] path.lsx-curve')].length,
    outputs: Object.fromEntries([...explorer.querySelectorAll('[data-output]')]
        .map(o => [o.dataset.output, o.textContent])),
})"""


@pytest.mark.skipif(not EXPLORER_PAGES, reason="no page in _toc.yml has a .lsbook-explorer")
@pytest.mark.parametrize("file", EXPLORER_PAGES or ["none"], ids=page_id)
def test_explorer_speaks_the_books_language(visit, file):
    """Sliders named z₀... and ε, values announced rounded, the gradient's sign in colour, plots that follow."""
    record = visit(file, fresh=True)
    explorer = record.page.locator(".lsbook-explorer").first
    explorer.scroll_into_view_if_needed()
    state = explorer.evaluate(EXPLORER_STATE)
    num_classes = len(WEATHER["logits"])
    subscripts = "₀₁₂₃₄₅₆₇₈₉"
    assert [name.split()[0] for name in state["names"]] == [f"z{subscripts[k]}" for k in range(num_classes)] + ["ε"]
    assert state["valuetexts"]["z2"][0] == "1.79" and state["valuetexts"]["eps"][0] == "0.10"
    assert state["curves"] == 2 and sorted(kind for kind, _, _ in state["points"]) == ["hard", "smoothed"]

    # Move the true class's logit: its slider announces the rounded value, the points move along x.
    set_param(explorer, "z2", 4.56789)
    moved = explorer.evaluate(EXPLORER_STATE)
    assert moved["valuetexts"]["z2"][0] == "4.57", moved["valuetexts"]["z2"]
    for (kind, x0, _), (_, x1, _) in zip(state["points"], moved["points"], strict=True):
        assert x1 > x0, f"the {kind} plot's point did not follow the logit"
    # ... and with eps > 0 the smoothed loss there is above its minimum: the two points differ in height.
    hard_y, smoothed_y = (y for _, _, y in sorted(moved["points"]))
    assert hard_y != smoothed_y

    # The gradient's sign as a colour: negative and positive cells differ, zero has none.
    colours = {}
    for text, negative, positive, colour in moved["signs"]:
        value = float(text)
        assert negative == (value < 0) and positive == (value > 0), (text, negative, positive)
        colours.setdefault("negative" if value < 0 else "positive" if value > 0 else "zero", set()).add(colour)
    assert len(colours["negative"] | colours["positive"]) == 2, colours

    # Reset brings back the starting state.
    explorer.locator('[data-action="reset"]').click()
    assert explorer.evaluate(EXPLORER_STATE)["outputs"] == state["outputs"]
    assert not record.problems(), "\n".join(record.problems())


@pytest.mark.skipif(not EXPLORER_PAGES, reason="no page in _toc.yml has a .lsbook-explorer")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("file", EXPLORER_PAGES or ["none"], ids=page_id)
def test_explorer_fits_fingers_and_the_theme(visit, file, scheme):
    """Slider targets a finger can hit, legends at the size of the text, and no light slab on the dark theme."""
    page = visit(file, color_scheme=scheme).page
    look = page.locator(".lsbook-explorer").first.evaluate(
        """explorer => {
            const background = element => {  // the first opaque background at or above the element
                for (let e = element; e; e = e.parentElement) {
                    const colour = getComputedStyle(e).backgroundColor;
                    if (colour !== 'transparent' && !colour.endsWith(', 0)')) return colour;
                }
                return 'rgb(255, 255, 255)';
            };
            const paragraph = document.querySelector('article p');
            return {
                sliders: [...explorer.querySelectorAll('input[type="range"]')]
                    .map(i => i.getBoundingClientRect().height),
                button: explorer.querySelector('[data-action="reset"]').getBoundingClientRect().height,
                legends: [...explorer.querySelectorAll('legend')].map(l => getComputedStyle(l).fontSize),
                body: getComputedStyle(paragraph).fontSize,
                background: background(explorer.parentElement),
                text: getComputedStyle(explorer).color,
            };
        }"""
    )
    assert min(look["sliders"]) >= 44, f"slider targets {look['sliders']} px tall, a finger needs 44"
    assert look["button"] >= 44, f"the reset button is {look['button']} px tall"
    assert set(look["legends"]) == {look["body"]}, f"legends at {look['legends']}, text at {look['body']}"
    luminance = relative_luminance(look["background"])
    if scheme == "dark":
        assert luminance < 0.1, f"the explorer sits on {look['background']} on the dark theme"
        assert relative_luminance(look["text"]) > 0.5, f"dark text {look['text']} on the dark theme"
    else:
        assert luminance > 0.8, f"the explorer sits on {look['background']} on the light theme"


def relative_luminance(css_colour: str) -> float:
    """WCAG relative luminance of an rgb()/rgba() colour."""
    red, green, blue = (int(v) / 255 for v in re.findall(r"[\d.]+", css_colour)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# --- Screenshots for a person to look at --------------------------------------


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_screenshots(visit, file):
    """Desktop (light and dark, full page) and phone views of every page of the book."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = page_id(file)
    views = [("light", {}, True), ("dark", {"color_scheme": "dark"}, True), ("phone", {"viewport": PHONE}, False)]
    # The shared pages may have been scrolled by other tests: start from the top.
    for view, options, full_page in views:
        page = visit(file, **options).page
        page.evaluate("() => window.scrollTo(0, 0)")
        path = SCREENSHOTS / f"{name}-{view}.png"
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 10_000, f"{path} looks empty"
