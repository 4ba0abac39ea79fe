"""The book's figure style: readable on the light and the dark theme.

Applied at the top of every chapter notebook with :func:`use_book_style`;
its first figure is in chapter 1, section "The logit chase".
Figures keep an opaque white background and dark ink, so text and lines stay
legible whichever theme the reader has chosen (on the dark theme the book's
stylesheet, ``book/_static/lsbook.css``, shows them as rounded white cards).
Colours come from a palette that stays distinguishable for common
colour-vision deficiencies.

Figures are drawn for the book's text column (:data:`COLUMN_WIDTH` inches at
100 dpi, about 660 CSS pixels) and stored as PNG at twice that pixel density
(IPython's "retina" format, which records the display size beside the
image), so text set at 10-11 pt is shown at 10-11 pt. Multi-panel figures
stack their panels vertically (:func:`book_figure`) rather than shrinking
them side by side.
"""

from __future__ import annotations

from ..core._checks import check_integer, check_real

#: Okabe-Ito palette, distinguishable under the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

#: The width of the book's text column, in inches at 100 dpi (about 660 CSS pixels).
COLUMN_WIDTH = 6.6

#: The smallest font size, in points at display size, any figure text may have.
MIN_FONT_SIZE = 10

BOOK_STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    # Dark ink on the white card, whatever style the reader's matplotlibrc sets
    # (a dark_background default would otherwise draw white text on white).
    "text.color": "black",
    "axes.labelcolor": "black",
    "axes.edgecolor": "black",
    "xtick.color": "black",
    "ytick.color": "black",
    "legend.labelcolor": "black",
    "figure.figsize": (6.6, 3.8),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "font.size": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style and the inline format: PNG at twice the pixel density."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(BOOK_STYLE)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=PALETTE)
    try:  # inside IPython: store figures as PNG only
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except ImportError:  # plain Python: nothing to configure
        pass


def book_figure(nrows: int = 1, *, panel_height: float = 3.2, sharex: bool = False, **kwargs):
    """A figure as wide as the text column, with ``nrows`` panels stacked vertically.

    Returns ``(fig, axes)`` as :func:`matplotlib.pyplot.subplots` does (one
    ``Axes`` for one row, an array otherwise). Each panel is ``panel_height``
    inches tall, so labels keep their size however many panels there are.
    """
    import matplotlib.pyplot as plt

    nrows = check_integer(nrows, "nrows", minimum=1)
    panel_height = check_real(panel_height, "panel_height", positive=True)
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, 1, figsize=(COLUMN_WIDTH, panel_height * nrows), sharex=sharex, **kwargs)


def plot_reliability(ax, data, *, label: str | None = None, color: str | None = None):
    """Draw a reliability diagram from :class:`lsbook.calibration.ReliabilityData`.

    Used in chapter 4, section "Reliability diagrams". One bar per non-empty
    bin, as high as the bin's accuracy; the diagonal is perfect calibration,
    so a bar below it means over-confidence and above it under-confidence.
    Returns ``ax``.
    """
    kept = data.counts > 0
    width = data.edges[1:] - data.edges[:-1]
    ax.bar(
        data.edges[:-1][kept],
        data.accuracy[kept],
        width=width[kept],
        align="edge",
        color=color or PALETTE[0],
        edgecolor="white",
        alpha=0.8,
        label=label,
    )
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.4", linewidth=1.0, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy in the bin")
    return ax


def plot_confidence_histogram(ax, data, *, color: str | None = None):
    """Bar chart of the share of examples in each confidence bin of ``data``.

    The companion of :func:`plot_reliability`: it shows how many predictions
    each bar of the reliability diagram stands on. Returns ``ax``.
    """
    width = data.edges[1:] - data.edges[:-1]
    ax.bar(data.edges[:-1], data.counts / data.counts.sum(), width=width, align="edge",
           color=color or PALETTE[0], edgecolor="white")
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("share of examples")
    return ax
