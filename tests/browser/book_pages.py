"""The book's pages as the browser tests see them: paths, the toc, viewports."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
REPORT = ROOT / "_build" / "browser-report.json"
# axe-core, the accessibility engine, from npm (tests/browser/package.json;
# `make browser` installs it with `npm ci`). It is injected into each page.
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("LSBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


# --- The pages of the book, from the table of contents -----------------------


def _entries(node) -> list[dict]:
    """Every toc entry (with its part's ``numbered`` flag), depth first."""
    found = []
    for part in node.get("parts", [node]):
        numbered = bool(part.get("numbered", False))
        for key in ("chapters", "sections"):
            for entry in part.get(key, []):
                if "file" in entry:
                    found.append({"file": entry["file"], "numbered": numbered})
                found.extend({**e, "numbered": e["numbered"] or numbered} for e in _entries(entry))
    return found


@functools.cache
def toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def toc_files() -> list[str]:
    """The root page, then every file of ``_toc.yml`` in reading order."""
    return [toc()["root"]] + [e["file"] for e in _entries(toc())]


def chapter_files() -> list[str]:
    """The files of the numbered part(s): the book's chapters."""
    return [e["file"] for e in _entries(toc()) if e["numbered"]]


def source_of(file: str) -> Path | None:
    for suffix in (".ipynb", ".md"):
        if (ROOT / (file + suffix)).is_file():
            return ROOT / (file + suffix)
    return None


def wait_for_mathjax(page) -> str:
    """Wait until MathJax has typeset the page; returns a short status."""
    return page.evaluate(
        """async () => {
            if (!document.querySelector('.math')) return 'no math';
            for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
                await new Promise(r => setTimeout(r, 50));
            if (!window.MathJax || !MathJax.startup) return 'mathjax missing';
            await MathJax.startup.promise;
            return 'typeset';
        }"""
    )
