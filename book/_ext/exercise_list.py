"""Sphinx extension: the workbook page, a list of every exercise by chapter.

The directive ``exercise-list`` stands in for the list while the pages are
read. Once every page is read and numbered, it is replaced by one section
per page that has exercises, in the order of the table of contents, each
entry linking to "Exercise N.M" with its title (difficulty mark included).
The list is collected from the exercises that sphinx-exercise registers, so
it can never miss one or go stale.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

logger = logging.getLogger(__name__)


class exercise_list(nodes.General, nodes.Element):
    """Placeholder, replaced by the list once all pages are known."""


class ExerciseListDirective(SphinxDirective):
    has_content = False

    def run(self):
        return [exercise_list()]


def documents_in_toc_order(env) -> list[str]:
    """Docnames depth first from the root document, as the book orders them."""
    order, seen = [], set()

    def visit(docname):
        if docname in seen:
            return
        seen.add(docname)
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            visit(child)

    visit(env.config.root_doc)
    return order


def exercise_entries(env) -> dict[str, list[dict]]:
    """The exercises of each document: label, number (a tuple, or () if unnumbered) and title node."""
    registry = getattr(env, "sphinx_exercise_registry", {})
    by_doc: dict[str, list[dict]] = {}
    for label, entry in registry.items():
        if not entry["type"].startswith("exercise"):
            continue  # solutions are reached from their exercise
        node = entry["node"]
        docname = entry["docname"]
        number = tuple(env.toc_fignumbers.get(docname, {}).get("exercise", {}).get(label, ()))
        subtitles = [child for child in node.children[0].children if isinstance(child, nodes.subtitle)]
        by_doc.setdefault(docname, []).append(
            {"label": label, "number": number, "subtitle": subtitles[0] if subtitles else None}
        )
    for entries in by_doc.values():
        # Exercises keep document order (the registry is filled while reading);
        # numbered ones are sorted by number in case pages were read in parallel.
        entries.sort(key=lambda e: (e["number"] == (), e["number"]))
    return by_doc


def chapter_heading(env, docname: str) -> str:
    number = env.toc_secnumbers.get(docname, {}).get("")
    title = env.titles[docname].astext() if docname in env.titles else docname
    return f"Chapter {'.'.join(map(str, number))}. {title}" if number else title


def render_list(app, fromdocname: str) -> list[nodes.Node]:
    env = app.env
    by_doc = exercise_entries(env)
    if not by_doc:
        return [nodes.paragraph(text="The chapters of this edition have no exercises yet.")]
    out = []
    ordered = [d for d in documents_in_toc_order(env) if d in by_doc]
    for docname in ordered:
        heading = nodes.rubric(classes=["exercise-list-chapter"])
        heading += make_refnode(app.builder, fromdocname, docname, "", nodes.Text(chapter_heading(env, docname)))
        out.append(heading)
        items = nodes.bullet_list(classes=["exercise-list"])
        for entry in by_doc[docname]:
            text = nodes.inline()
            number = ".".join(map(str, entry["number"]))
            text += nodes.Text(f"Exercise {number}" if number else "Exercise")
            if entry["subtitle"] is not None:
                text += nodes.Text(": ")
                text += [child.deepcopy() for child in entry["subtitle"].children]
            reference = make_refnode(app.builder, fromdocname, docname, entry["label"], text)
            paragraph = nodes.paragraph()
            paragraph += reference
            items += nodes.list_item("", paragraph, ids=[f"list-{entry['label']}"])
        out.append(items)
    return out


def resolve_lists(app, doctree, fromdocname):
    for placeholder in list(doctree.findall(exercise_list)):
        placeholder.replace_self(render_list(app, fromdocname))


def always_rebuild(app, env, added, changed, removed):
    """A page with the list is outdated whenever any page changes."""
    if not (added or changed or removed):
        return []
    return [doc for doc, deps in env.metadata.items() if deps.get("exercise_list")]


def mark_document(app, doctree):
    if any(True for _ in doctree.findall(exercise_list)):
        app.env.metadata[app.env.docname]["exercise_list"] = True
        # Exercise titles may hold math, which only arrives after reading: tell
        # the math domain now, so the page loads MathJax.
        app.env.get_domain("math").data["has_equations"][app.env.docname] = True


def setup(app):
    app.add_node(exercise_list)
    app.add_directive("exercise-list", ExerciseListDirective)
    app.connect("doctree-read", mark_document)
    app.connect("env-get-outdated", always_rebuild)
    app.connect("doctree-resolved", resolve_lists)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
