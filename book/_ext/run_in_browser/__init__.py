"""Sphinx extension: "Run in your browser" links to the book's own JupyterLite site.

At the start of an HTML build, ``scripts/build_lite.py`` builds the JupyterLite site,
or finds it up to date: JupyterLab with a Python kernel that runs in the page
(Pyodide), ``lsbook`` installed, and the chapters and exercise notebooks in its file
browser. Every page made from a notebook that the site holds then gets a link under
its title that opens that notebook in a new tab, and every exercise gets one beside
its title that opens the chapter's exercise notebook. Both are found from the table of
contents and the exercises sphinx-exercise registers, so a new chapter or exercise is
linked with no change here. When the build finishes, the site is copied into the
book as ``lite/``.

If the site cannot be built (its pinned files cannot be obtained, or one of them does
not match its sha256), the book is built without the links and the build says why,
once. ``LSBOOK_LITE=off`` leaves the site out on purpose, for quicker builds while
writing. The links only make sense in HTML: other builders never see them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from sphinx.util import logging
from sphinx.util.console import bold, red  # type: ignore[attr-defined]
from sphinx.util.osutil import relative_uri
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

logger = logging.getLogger(__name__)

SITE_FOLDER = "lite"  # where the site goes in the built book
LABEL = "Run in your browser"


class run_in_browser(nodes.Inline, nodes.Element):
    """A link into the JupyterLite site (attributes ``url`` and ``tooltip``); HTML only."""


def visit_link_html(self, node):
    self.body.append(
        f'<a class="lsbook-run-in-browser" href="{escape(node["url"])}" target="_blank" rel="noopener" '
        f'title="{escape(node["tooltip"])}"><span class="lsbook-run-icon" aria-hidden="true">▶</span>'
        f"{escape(LABEL)}</a>"
    )
    raise nodes.SkipNode


def skip(self, node):
    raise nodes.SkipNode


# --- Building the site ------------------------------------------------------------------


def build_site(app) -> None:
    """Run ``scripts/build_lite.py``; keep its manifest, or say once why there are no links."""
    app.lsbook_lite = None
    if app.builder.format != "html":
        return
    if os.environ.get("LSBOOK_LITE", "").lower() in {"off", "0", "no"}:
        logger.info(bold("Run in your browser: left out (LSBOOK_LITE=off); the book has no such links."))
        return
    script = Path(app.srcdir) / "scripts" / "build_lite.py"
    logger.info(bold("Run in your browser: building the JupyterLite site... "), nonl=True)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=app.srcdir)
    if result.returncode != 0:
        logger.info("failed")
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = "\n".join(lines[-12:]) if lines else f"exit status {result.returncode}"
        logger.info(red(f"Run in your browser: the book is built WITHOUT these links, because:\n    {reason}"))
        return
    logger.info("done")
    for line in result.stdout.strip().splitlines():
        logger.info(f"    {line}")
    app.lsbook_lite = json.loads((Path(app.srcdir) / "_build" / "lite" / "manifest.json").read_text("utf-8"))


def state(app) -> str:
    return app.lsbook_lite["fingerprint"] if app.lsbook_lite else "none"


def outdated_notebook_pages(app, env, added, changed, removed):
    """When the site changed (or came or went), pages from notebooks need new links."""
    if getattr(env, "lsbook_lite_state", None) == state(app):
        return []
    env.lsbook_lite_state = state(app)
    return [doc for doc in env.found_docs if str(env.doc2path(doc)).endswith(".ipynb")]


def copy_site(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / SITE_FOLDER
    shutil.rmtree(target, ignore_errors=True)  # never serve a site older than the links
    if app.lsbook_lite is None:
        return

    def link_or_copy(source, destination):
        try:
            os.link(source, destination)  # same disk: instant, and no second copy
        except OSError:
            shutil.copy2(source, destination)

    source = Path(app.srcdir) / "_build" / "lite" / "site"
    shutil.copytree(source, target, copy_function=link_or_copy)
    logger.info(f"Run in your browser: JupyterLite site in {target} ({app.lsbook_lite['bytes'] / 2**20:.0f} MiB)")


# --- The links --------------------------------------------------------------------------


def site_url(app, docname: str, path: str) -> str:
    page = app.builder.get_target_uri(docname)
    return relative_uri(page, f"{SITE_FOLDER}/{app.lsbook_lite['app']}") + "?path=" + quote(path)


def add_links(app, doctree, docname):
    if not getattr(app, "lsbook_lite", None):
        return
    source = Path(app.env.doc2path(docname)).resolve().relative_to(Path(app.srcdir).resolve()).as_posix()
    entry = app.lsbook_lite["notebooks"].get(source)
    sections = list(doctree.findall(nodes.section))
    missing = app.lsbook_lite.get("left_out", {}).get(source)
    if entry is None and missing and sections and isinstance(sections[0][0], nodes.title):
        # Say why there is no link, rather than leave the reader to wonder.
        note = nodes.paragraph(classes=["lsbook-run-chapter", "lsbook-run-local-only"])
        note += nodes.Text(
            f"This chapter runs on your own machine only: it needs {', '.join(missing)}, "
            "which the in-browser Python does not have."
        )
        sections[0].insert(1, note)
        return
    if entry is None:
        return
    if sections and isinstance(sections[0][0], nodes.title):
        tooltip = "Open this chapter as a notebook, running Python in this browser: nothing to install"
        paragraph = nodes.paragraph(classes=["lsbook-run-chapter"])
        paragraph += run_in_browser(url=site_url(app, docname, entry["path"]), tooltip=tooltip)
        sections[0].insert(1, paragraph)
    exercises = entry["exercises"] or entry["path"]
    for exercise in doctree.findall(lambda n: isinstance(n, (exercise_node, exercise_enumerable_node))):
        if exercise.children and isinstance(exercise[0], nodes.title):
            tooltip = "Open this chapter's exercise notebook, with lsbook.check, running in this browser"
            exercise[0] += run_in_browser(url=site_url(app, docname, exercises), tooltip=tooltip)


def add_stylesheet(app, config):
    config.html_static_path.append(str(Path(__file__).parent / "static"))


def setup(app):
    app.add_node(
        run_in_browser,
        html=(visit_link_html, None),
        latex=(skip, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.connect("config-inited", add_stylesheet)
    app.connect("builder-inited", build_site)
    app.connect("env-get-outdated", outdated_notebook_pages)
    app.connect("doctree-resolved", add_links)
    app.connect("build-finished", copy_site)
    app.add_css_file("run_in_browser.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
