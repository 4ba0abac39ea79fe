"""Sphinx extension: pages that load cleanly, offline, with no console errors.

Two defaults of the toolchain misbehave in the built pages:

- Jupyter Book always enables sphinx-thebe (live code through a remote
  kernel), which this book does not offer: its launch buttons are off. Its
  inline configuration names a CDN and is emitted twice, so the second copy
  fails with "Identifier 'THEBE_JS_URL' has already been declared". The
  thebe scripts are dropped from every page.
- The theme's light/dark mode has no default, so its script logs
  "Got invalid theme mode" on a first visit. The default becomes "auto":
  follow the reader's system setting.

It also gives the book's templates (``book/_templates``) the Jinja filter
``drop_lines_containing``, with which ``layout.html`` leaves out the
theme's 1.5 MB icon script.
"""

from __future__ import annotations


def default_theme_mode(app, config):
    config.html_context = dict(config.html_context or {})
    config.html_context.setdefault("default_mode", "auto")


def is_thebe_script(script) -> bool:
    filename = getattr(script, "filename", None) or ""
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "sphinx-thebe" in str(filename) or "THEBE_JS_URL" in body


def drop_thebe(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not is_thebe_script(s)]


def drop_lines_containing(html: str, needle: str) -> str:
    """The lines of ``html`` that do not contain ``needle``."""
    return "\n".join(line for line in str(html).splitlines() if needle not in line)


def add_template_filters(app):
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["drop_lines_containing"] = drop_lines_containing


def setup(app):
    app.connect("config-inited", default_theme_mode)
    app.connect("builder-inited", add_template_filters)
    app.connect("html-page-context", drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
