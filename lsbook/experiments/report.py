"""Results tables for the page: HTML in the book, aligned text anywhere else.

Used by chapter 4, section "How sure can we be?", and by chapter 5 for their
tables of estimates and intervals. A :class:`Table` is an ordinary object
that Jupyter shows through ``_repr_html_``; its plain-text form keeps the
same columns for a terminal or a diff.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from .intervals import Interval

_NUMBER = r"[+\u2212-]?\d+(?:\.\d+)?"
#: A cell written by :func:`interval_cell`: ``estimate [low, high]``.
_INTERVAL = re.compile(rf"(?P<estimate>{_NUMBER}) (?P<interval>\[{_NUMBER}, {_NUMBER}\])")


def interval_cell(values: Sequence[float | None], digits: int = 3) -> str:
    """``estimate [low, high]`` from a stored ``[estimate, low, high]`` triple.

    A triple ``[estimate, None, None]`` (a score stored without an interval,
    such as a difference of binned ECEs) gives the signed estimate alone.

    Examples
    --------
    >>> interval_cell([0.0123, -0.002, 0.0261])
    '+0.012 [−0.002, 0.026]'
    >>> interval_cell([-0.0456, None, None])
    '−0.046'
    """
    if len(values) != 3:
        raise ValueError(f"values must be [estimate, low, high], got {values!r}")
    estimate, low, high = values
    if low is None and high is None:
        return Interval(float(estimate), 0.0, 0.0).format(digits).split(" [")[0]
    if low is None or high is None:
        raise ValueError(f"values must give both ends of the interval or neither, got {values!r}")
    return Interval(float(estimate), float(low), float(high)).format(digits)


class Table:
    """A table with a header row, body rows and an optional caption.

    Parameters
    ----------
    header : sequence of str
        Column titles; none may be empty (screen readers announce them).
    rows : sequence of sequences of str
        One entry per column in every row. The first column is a row title.
    caption : str, optional
        Shown above the table in HTML.
    """

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str | None = None):
        self.header = [str(cell) for cell in header]
        self.rows = [[str(cell) for cell in row] for row in rows]
        if not self.header or any(not cell.strip() for cell in self.header):
            raise ValueError("header must name every column; an empty header cell says nothing to a screen reader")
        for row in self.rows:
            if len(row) != len(self.header):
                raise ValueError(f"every row needs {len(self.header)} cells, one per column; got {row!r}")
        self.caption = caption

    @staticmethod
    def _html_cell(text: str) -> str:
        """A cell's HTML: an ``estimate [low, high]`` cell keeps its interval on a line of its own."""
        match = _INTERVAL.fullmatch(text)
        if match:  # the interval on a line of its own, never broken inside
            interval = escape(match["interval"]).replace(" ", "&nbsp;")
            return f"{escape(match['estimate'])}<br>{interval}"
        return escape(text)

    def _repr_html_(self) -> str:
        pad = ' style="padding: 0.2em 0.3em"'
        head = "".join(f'<th scope="col"{pad}>{escape(cell)}</th>' for cell in self.header)
        body = "".join(
            "<tr>" + f'<th scope="row"{pad}>{escape(row[0])}</th>'
            + "".join(f"<td{pad}>{self._html_cell(c)}</td>" for c in row[1:]) + "</tr>"
            for row in self.rows
        )
        caption = f"<caption>{escape(self.caption)}</caption>" if self.caption else ""
        # A slightly smaller type keeps six columns of intervals on the column's width.
        style = ' style="font-size: 0.85em"' if len(self.header) > 4 else ""
        return (f'<table class="lsbook-results"{style}>{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def __repr__(self) -> str:
        widths = [max(len(row[i]) for row in [self.header, *self.rows]) for i in range(len(self.header))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                 for row in [self.header, *self.rows]]
        lines.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(([self.caption] if self.caption else []) + lines)
