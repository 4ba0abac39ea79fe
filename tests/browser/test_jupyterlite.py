"""The book's JupyterLite site, offline, in Chromium: chapter 1's exercises with ``lsbook.check``.

Run after the strict book build (``make browser``, part of ``make test``). The built
book is served on 127.0.0.1 only; every request that would leave it is blocked and
fails the test, as does any failed request or script error. A learner's path:

1. every chapter page, and every exercise in it, links into the site (checked on the
   built HTML for all chapters of ``_toc.yml``);
2. on chapter 1, the first exercise's "Run in your browser" opens a new tab with the
   exercise notebook, whose Python kernel (Pyodide, in the page) starts;
3. Run > Run All Above Selected Cell runs the setup cells;
4. the worked solution of exercise 1.1, typed into the exercise cell, is "correct";
   an answer in the other smoothing convention gets the same diagnosis that
   ``lsbook.check`` gives outside the browser;
5. lsbook's own examples of ``cross_entropy`` (docstring doctests, among them the
   weather example, 0.6279) pass inside Pyodide, on Pyodide's numpy.

Timings (kernel start, setup cells, whole flow) are printed with the results.
"""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from book_pages import HTML, ROOT, SCREENSHOTS, chapter_files

import lsbook

SITE = HTML / "lite"
CHAPTER = "notebooks/01_overconfidence"
EXERCISE = "1.1"
RUN_LINK = "a.lsbook-run-in-browser"

#: The one line Matplotlib writes to stderr the first time it is imported in a fresh
#: browser profile (its font list is built once and kept in the page's file system).
FONT_CACHE_NOTE = "Matplotlib is building the font cache; this may take a moment.\n"


# --- The links, on every chapter page ---------------------------------------------------

#: Chapters that may stay out of the site, and why: Pyodide has no PyTorch, whose own
#: loss chapter 7's last section audits.
LEFT_OUT_ALLOWED = {"notebooks/07_in_the_wild": ["torch"]}


class RunLinks(HTMLParser):
    """The "Run in your browser" links of a page, and its exercise boxes."""

    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self.exercises = 0
        self._exercise_depth: list[int] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "div":
            self._depth += 1
            if "exercise" in classes and "admonition" in classes:
                self.exercises += 1
                self._exercise_depth.append(self._depth)
        if tag == "a" and "lsbook-run-in-browser" in classes:
            self.links.append({**attributes, "in_exercise": bool(self._exercise_depth)})

    def handle_endtag(self, tag):
        if tag == "div":
            if self._exercise_depth and self._exercise_depth[-1] == self._depth:
                self._exercise_depth.pop()
            self._depth -= 1


def site_file(href: str) -> str:
    """The notebook a link opens, checked to point at the site's JupyterLab."""
    parts = urlsplit(href)
    assert parts.path.endswith("lite/lab/index.html"), f"not a link into the site: {href}"
    return parse_qs(parts.query)["path"][0]


@pytest.mark.parametrize("file", chapter_files(), ids=lambda f: f.replace("/", "-"))
def test_chapter_and_every_exercise_link_into_the_site(file):
    assert (SITE / "index.html").is_file(), f"no JupyterLite site in {SITE}: see the book build's output for why"
    manifest = json.loads((ROOT / "_build" / "lite" / "manifest.json").read_text(encoding="utf-8"))
    html = (HTML / f"{file}.html").read_text(encoding="utf-8")
    page = RunLinks()
    page.feed(html)
    missing = manifest["left_out"].get(f"{file}.ipynb")
    if missing:
        # Only what the browser's Python cannot have keeps a chapter out, and the page says so.
        assert missing == LEFT_OUT_ALLOWED.get(file), f"{file} is left out of the site for {missing}"
        assert not page.links
        assert "lsbook-run-local-only" in html and all(module in html for module in missing)
        return
    entry = manifest["notebooks"][f"{file}.ipynb"]

    chapter_links = [link for link in page.links if not link["in_exercise"]]
    exercise_links = [link for link in page.links if link["in_exercise"]]
    assert [site_file(link["href"]) for link in chapter_links] == [entry["path"]]
    assert page.exercises > 0, "a chapter without exercises?"
    assert len(exercise_links) == page.exercises, "an exercise without its link"
    assert {site_file(link["href"]) for link in exercise_links} == {entry["exercises"]}
    for link in page.links:
        assert link.get("target") == "_blank" and "noopener" in link.get("rel", "")
        assert (SITE / "files" / site_file(link["href"])).is_file()


# --- Chapter 1's exercises, in JupyterLite ------------------------------------------------


