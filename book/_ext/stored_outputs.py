"""Sphinx extension: the book publishes only notebooks that ran cleanly.

The book is built from the outputs stored in the notebooks (the outputs that
nbval re-executes and checks), so a notebook that was not run top to bottom
in a fresh kernel, or that stores an error, must not be published. Each
problem is reported as a Sphinx warning, which the warnings-as-errors build
turns into a failure.
"""

import json
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def notebook_problems(path: Path) -> list[str]:
    """Describe why the stored outputs of ``path`` cannot be published."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    problems = []
    counts = [c.get("execution_count") for c in code]
    if counts != list(range(1, len(code) + 1)):
        problems.append("code cells were not run once, in order, in a fresh kernel")
    for index, cell in enumerate(code, start=1):
        expected = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        if any(out["output_type"] == "error" for out in cell.get("outputs", [])) and not expected:
            problems.append(f"code cell {index} stores an error")
    return problems


def check_notebooks(app, env, docnames):
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if path.suffix != ".ipynb":
            continue
        for problem in notebook_problems(path):
            logger.warning(f"{problem}; re-execute it (see README)", location=docname)


def setup(app):
    app.connect("env-before-read-docs", check_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
