"""Sphinx extension: pages that load cleanly, offline, with no console errors, and only what they use.

Defaults of the toolchain that misbehave in the built pages:

- Jupyter Book always enables sphinx-thebe (live code through a remote
  kernel), which this book does not offer: its launch buttons are off. Its
  inline configuration names a CDN and is emitted twice, so the second copy
  fails with "Identifier 'THEBE_JS_URL' has already been declared". The
  thebe scripts and stylesheet are dropped from every page.
- The theme's light/dark mode has no default, so its script logs
  "Got invalid theme mode" on a first visit. The default becomes "auto":
  follow the reader's system setting.
- Jupyter Book always enables sphinx-design, whose stylesheet and tab
  script (62 kB) every page loads; a page that uses none of its components
  (no ``sd-`` class in its body) no longer loads them.

Every "Show code cell source" toggle is named by its visible text.

It also gives the book's templates (``book/_templates``) the Jinja filter
``drop_lines_containing``, with which ``layout.html`` leaves out of the
page head the theme's 1.5 MB icon script and the search index, which only
the search page uses (the theme's search-as-you-type is off).
"""

from __future__ import annotations

import re

SPHINX_DESIGN_ASSETS = ("sphinx-design", "design-tabs.js")
SPHINX_DESIGN_CLASS = re.compile(r'class="(?:[^"]*\s)?sd-')


def default_theme_mode(app, config):
    config.html_context = dict(config.html_context or {})
    config.html_context.setdefault("default_mode", "auto")


def _filename(asset) -> str:
    return str(getattr(asset, "filename", None) or "")


def is_thebe_script(script) -> bool:
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "sphinx-thebe" in _filename(script) or "THEBE_JS_URL" in body


def drop_unused_assets(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files", [])
    styles = context.get("css_files", [])
    scripts = [s for s in scripts if not is_thebe_script(s)]
    styles = [s for s in styles if "sphinx-thebe" not in _filename(s)]
    if not SPHINX_DESIGN_CLASS.search(context.get("body", "")):
        scripts = [s for s in scripts if not any(a in _filename(s) for a in SPHINX_DESIGN_ASSETS)]
        styles = [s for s in styles if not any(a in _filename(s) for a in SPHINX_DESIGN_ASSETS)]
    if "script_files" in context:
        context["script_files"] = scripts
    if "css_files" in context:
        context["css_files"] = styles


def name_toggles_by_their_text(app, pagename, templatename, context, doctree):
    """Let the "Show code cell source" toggles be named by what they show.

    MyST-NB gives every toggle's ``<summary>`` the label "Toggle hidden content",
    which differs from its visible text, so a speech-input user saying "show code
    cell source" cannot reach it (axe: label-content-name-mismatch).
    """
    if "body" in context:
        context["body"] = context["body"].replace('<summary aria-label="Toggle hidden content">', "<summary>")


def drop_lines_containing(html: str, *needles: str) -> str:
    """The lines of ``html`` that contain none of ``needles``."""
    return "\n".join(line for line in str(html).splitlines() if not any(n in line for n in needles))


def add_template_filters(app):
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["drop_lines_containing"] = drop_lines_containing


def setup(app):
    app.connect("config-inited", default_theme_mode)
    app.connect("builder-inited", add_template_filters)
    app.connect("html-page-context", drop_unused_assets)
    app.connect("html-page-context", name_toggles_by_their_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
