"""Fixtures for the browser tests: the built book, served locally, read by Chromium.

These tests read ``_build/html``, so they run after the strict book build
(``make browser``, part of ``make test``), never in the main pytest run.
Chromium is Debian's (``apt-get install chromium``), driven by Playwright;
every request that would leave 127.0.0.1 is recorded and blocked, so a page
that needs the network fails its test instead of quietly working online.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from book_pages import CHROMIUM, CHROMIUM_ARGS, DESKTOP, HTML, REPORT, wait_for_mathjax

# --- Serving the book --------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the tests report what matters
        pass


@pytest.fixture(scope="session")
def base_url():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built book in {HTML}: run `make book-check` first (`make browser` does)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` (make browser does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


# --- Reading a page and recording what went wrong ----------------------------

# Console messages that are harmless theme noise, matched exactly. Empty: add
# an entry only with a comment that says where it comes from and why it is safe.
KNOWN_NOISE: set[str] = set()


@dataclass
class Visit:
    page: object
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    mathjax: str = ""

    def problems(self) -> list[str]:
        return (
            [f"failed request: {f}" for f in self.failed]
            + [f"page error: {e}" for e in self.errors]
            + [f"request leaving 127.0.0.1: {u}" for u in self.outside]
        )


@pytest.fixture(scope="session")
def visit(browser, base_url):
    """``visit(file, viewport=..., color_scheme=..., fresh=False)``: a toc file, loaded, with its problems.

    A page is loaded once per view and shared by the tests that only read it
    (loading is the slow part); ``fresh=True`` gives a page of its own to a
    test that clicks or types.
    """
    contexts, cache = [], {}

    def open_page(file: str, viewport=DESKTOP, color_scheme="light", fresh=False) -> Visit:
        key = (file, viewport["width"], viewport["height"], color_scheme)
        if not fresh and key in cache:
            return cache[key]
        context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        record = Visit(page)

        def route(route):
            host = urlsplit(route.request.url).hostname
            if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
                route.continue_()
            else:
                record.outside.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page.on("requestfailed", lambda r: record.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and record.failed.append(f"{r.url} (HTTP {r.status})"))
        page.on("pageerror", lambda e: record.errors.append(str(e)))
        page.on(
            "console",
            lambda m: m.type == "error" and m.text not in KNOWN_NOISE and record.errors.append(f"console: {m.text}"),
        )
        page.goto(f"{base_url}/{file}.html", wait_until="load")
        record.mathjax = wait_for_mathjax(page)
        if not fresh:
            cache[key] = record
        return record

    yield open_page
    for context in contexts:
        context.close()


# --- The reader's report: numbers per page, printed at the end ---------------

# Filled by the `measure` fixture, printed by pytest_terminal_summary and
# written to _build/browser-report.json, so a run says, page by page, how
# far each reading check is from its goal (also when the checks pass).
_MEASUREMENTS_KEY = pytest.StashKey[dict]()


def pytest_configure(config):
    config.stash[_MEASUREMENTS_KEY] = {}


@pytest.fixture
def measure(request):
    """``measure(file, name, value)``: record one number for the end-of-run report."""
    table = request.config.stash[_MEASUREMENTS_KEY]

    def record(file: str, name: str, value) -> None:
        table.setdefault(file, {})[name] = value

    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    table = config.stash.get(_MEASUREMENTS_KEY, {})
    if not table:
        return
    columns = sorted({name for row in table.values() for name in row})
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(table, indent=1, sort_keys=True), encoding="utf-8")
    width = max(len(file) for file in table)
    terminalreporter.section("the book as a reader meets it")
    terminalreporter.write_line(" ".join([" " * width, *(f"{c:>14}" for c in columns)]))
    for file in sorted(table):
        cells = [f"{table[file].get(c, ''):>14}" for c in columns]
        terminalreporter.write_line(" ".join([file.ljust(width), *cells]))
    terminalreporter.write_line(f"(also in {REPORT})")
