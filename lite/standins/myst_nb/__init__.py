"""``glue`` for the notebooks run in the browser, where MyST-NB itself is not installed.

The chapters call ``myst_nb.glue(name, value, display=...)`` so that the book can quote
computed numbers. MyST-NB needs Sphinx and docutils, far too much to load into the
in-browser Python just for that, and outside a book build ``glue`` has only one visible
effect: with ``display=True`` the value is shown below the cell. This module keeps that
effect and nothing else. It is packaged by ``scripts/build_lite.py`` for the book's
JupyterLite site only.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Show ``variable`` below the cell if ``display`` is true; the book build is what stores it."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if display:
        from IPython.display import display as show

        show(variable)
