"""Every pointer from lsbook's docstrings into the book names a section that exists.

A docstring says where the book explains it: ``chapter 4, section "Measuring
calibration"``. Each quoted name that follows ``chapter N`` in the same
paragraph must be a heading (any level, the title included) of chapter N,
the N-th file of the numbered part of ``_toc.yml``. Renaming a section
without updating the docstrings that point to it fails here.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lsbook"

# Modules that explain no chapter section of their own: validation, package
# plumbing and the exercise framework (which every chapter's exercises use).
NO_POINTER_NEEDED = {"_checks.py", "__init__.py"}

POINTER = re.compile(r"\bchapter (\d+)\b(.*?)(?=\bchapter \d+\b|$)", re.IGNORECASE | re.DOTALL)
QUOTED = re.compile(r'"([A-Z$][^"]*)"')  # section names start with a capital
CODE = re.compile(r"``.*?``", re.DOTALL)


def _chapter_files() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    numbered = next(part for part in toc["parts"] if part.get("numbered"))
    return [ROOT / (entry["file"] + ".ipynb") for entry in numbered["chapters"]]


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _headings(notebook: Path) -> set[str]:
    cells = json.loads(notebook.read_text())["cells"]
    found = set()
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            match = re.match(r"^#+\s+(.*\S)\s*$", line)
            if match:
                found.add(_normalise(match.group(1)))
    return found


HEADINGS = {number: _headings(path) for number, path in enumerate(_chapter_files(), start=1)}


def _docstrings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    return [doc for doc in (ast.get_docstring(n) for n in nodes) if doc]


def _pointers(docstring: str) -> list[tuple[int, str]]:
    """(chapter, quoted section name) for every pointer in a docstring."""
    found = []
    for paragraph in CODE.sub("", docstring).split("\n\n"):
        for chapter, rest in POINTER.findall(paragraph):
            found.extend((int(chapter), _normalise(name)) for name in QUOTED.findall(rest))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_pointer_names_an_existing_section(path):
    for docstring in _docstrings(path):
        for chapter, name in _pointers(docstring):
            assert chapter in HEADINGS, f"{path.name} points to chapter {chapter}, which the book does not have"
            assert name in HEADINGS[chapter], (
                f"{path.name} points to chapter {chapter}, section {name!r}, which does not exist; "
                f"the chapter's headings are {sorted(HEADINGS[chapter])}"
            )


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if p.name not in NO_POINTER_NEEDED and "selfstudy" not in p.relative_to(PACKAGE).parts],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_every_module_names_the_section_that_explains_it(path):
    module_doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert _pointers(module_doc), f"{path.name}'s docstring names no chapter section (chapter N, section \"...\")"


def test_the_pointer_reader_reads_the_forms_the_docstrings_use():
    text = 'Explained in chapter 4, sections "A" and "B", and in chapter 2 ("C", {"mean"}).\n\nNot ``"Code"``.'
    assert _pointers(text) == [(4, "A"), (4, "B"), (2, "C")]
