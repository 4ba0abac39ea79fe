"""Sphinx extension: the chapters as a reader meets them, not as a learner runs them.

Rules applied to every page while it is read, so the chapters need no
book-only markup:

- An exercise's starting cell (tagged ``exercise-stub``) keeps its code on
  the page, but not its output. In a notebook the output is the check's
  "not attempted" message, useful to a learner working the exercise; on a
  book page it is noise. The exercise notebooks keep it. (The same as
  tagging those cells ``remove-output``, without touching the chapters.)
- An exercise's difficulty mark (★, ★★ or ★★★) comes after its title,
  wherever the chapter put it, so every exercise on every page, and the
  workbook's list, reads "Exercise 4.1 (Title ★)".
- A box titled "Hint" is a hint, whichever directive wrote it (the hint
  directive, or an admonition titled "Hint", with or without a dropdown
  class), so every hint on every page has the same colour and icon.
- A glossary entry with two names ("expected calibration error" and "ECE")
  shows as one term, "expected calibration error (ECE)", above its
  definition, instead of a first name that seems to have no definition.
  Both names still link to it.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes

STUB_TAG = "tag_exercise-stub"
STAR = "★"


def hide_stub_outputs(doctree) -> None:
    """Remove the outputs of cells tagged exercise-stub (myst-nb marks a cell's tags as classes)."""
    for cell in list(doctree.findall(nodes.container)):
        if STUB_TAG in cell.get("classes", []):
            for output in [child for child in cell.children if "cell_output" in child.get("classes", [])]:
                cell.remove(output)


def _leading_stars(text: str) -> tuple[str, str]:
    """("★★", "Title") from "★★ Title"."""
    stripped = text.lstrip()
    rest = stripped.lstrip(STAR)
    return stripped[: len(stripped) - len(rest)], rest.lstrip()


def _trailing_stars(text: str) -> tuple[str, str]:
    """("★★", "Title") from "Title ★★"."""
    stripped = text.rstrip()
    rest = stripped.rstrip(STAR)
    return stripped[len(rest) :], rest.rstrip()


def stars_after_title(subtitle: nodes.Element) -> None:
    """Put an exercise title's difficulty mark at its end, as its own inline node."""
    if not subtitle.children:
        return
    stars = ""
    first = subtitle.children[0]
    if isinstance(first, nodes.Text):
        stars, rest = _leading_stars(str(first))
        if stars:
            subtitle.replace(first, nodes.Text(rest))
    last = subtitle.children[-1]
    if isinstance(last, nodes.Text):
        trailing, rest = _trailing_stars(str(last))
        if trailing:
            subtitle.replace(last, nodes.Text(rest))
            stars = stars or trailing
    if stars:
        subtitle += nodes.Text(" ")
        subtitle += nodes.inline(stars, stars, classes=["exercise-difficulty"])


def exercise_subtitles(doctree):
    for node in doctree.findall(nodes.subtitle):
        if type(node).__name__ == "exercise_subtitle":
            yield node


def mark_hints(doctree) -> None:
    """Give the class ``hint`` to every generic admonition whose title is "Hint"."""
    for box in doctree.findall(nodes.admonition):
        title = box.children[0] if box.children else None
        if isinstance(title, nodes.title) and title.astext().strip().lower() == "hint":
            if "hint" not in box["classes"]:
                box["classes"].append("hint")


def merge_glossary_aliases(doctree) -> None:
    """One term per glossary entry: "first name (other name)", carrying every name's link target."""
    for glossary in doctree.findall(addnodes.glossary):
        for item in glossary.findall(nodes.definition_list_item):
            terms = [child for child in item.children if isinstance(child, nodes.term)]
            if len(terms) < 2:
                continue
            first, others = terms[0], terms[1:]
            first += nodes.Text(" (")
            for index, other in enumerate(others):
                if index:
                    first += nodes.Text(", ")
                first += [child.deepcopy() for child in other.children if not isinstance(child, addnodes.index)]
                first["ids"].extend(other["ids"])
                item.remove(other)
            first += nodes.Text(")")


def registered_exercises(env, docname: str):
    """The exercise nodes sphinx-exercise keeps for ``docname``: the workbook's list and
    the solutions' titles are made from these, not from the page's own copies."""
    for entry in getattr(env, "sphinx_exercise_registry", {}).values():
        if entry.get("docname") == docname and entry.get("node") is not None:
            yield entry["node"]


def tidy_page(app, doctree):
    hide_stub_outputs(doctree)
    exercise_nodes = [doctree, *registered_exercises(app.env, app.env.docname)]
    for subtitle in [s for node in exercise_nodes for s in exercise_subtitles(node)]:
        stars_after_title(subtitle)
    mark_hints(doctree)
    merge_glossary_aliases(doctree)


def setup(app):
    app.connect("doctree-read", tidy_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
