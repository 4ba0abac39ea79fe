"""The book's figure style keeps figures legible on the light and the dark theme."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from lsbook.page.plotting import PALETTE, use_book_style  # noqa: E402


def test_figures_are_dark_ink_on_white_even_after_a_dark_style():
    plt.style.use("dark_background")  # a reader's dark default must not leak into the book's figures
    use_book_style()
    fig, ax = plt.subplots()
    try:
        ax.plot([0, 1], [0, 1], label="a line")
        ax.set(title="t", xlabel="x", ylabel="y")
        legend = ax.legend()
        white, black = to_rgba("white"), to_rgba("black")
        assert to_rgba(fig.get_facecolor()) == white
        assert to_rgba(ax.get_facecolor()) == white
        assert to_rgba(ax.title.get_color()) == black
        assert to_rgba(ax.xaxis.label.get_color()) == black
        assert to_rgba(ax.get_xticklabels()[0].get_color()) == black
        assert to_rgba(legend.get_texts()[0].get_color()) == black
        assert to_rgba(ax.get_lines()[0].get_color()) == to_rgba(PALETTE[0])
    finally:
        plt.close(fig)
        matplotlib.rcdefaults()
