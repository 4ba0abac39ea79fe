"""Sphinx extension: the theme's icon font cut down to the icons the book shows.

pydata-sphinx-theme draws its icons (menu, search, download, colour mode,
admonition marks, ...) from the Font Awesome web fonts, and its stylesheet
carries a rule for each of Font Awesome's ~1900 icons. The book shows about
twenty. After an HTML build this extension

- collects the icon classes (``fa-bars``, ...) that the built pages and the
  theme's scripts use;
- drops the stylesheet's rules for every other icon (about 85 kB of the
  theme's 400 kB stylesheet);
- keeps in each Font Awesome font only the glyphs that a remaining rule or
  one of the theme's icon variables (``--pst-icon-...``) names, and stores
  it as WOFF (the 156 kB solid font becomes a few kB).

Only the copies in ``_build/html/_static`` change, never the installed theme.
If a used icon's glyph were missing from the cut-down fonts, the build warns
(and the strict build fails).
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

THEME_CSS = Path("_static/styles/pydata-sphinx-theme.css")
WEBFONTS = Path("_static/vendor/fontawesome/webfonts")

#: One icon rule: ``.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}``.
ICON_RULE = re.compile(r'(?:\.fa-[\w-]+:before,?)+\{content:"[^"]*"\}')
ICON_NAME = re.compile(r"\.(fa-[\w-]+):before")
USED_NAME = re.compile(r"\bfa-[a-z0-9-]+")
#: A CSS escape such as ``\f0c9``; Font Awesome's icons live in the private use area.
ESCAPE = re.compile(r"\\([0-9a-fA-F]{4,6})")
PRIVATE_USE = range(0xE000, 0xF900)
#: The theme's font sources: WOFF2 (needs brotli to write) with a TrueType fallback.
FONT_SOURCES = re.compile(
    r'url\((?P<path>[^)]*/webfonts/(?P<name>fa-[\w-]+))\.woff2\) format\("woff2"\),'
    r'url\((?P=path)\.ttf\) format\("truetype"\)'
)


def used_icon_classes(outdir: Path) -> set[str]:
    """The ``fa-...`` class names in the built pages and in the scripts they load."""
    used: set[str] = set()
    for path in list(outdir.rglob("*.html")) + list((outdir / "_static").rglob("*.js")):
        if "fontawesome" in path.name or "mathjax" in path.parts:
            continue
        used.update(USED_NAME.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return used


def strip_unused_rules(css: str, used: set[str]) -> tuple[str, int]:
    """The stylesheet without the rules of icons nobody uses, and how many were dropped."""
    dropped = 0

    def keep_or_drop(match: re.Match) -> str:
        nonlocal dropped
        if used.intersection(ICON_NAME.findall(match.group(0))):
            return match.group(0)
        dropped += 1
        return ""

    css = ICON_RULE.sub(keep_or_drop, css)
    # the source map describes the stylesheet as shipped, no longer this one
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    return css, dropped


def icon_codepoints(static: Path) -> set[int]:
    """Every private-use code point that a stylesheet of the book names, escaped ("\\f0c9") or as a character."""
    found: set[int] = set()
    for path in static.rglob("*.css"):
        if "mathjax" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found.update(int(escape, 16) for escape in ESCAPE.findall(text))
        found.update(ord(character) for character in text)
    return found & set(PRIVATE_USE)


def subset_font(source: Path, target: Path, codepoints: set[int]) -> set[int]:
    """Write the glyphs of ``codepoints`` in ``source`` as WOFF to ``target``; returns the code points kept."""
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError as error:  # fontTools comes with matplotlib
        raise ExtensionError("icon_font needs fontTools (`pip install fonttools`, a matplotlib dependency)") from error
    font = TTFont(source)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    font.save(target)
    return {codepoint for table in TTFont(target)["cmap"].tables for codepoint in table.cmap}


def slim_icons(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    theme_css = outdir / THEME_CSS
    if not theme_css.is_file():
        logger.warning(f"icon_font: {THEME_CSS} is not in the build; is the theme pydata-sphinx-theme based?")
        return
    used = used_icon_classes(outdir)
    css, dropped = strip_unused_rules(theme_css.read_text(encoding="utf-8"), used)
    theme_css.write_text(css, encoding="utf-8")
    needed = icon_codepoints(outdir / "_static")
    kept: set[int] = set()
    fonts = {match.group("name"): match.group("path") for match in FONT_SOURCES.finditer(css)}
    for name in fonts:
        kept |= subset_font(outdir / WEBFONTS / f"{name}.ttf", outdir / WEBFONTS / f"{name}.woff", needed)
    css = FONT_SOURCES.sub(lambda m: f'url({m.group("path")}.woff) format("woff")', css)
    theme_css.write_text(css, encoding="utf-8")
    missing = needed - kept
    if missing:
        logger.warning(f"icon_font: no glyph for {sorted(hex(c) for c in missing)} in the Font Awesome fonts")
    logger.info(f"icon_font: kept {len(needed)} icon glyphs in {len(fonts)} fonts, dropped {dropped} icon rules")


def setup(app):
    app.connect("build-finished", slim_icons)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