def chapter_solution(exercise: str) -> str:
    """The worked solution cell of an exercise, as the chapter notebook stores it."""
    cells = json.loads((ROOT / f"{CHAPTER}.ipynb").read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        if "solution" in cell["metadata"].get("tags", []) and f'check("{exercise}"' in source:
            return source
    raise LookupError(f"no solution cell checks exercise {exercise}")


class Lab:
    """One JupyterLite tab, opened from the book, with everything that went wrong in it."""

    def __init__(self, context, report):
        self.context = context
        self.report = report
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page = None

    def watch(self, page):
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} (HTTP {r.status})"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))

    def problems(self) -> list[str]:
        return (
            [f"request leaving 127.0.0.1: {u}" for u in self.outside]
            + [f"failed request: {f}" for f in self.failed]
            + [f"page error: {e}" for e in self.errors]
        )

    def run(self, script: str, *args):
        return self.page.evaluate(script, *args)

    def last_output(self) -> str:
        """The last output the learner sees under the selected cell (the cell's value)."""
        outputs = self.page.locator(".jp-Notebook .jp-Cell.jp-mod-active .jp-OutputArea-output")
        outputs.last.wait_for(state="visible")
        return outputs.last.inner_text().strip()


WAIT_FOR_KERNEL = """() => {
    const panel = window.jupyterapp?.shell.currentWidget;
    const kernel = panel?.sessionContext?.session?.kernel;
    return kernel && kernel.status === 'idle' && panel.content.widgets.length > 0;
}"""

SELECT_CELL = """async (needle) => {
    const panel = window.jupyterapp.shell.currentWidget;
    const notebook = panel.content;
    const index = notebook.widgets.findIndex(c => c.model.sharedModel.getSource().includes(needle));
    if (index < 0) throw new Error('no cell contains ' + needle);
    notebook.activeCellIndex = index;
    notebook.mode = 'command';
    await notebook.scrollToItem(index, 'center');
    notebook.node.focus();  // where JupyterLab's keyboard shortcuts listen
    return index;
}"""

NEW_CELL_BELOW = """async () => {
    const app = window.jupyterapp;
    await app.commands.execute('notebook:insert-cell-below');
    const notebook = app.shell.currentWidget.content;
    await notebook.scrollToItem(notebook.activeCellIndex, 'center');
    await notebook.activeCell.ready;  // its editor exists
    return notebook.activeCellIndex;
}"""

ACTIVE_SOURCE = "() => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.getSource()"

RUN_ALL_ABOVE = r"""async () => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    const notebook = panel.content;
    const above = notebook.widgets.slice(0, notebook.activeCellIndex).filter(c => c.model.type === 'code');
    await app.commands.execute('notebook:run-all-above');
    // Done when all ran, or when one failed: the cells after a failure never run.
    const failed = c => c.model.outputs.toJSON().some(o => o.output_type === 'error');
    const done = () => panel.sessionContext.session.kernel.status === 'idle'
        && (above.every(c => c.model.executionCount !== null) || above.some(failed));
    while (!done()) await new Promise(r => setTimeout(r, 100));
    return above.map(c => ({
        source: c.model.sharedModel.getSource().split('\n')[0],
        errors: c.model.outputs.toJSON().filter(o => o.output_type === 'error')
            .map(o => o.ename + ': ' + o.evalue + ' at ' + (o.traceback || []).join('\n')
                .replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter(l => l.trim()).slice(-4).join(' | ')),
        stderr: c.model.outputs.toJSON().filter(o => o.name === 'stderr').map(o => o.text).join(''),
    }));
}"""

