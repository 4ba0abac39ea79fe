"""The book as a reader meets it: a page of a book, not of a lab notebook.

Each test here checks one promise the published pages make, page by page,
and records how far each page is from it (printed at the end of the run and
written to ``_build/browser-report.json``):

- the chapters do their checking out of sight: no ``glue(`` or ``assert``
  line in the code a reader sees, no exercise stub's "not attempted", no
  printed verdicts (``... : True``);
- code fits its box at desktop width (hidden plotting code included, once
  opened), so nothing is cut off or needs sideways scrolling;
- display math fits its box at desktop width; on a phone an equation that
  is too wide scrolls, and shows that it does;
- figures show at their own width up to the column, never stretched or
  squashed;
- one search box per page; hint boxes look the same on every page.
"""

from __future__ import annotations

import re

import pytest
from book_pages import PHONE, chapter_files, toc_files

PAGES = toc_files()
CHAPTERS = chapter_files()


def page_id(file: str) -> str:
    return file.replace("/", "-")


# --- Checks out of sight ------------------------------------------------------

# Lines of code and of output that a reader sees without opening anything.
# Closed toggles (hidden plotting code, solutions) are not rendered, so
# checkVisibility() leaves them out.
VISIBLE_LINES = """() => {
    const lines = selector => [...document.querySelectorAll(selector)]
        .filter(element => element.checkVisibility())
        .flatMap(element => element.innerText.split('\\n'));
    return {code: lines('div.cell_input pre'), output: lines('div.cell_output')};
}"""

VERDICT_ENDINGS = (": True", ": False", "\tTrue", "\tFalse", "= True", "= False")


# A list of claims each marked as met or not: "yes  smoothing makes the clusters tighter".
VERDICT_MARK = re.compile(r"^\s*(yes|no|ok|pass|fail)\s{2,}\S", re.IGNORECASE)


def is_verdict(line: str) -> bool:
    """A printed check result: "rows match: True", a lone "True", a table cell saying False, "yes  claim"."""
    line = line.rstrip()
    return line.strip() in {"True", "False"} or line.endswith(VERDICT_ENDINGS) or bool(VERDICT_MARK.match(line))


# What may not be seen, as (the kind of lines it is looked for in, rule).
MACHINERY = {
    "glue(": ("code", lambda line: "glue(" in line),
    "assert": ("code", lambda line: line.lstrip().startswith("assert ")),
    "stub output": ("output", lambda line: "not attempted" in line.lower() or "still a stub" in line.lower()),
    "verdict": ("output", is_verdict),
}


@pytest.mark.parametrize("file", CHAPTERS, ids=page_id)
def test_checks_run_out_of_sight(visit, measure, file):
    """No glue(, assert, stub output or printed verdict where a reader sees it."""
    shown = visit(file).page.evaluate(VISIBLE_LINES)
    found = {name: [line.strip() for line in shown[kind] if rule(line)] for name, (kind, rule) in MACHINERY.items()}
    measure(file, "check lines", sum(len(lines) for lines in found.values()))
    problems = [f"{len(lines)} {name}, e.g. {lines[0][:70]!r}" for name, lines in found.items() if lines]
    assert not problems, "checking machinery on the page: " + "; ".join(problems)


# --- Code and maths fit their boxes ------------------------------------------------------

# Opens the hidden-code toggles, measures every code block, closes them again
# (the page is shared with other tests). Folded solutions are laid out while
# hidden (visibility: hidden), so they are measured as they will open.
CODE_OVERFLOW = """() => {
    const closed = [...document.querySelectorAll('details:not([open])')];
    closed.forEach(d => d.open = true);
    const blocks = [...document.querySelectorAll('article pre')].filter(pre => pre.checkVisibility());
    const wide = blocks.filter(pre => pre.scrollWidth > pre.clientWidth + 1).map(pre => {
        const longest = pre.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
        return `${pre.scrollWidth - pre.clientWidth}px too wide: ${longest.trim().slice(0, 60)}`;
    });
    closed.forEach(d => d.open = false);
    return {total: blocks.length, wide};
}"""


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_code_fits_its_box_on_desktop(visit, measure, file):
    """At 1280 px no code block (input or output, hidden code opened) is wider than its box."""
    report = visit(file).page.evaluate(CODE_OVERFLOW)
    measure(file, "wide code", f"{len(report['wide'])}/{report['total']}")
    assert not report["wide"], f"{len(report['wide'])} of {report['total']} code blocks scroll: {report['wide'][:4]}"


