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


def test_figures_fit_the_column_and_text_stays_readable():
    from lsbook.page.plotting import COLUMN_WIDTH, MIN_FONT_SIZE, book_figure

    use_book_style()
    fig, axes = book_figure(3)
    try:
        width, height = fig.get_size_inches()
        assert width == COLUMN_WIDTH and fig.dpi == 100  # drawn for the column, about 660 CSS pixels
        assert len(axes) == 3 and height == 3 * 3.2  # panels stacked, not squeezed side by side
        axes[0].set(title="t", xlabel="x", ylabel="y")
        axes[0].plot([0, 1], [0, 1], label="a line")
        texts = [axes[0].title, axes[0].xaxis.label, *axes[0].get_xticklabels(), *axes[0].legend().get_texts()]
        assert min(t.get_fontsize() for t in texts) >= MIN_FONT_SIZE
    finally:
        plt.close(fig)
        matplotlib.rcdefaults()
