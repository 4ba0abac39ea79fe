"""Results tables: cells with intervals, HTML with headers for screen readers, plain text."""

import pytest

from lsbook.experiments.report import Table, interval_cell


def test_interval_cell_formats_a_stored_triple():
    assert interval_cell([0.0123, -0.002, 0.0261]) == "+0.012 [\u22120.002, 0.026]"
    assert interval_cell([1.5, 1.25, 1.75], digits=1) == "+1.5 [1.2, 1.8]"
    assert interval_cell([-0.0456, None, None]) == "\u22120.046"
    assert interval_cell([-0.0001, None, None]) == "+0.000"
    with pytest.raises(ValueError, match="both ends"):
        interval_cell([0.1, None, 0.2])
    with pytest.raises(ValueError, match="estimate, low, high"):
        interval_cell([0.1, 0.2])


def test_table_html_has_column_and_row_headers_and_escapes_text():
    table = Table(["ε", "NLL <nats>"], [["0.1", "+0.01 [0.00, 0.02]"]], caption="Test & result")
    html = table._repr_html_()
    pad = ' style="padding: 0.2em 0.3em"'
    assert f'<th scope="col"{pad}>ε</th>' in html and f'<th scope="col"{pad}>NLL &lt;nats&gt;</th>' in html
    assert f'<th scope="row"{pad}>0.1</th><td{pad}>+0.01<br>[0.00,&nbsp;0.02]</td>' in html
    assert "<caption>Test &amp; result</caption>" in html


def test_table_text_is_aligned():
    text = repr(Table(["a", "bbb"], [["x", "1"], ["yyyy", "22"]]))
    assert text.splitlines() == ["a     bbb", "----  ---", "x     1", "yyyy  22"]


@pytest.mark.parametrize(
    ("header", "rows", "match"),
    [(["a", " "], [], "empty header"), (["a", "b"], [["1"]], "2 cells")],
)
def test_bad_tables_are_rejected(header, rows, match):
    with pytest.raises(ValueError, match=match):
        Table(header, rows)


def test_only_interval_cells_are_split_over_two_lines():
    html = Table(["a", "b", "c"], [["x", "teacher [ε = 0]", "0.5"]])._repr_html_()
    assert ">teacher [ε = 0]</td>" in html and ">0.5</td>" in html