WAIT_FOR_RUN = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cell = panel.content.activeCell;
    return panel.sessionContext.session.kernel.status === 'idle' && cell.model.executionCount !== null
        && cell.model.outputs.length > 0;
}"""


@pytest.fixture(scope="module")
def lab(browser, base_url, pytestconfig):
    """Chapter 1 read in the book; its first exercise's link opened, kernel started."""
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")

    def report(line):  # shown as the tests run, also under -q
        with capture.global_and_fixture_disabled():
            print(f"\nJupyterLite: {line}", flush=True)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    record = Lab(context, report)

    def route(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            record.outside.append(url)
            route.abort()

    context.route("**/*", route)
    book = context.new_page()
    record.watch(book)
    book.goto(f"{base_url}/{CHAPTER}.html", wait_until="load")
    link = book.locator(f"div.exercise {RUN_LINK}").first
    started = time.monotonic()
    with context.expect_page() as new_tab:
        link.click()
    record.page = new_tab.value
    record.watch(record.page)
    record.page.wait_for_function(WAIT_FOR_KERNEL, timeout=150_000, polling=250)
    record.kernel_seconds = time.monotonic() - started
    report(f"kernel ready {record.kernel_seconds:.1f} s after the link was clicked")
    yield record
    report(f"whole flow {time.monotonic() - started:.1f} s")
    context.close()


def test_the_exercise_link_opens_the_exercise_notebook(lab):
    assert urlsplit(lab.page.url).hostname == "127.0.0.1"
    path = lab.run("() => window.jupyterapp.shell.currentWidget.context.path")
    assert path == "exercises/01_overconfidence.ipynb"
    kernel = lab.run("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name")
    assert kernel == "python", "the notebook did not start the in-browser Python kernel"
    assert not lab.problems(), "\n".join(lab.problems())


def test_setup_cells_run_without_errors(lab):
    lab.run(SELECT_CELL, f'check("{EXERCISE}"')
    started = time.monotonic()
    cells = lab.run(RUN_ALL_ABOVE)
    lab.report(f"{len(cells)} setup cells ran in {time.monotonic() - started:.1f} s")
    assert len(cells) >= 5, "the exercise notebook lost its setup cells"
    for cell in cells:
        assert not cell["errors"], f"{cell['source']!r}: {cell['errors']}"
        assert cell["stderr"] in ("", FONT_CACHE_NOTE), f"{cell['source']!r} wrote to stderr: {cell['stderr']}"
    assert not lab.problems(), "\n".join(lab.problems())


def type_and_run(lab, code: str) -> str:
    """Replace the selected cell's code as a learner would, run it, read its output."""
    page = lab.page
    page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content").click()  # into its editor
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)  # as pasted: no auto-closed brackets or auto-indent
    page.keyboard.press("Escape")
    assert lab.run(ACTIVE_SOURCE) == code, "the code did not land in the selected cell"
    page.keyboard.press("Control+Enter")  # run, and stay on the cell
    page.wait_for_function(WAIT_FOR_RUN, timeout=60_000, polling=100)
    return lab.last_output()


def answer_and_check(lab, code: str) -> str:
    """Exercise 1.1's cell, with ``code`` in it, run: its output."""
    lab.run(SELECT_CELL, f'check("{EXERCISE}"')
    return type_and_run(lab, code)


def test_the_worked_solution_is_correct(lab):
    output = answer_and_check(lab, chapter_solution(EXERCISE))
    assert f"Exercise {EXERCISE}: correct" in output, output
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lab.page.screenshot(path=str(SCREENSHOTS / "jupyterlite-exercise-1.1.png"))
    assert not lab.problems(), "\n".join(lab.problems())


def test_a_wrong_answer_gets_its_diagnosis(lab):
    # eps spread over the K - 1 wrong classes (fairseq) instead of all K classes
    code = 'answer = np.full(10, 0.1 / 9)\nanswer[3] = 1 - 0.1\ncheck("1.1", answer)'
    output = answer_and_check(lab, code)
    wrong = np.full(10, 0.1 / 9)
    wrong[3] = 1 - 0.1
    expected = str(lsbook.check(EXERCISE, wrong))
    assert "not yet" in expected and "fairseq" in expected  # the diagnosis this answer must get
    assert output == expected
    assert not lab.problems(), "\n".join(lab.problems())


SMOKE_TEST = """import doctest
import sys

import numpy
import lsbook
import lsbook.core.loss

weather = numpy.log([0.1, 0.2, 0.6, 0.1])
loss = lsbook.cross_entropy(weather, 2, label_smoothing=0.1)
examples = doctest.testmod(lsbook.core.loss)
print(sys.platform, numpy.__version__, f"{float(loss):.4f}", examples)"""


def test_lsbook_smoke_test_inside_pyodide(lab):
    exercise = lab.run(SELECT_CELL, f'check("{EXERCISE}"')
    assert lab.run(NEW_CELL_BELOW) == exercise + 1
    output = type_and_run(lab, SMOKE_TEST)
    match = re.fullmatch(r"(\S+) (\S+) (\S+) TestResults\(failed=(\d+), attempted=(\d+)\)", output)
    assert match, output
    platform, numpy_version, loss, failed, attempted = match.groups()
    assert platform == "emscripten", "not running in Pyodide"
    assert numpy_version == "2.0.2", "not Pyodide 0.27.7's numpy"
    assert loss == "0.6279"
    assert int(failed) == 0 and int(attempted) >= 5, output
    assert not lab.problems(), "\n".join(lab.problems())