DISPLAY_MATH = """() => [...document.querySelectorAll('mjx-container[display="true"]')].map(m => {
    const style = getComputedStyle(m);
    return {tex: (m.closest('.math') || m).getAttribute('data-tex') || m.textContent.slice(0, 60),
            overflow: m.scrollWidth - m.clientWidth, scrolls: ['auto', 'scroll'].includes(style.overflowX),
            cue: style.backgroundImage !== 'none'};
})"""


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_display_math_fits_on_desktop(visit, measure, file):
    """At 1280 px every displayed equation fits the column (a long one is broken over lines)."""
    record = visit(file)
    wide = [m for m in record.page.evaluate(DISPLAY_MATH) if m["overflow"] > 1]
    measure(file, "wide math", len(wide))
    assert not wide, f"{len(wide)} equations wider than the column: {[m['tex'][:50] for m in wide[:3]]}"


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_wide_math_scrolls_visibly_on_a_phone(visit, measure, file):
    """On a phone an equation too wide for the screen scrolls, with a shadow at the edge that hides more."""
    record = visit(file, viewport=PHONE)
    equations = record.page.evaluate(DISPLAY_MATH)
    wide = [m for m in equations if m["overflow"] > 1]
    measure(file, "phone math", f"{len(wide)}/{len(equations)}")
    unscrollable = [m["tex"][:50] for m in wide if not m["scrolls"]]
    silent = [m["tex"][:50] for m in wide if not m["cue"]]
    assert not unscrollable, f"equations cut off on a phone: {unscrollable[:3]}"
    assert not silent, f"equations that scroll without showing it: {silent[:3]}"


# --- Figures at their own size ------------------------------------------------


FIGURES = """async () => {
    const images = [...document.querySelectorAll('article img')];
    await Promise.all(images.map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }));
    return images.filter(i => i.checkVisibility()).map(i => {
        const box = i.getBoundingClientRect();
        // The display size the page asks for (a retina PNG records half its pixel size), else the pixel size.
        const asked = parseFloat(i.style.width) || parseFloat(i.getAttribute('width')) || i.naturalWidth;
        const column = i.parentElement.getBoundingClientRect().width;
        return {src: i.getAttribute('src').split('/').pop().slice(0, 16), width: box.width, height: box.height,
                asked, column, ratio: i.naturalWidth / i.naturalHeight};
    });
}"""


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_figures_keep_their_size_and_shape(visit, file, viewport):
    """A figure shows at the width it was drawn for, or the column's if that is narrower, and keeps its shape."""
    page = visit(file, **({"viewport": viewport} if viewport else {})).page
    wrong = []
    for image in page.evaluate(FIGURES):
        expected = min(image["asked"], image["column"])
        if abs(image["width"] - expected) > 1.5:
            wrong.append(f"{image['src']}: {image['width']:.0f}px wide, expected {expected:.0f}px")
        if abs(image["width"] / image["height"] - image["ratio"]) > 0.02 * image["ratio"]:
            wrong.append(f"{image['src']}: distorted, {image['width']:.0f}x{image['height']:.0f}")
    assert not wrong, "; ".join(wrong)


# --- One search box, one look for hints ---------------------------------------

SEARCH_BOXES = """() => [...document.querySelectorAll(
        'input[type="search"], .search-button-field, .search-button, form.bd-search')]
    .filter(element => element.checkVisibility() && !element.closest('dialog'))
    .filter((element, _, all) => !all.some(other => other !== element && other.contains(element)))
    .map(element => element.className || element.tagName)"""


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_at_most_one_search_box(visit, measure, file, viewport):
    page = visit(file, **({"viewport": viewport} if viewport else {})).page
    boxes = page.evaluate(SEARCH_BOXES)
    measure(file, "search boxes" + (" (phone)" if viewport else ""), len(boxes))
    assert len(boxes) <= 1, f"{len(boxes)} search boxes on the page: {boxes}"


HINT_LOOK = """() => [...document.querySelectorAll('div.admonition')]
    .filter(box => {
        const title = box.querySelector(':scope > .admonition-title');
        return title && title.textContent.trim().toLowerCase().startsWith('hint');
    })
    .map(box => {
        const title = box.querySelector(':scope > .admonition-title');
        return [getComputedStyle(box).borderLeftColor, getComputedStyle(title).backgroundColor,
                getComputedStyle(title, '::after').color].join(' / ');
    })"""


def test_hint_boxes_look_the_same_everywhere(visit):
    """Every hint, whichever directive wrote it, has the same colours on every page."""
    looks = {}
    for file in PAGES:
        for look in visit(file).page.evaluate(HINT_LOOK):
            looks.setdefault(look, []).append(file)
    if not looks:
        pytest.skip("no page has a hint yet")
    assert len(looks) == 1, "hint boxes in several colours: " + "; ".join(
        f"{look} on {sorted(set(files))}" for look, files in looks.items()
    )


# --- Tables and notation --------------------------------------------------------

# The unbreakable pieces of code in table cells: each word Sphinx sets in a span.pre, or a whole code element.
BROKEN_TABLE_CODE = """() => [...document.querySelectorAll('article td code, article th code')]
    .flatMap(code => code.querySelector('span.pre') ? [...code.querySelectorAll('span.pre')] : [code])
    .filter(word => word.checkVisibility() && word.getClientRects().length > 1)
    .map(word => word.textContent)"""


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_code_in_tables_stays_whole(visit, file, viewport):
    """A name of code in a table cell is never broken inside a word (the table wraps at spaces, or scrolls)."""
    page = visit(file, **({"viewport": viewport} if viewport else {})).page
    broken = page.evaluate(BROKEN_TABLE_CODE)
    assert not broken, f"code broken over lines in a table: {broken[:5]}"


