"""Sphinx extension: the learning path on the landing page, linked to the chapters.

The ``learning-path`` directive holds one block per chapter, separated by
blank lines: the first line names the chapter's file (as in ``_toc.yml``),
the rest describes it in MyST. It renders a numbered list of the
descriptions; every chapter that is in the book gets a link, labelled with
its number and title as the book shows them. A chapter whose file is not in
the table of contents is described without a link, so the landing page
works on any subset of the chapters and links them as soon as they exist.
"""

from __future__ import annotations

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

logger = logging.getLogger(__name__)


class chapter_link(nodes.General, nodes.Element):
    """Placeholder for the link to one chapter, resolved once all pages are numbered."""


class LearningPathDirective(SphinxDirective):
    has_content = True

    def blocks(self) -> list[tuple[str, StringList]]:
        found, current = [], None
        for line, (source, offset) in zip(self.content, self.content.items, strict=True):
            if not line.strip():
                current = None
            elif current is None:
                current = (line.strip(), StringList())
                found.append(current)
            else:
                current[1].append(line, source, offset)
        return found

    def run(self):
        items = nodes.enumerated_list(classes=["learning-path"])
        for docname, body in self.blocks():
            item = nodes.list_item()
            self.state.nested_parse(body, self.content_offset, item)
            item += chapter_link(docname=docname)
            items += item
        return [items]


def resolve_links(app, doctree, fromdocname):
    env = app.env
    for placeholder in list(doctree.findall(chapter_link)):
        docname = placeholder["docname"]
        if docname not in env.all_docs:
            logger.info(f"learning path: {docname} is not in this build, listed without a link")
            placeholder.parent.remove(placeholder)
            continue
        number = env.toc_secnumbers.get(docname, {}).get("")
        title = env.titles[docname].astext()
        label = f"Chapter {'.'.join(map(str, number))}: {title}" if number else title
        paragraph = nodes.paragraph(classes=["learning-path-link"])
        paragraph += nodes.Text("Read ")
        paragraph += make_refnode(app.builder, fromdocname, docname, "", nodes.Text(label))
        placeholder.replace_self(paragraph)


def setup(app):
    app.add_node(chapter_link)
    app.add_directive("learning-path", LearningPathDirective)
    app.connect("doctree-resolved", resolve_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
