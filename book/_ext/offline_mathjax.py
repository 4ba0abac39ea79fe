"""Sphinx extension: the book serves MathJax itself, so math renders offline.

MathJax 3 comes from the ``django-static-mathjax`` package in
``requirements.txt`` (it ships the MathJax distribution as package data; it
needs no Django). After an HTML build, the files the page needs are copied
from that installed package into ``_static/mathjax/`` of the built book, and
``mathjax_path`` in ``_config.yml`` points at the copy. Nothing is fetched
from a CDN and no MathJax file is committed to the repository.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.errors import ConfigError, ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Where the copy goes, under the built book's ``_static`` folder.
TARGET = "mathjax"

#: The parts of MathJax's ``es5`` distribution the book loads (see
#: ``mathjax3_config`` in ``_config.yml``): the startup module, which loads
#: the rest on demand; the core; TeX input with the extensions it loads when
#: a page uses their macros; the CommonHTML output with its font data and
#: web fonts; and the hidden MathML that screen readers read. Left out: the
#: combined builds (each over 1 MB), the menu, the SVG output and the speech
#: tools.
NEEDED = [
    "startup.js",
    "core.js",
    "input/tex.js",
    "input/tex/extensions",
    "output/chtml.js",
    "output/chtml/fonts",
    "a11y/assistive-mml.js",
]

#: The file that ``mathjax_path`` names.
ENTRY = "startup.js"


def mathjax_source() -> Path:
    """The ``es5`` folder of the installed MathJax distribution."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionError(
            "MathJax is not installed: run `make env` (or `pip install -r requirements.txt`), "
            "which installs the django-static-mathjax package"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    es5 = root / "static" / "mathjax" / "es5"
    if not (es5 / ENTRY).is_file():
        raise ExtensionError(f"no MathJax 3 distribution found in {root}")
    return es5


def check_config(app, config):
    """The book must load MathJax from its own ``_static`` folder."""
    path = str(config.mathjax_path)
    if "://" in path or path.startswith("//"):
        raise ConfigError(f"mathjax_path must point into the book, not to {path!r}")
    if path != f"{TARGET}/{ENTRY}":
        raise ConfigError(f"mathjax_path must be {TARGET}/{ENTRY}, the file this extension copies, not {path!r}")
    mathjax_source()  # fail early, with a clear message, if the package is missing


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / TARGET
    for part in NEEDED:
        origin = source / part
        destination = target / part
        destination.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(origin, destination)
    logger.info(f"MathJax copied from {source} into {target}")


def setup(app):
    app.connect("config-inited", check_config)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
