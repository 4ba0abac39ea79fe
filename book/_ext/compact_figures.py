"""Sphinx extension: the figures of the built book, stored with a 256-colour palette.

The chapters' figures are PNG at twice the display density (lsbook.page.plotting), so a
chapter with a few figures would weigh more than a page should (the browser tests allow
2 MB per page, everything included). A plot on white has a few hundred distinct colours at
most, anti-aliasing included, so a 256-colour palette (median cut, no dithering) looks the
same and takes about a third of the bytes. Only copies in the build change: the stored
outputs in the notebooks stay as they are. A figure the palette would not make smaller is
left alone.
"""

from __future__ import annotations

import io
from pathlib import Path


def palette_png(data: bytes) -> bytes | None:
    """``data`` re-encoded with a 256-colour palette, or None when that is not smaller."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.mode == "P":
            return None
        paletted = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = io.BytesIO()
        paletted.save(out, "PNG", optimize=True)
    compact = out.getvalue()
    return compact if len(compact) < len(data) else None


def compact_images(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for path in sorted((Path(app.outdir) / "_images").glob("*.png")):
        compact = palette_png(path.read_bytes())
        if compact is not None:
            path.write_bytes(compact)


def setup(app):
    app.connect("build-finished", compact_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