# The TeX of every typeset formula, as MathJax read it.
TEX_SOURCES = """() => window.MathJax && MathJax.startup && MathJax.startup.document
    ? MathJax.startup.document.getMathItemsWithin(document.body).map(item => item.math) : []"""


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_divergences_are_written_with_a_double_bar(visit, file):
    """KL(q || p), never KL(q | p): a "\\|" in a Markdown table cell loses its backslash."""
    tex = visit(file).page.evaluate(TEX_SOURCES)
    single = [t for t in tex if re.search(r"KL\}?\s*\((?:[^()|]|\\\|)*(?<!\\)\|(?!\|)", t)]
    assert not single, f"a divergence written with a single bar: {single[:3]}"


# --- The theme's icons ----------------------------------------------------------

ICONS = """async () => {
    await document.fonts.ready;
    const icons = [...document.querySelectorAll('i[class*="fa-"], span[class*="fa-"]')]
        .filter(icon => icon.checkVisibility());
    return {
        blank: icons.filter(icon => ['none', 'normal', '""'].includes(getComputedStyle(icon, '::before').content))
            .map(icon => icon.className),
        count: icons.length,
        fonts: [...document.fonts].filter(font => font.family.includes('Font Awesome'))
            .map(font => `${font.family} ${font.weight}: ${font.status}`),
    };
}"""


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("file", [PAGES[0], *CHAPTERS[:1]], ids=page_id)
def test_theme_icons_are_drawn(visit, file, viewport):
    """Every icon the theme shows has its glyph, from the cut-down icon font (book/_ext/icon_font.py)."""
    report = visit(file, **({"viewport": viewport} if viewport else {})).page.evaluate(ICONS)
    assert report["count"] > 0, "no icon on the page: the check looks at nothing"
    assert not report["blank"], f"icons without a glyph rule: {report['blank']}"
    assert any(font.endswith("loaded") for font in report["fonts"]), f"the icon font did not load: {report['fonts']}"


# --- Exercises -------------------------------------------------------------------

# The title's own text, without the "Run in your browser" link that sits in it.
EXERCISE_TITLES = """() => [
    ...[...document.querySelectorAll('div.exercise > .admonition-title')].map(t => {
        const title = t.cloneNode(true);
        title.querySelectorAll('.lsbook-run-in-browser').forEach(link => link.remove());
        return title.textContent;
    }),
    ...[...document.querySelectorAll('ul.exercise-list a')].map(a => a.textContent),
].map(text => text.replace(/\\s+/g, ' ').trim())"""


def test_difficulty_marks_follow_every_title(visit):
    """One style: "Exercise 4.1 (Title ★★)" on the chapter pages, "Exercise 4.1: Title ★★" in the workbook."""
    titles = [title for file in PAGES for title in visit(file).page.evaluate(EXERCISE_TITLES)]
    if not titles:
        pytest.skip("no exercise in the book yet")
    wrong = [t for t in titles if not re.fullmatch(r"Exercise \d+\.\d+(?: \(|: )[^★]*[^★ ] ★{1,3}\)?", t)]
    assert not wrong, f"{len(wrong)} of {len(titles)} exercise titles with the mark elsewhere: {wrong[:4]}"


# --- Back matter ---------------------------------------------------------------------

# MyST markup that did not become what it marks: {term}`...`, {cite}`...`, {glue:text}`...`.
RAW_MYST = re.compile(r"\{[a-z]+(?::[a-z]+)*\}`")


@pytest.mark.parametrize("file", PAGES, ids=page_id)
def test_no_raw_markup_on_the_page(visit, file):
    text = visit(file).page.evaluate(
        """() => { const main = (document.querySelector('main') || document.body).cloneNode(true);
                   main.querySelectorAll('pre, script, style, .highlight').forEach(n => n.remove());
                   return main.innerText; }"""
    )
    leftover = RAW_MYST.search(text)
    assert leftover is None, f"raw MyST on the page: ...{text[max(leftover.start() - 30, 0) :][:80]}..."


def test_every_glossary_term_has_its_definition(visit):
    """Each term is followed by its definition: a second name is part of its entry's term, not a term of its own."""
    if "book/glossary" not in PAGES:
        pytest.skip("no glossary in _toc.yml")
    entries = visit("book/glossary").page.evaluate(
        """() => [...document.querySelectorAll('dl.glossary > dt')]
                 .map(dt => [dt.textContent.trim(), dt.nextElementSibling ? dt.nextElementSibling.tagName : ''])"""
    )
    assert len(entries) >= 10
    bare = [term for term, after in entries if after != "DD"]
    assert not bare, f"glossary terms without a definition of their own: {bare}"
