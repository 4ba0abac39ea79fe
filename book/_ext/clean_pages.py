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


def setup(app):
    app.connect("config-inited", default_theme_mode)
    app.connect("html-page-context", drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
