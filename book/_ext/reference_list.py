"""Sphinx extension: a reference list that matches the citations in the text.

The chapters cite author-year (``bibtex_reference_style: author_year``):
"[Guo et al., 2017]", or "Szegedy et al. [2016]". The bibliography style
``lsbook`` registered here labels each entry of the reference list the same
way, "[Guo et al., 2017]", sorted by author and year, so a reader finds a
citation in the list by what the text says. Entries print their DOI or URL
(fields of ``book/references.bib``) as links.

The list itself is marked up as a plain list for assistive technology: the
HTML writer's ``doc-biblioentry`` role is deprecated in WAI-ARIA and its
``role="list"`` wrapper then has no list items, which axe reports as a
critical violation.
"""

from __future__ import annotations

from collections import Counter

from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle


def _last_name(person) -> str:
    """A person's last name as printed: LaTeX accents and braces resolved."""
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def _names(entry) -> list[str]:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    return [_last_name(person) for person in people]


def author_year_label(entry) -> str:
    """ "Guo et al., 2017", as the author_year citations write it."""
    names = _names(entry)
    if len(names) >= 3:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names) or entry.key
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Labels "Author et al., year"; equal ones are told apart as 2017a, 2017b."""

    def format_labels(self, sorted_entries):
        labels = [author_year_label(entry) for entry in sorted_entries]
        repeated = {label for label, count in Counter(labels).items() if count > 1}
        seen: Counter = Counter()
        for label in labels:
            if label in repeated:
                seen[label] += 1
                label += "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            yield label


class AuthorYearSorting(BaseSortingStyle):
    """By the names as printed (so "{PyTorch contributors}" sorts under P), then year and title."""

    def sorting_key(self, entry):
        names = " ".join(name.lower() for name in _names(entry))
        return (names, entry.fields.get("year", ""), entry.fields.get("title", "").lower())


class AuthorYearStyle(PlainStyle):
    """Pybtex's plain style with author-year labels, sorted by author, year and title."""

    default_label_style = "lsbook_author_year"
    default_sorting_style = "lsbook_author_year"


def visit_citation(self, node):
    if not isinstance(node.previous_sibling(), nodes.citation):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def depart_citation(self, node):
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), nodes.citation):
        self.body.append("</div>\n")


def setup(app):
    register_plugin("pybtex.style.labels", "lsbook_author_year", AuthorYearLabels)
    register_plugin("pybtex.style.sorting", "lsbook_author_year", AuthorYearSorting)
    register_plugin("pybtex.style.formatting", "lsbook", AuthorYearStyle)
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
