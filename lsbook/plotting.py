"""The book's figure style: readable on the light and the dark theme.

Applied at the top of every chapter notebook with :func:`use_book_style`.
Figures keep an opaque white background and dark ink, so text and lines stay
legible whichever theme the reader has chosen (on the dark theme the book's
stylesheet, ``book/_static/lsbook.css``, shows them as rounded white cards).
Colours come from a palette that stays distinguishable for common
colour-vision deficiencies.
"""

from __future__ import annotations

#: Okabe-Ito palette, distinguishable under the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

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
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "font.size": 11,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style and the PNG inline format."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(BOOK_STYLE)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=PALETTE)
    try:  # inside IPython: store figures as PNG only
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except ImportError:  # plain Python: nothing to configure
        pass
