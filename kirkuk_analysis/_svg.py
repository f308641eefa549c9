"""The canvas writing a notebook's SVG figures (:func:`~kirkuk_analysis.plots.inline_figures`).

Those figures keep their text as text (``svg.fonttype: none``): the reader's browser lays
out each string's glyphs, with ligatures off (:func:`~kirkuk_analysis.plots.svg_text_as_typed`),
and matplotlib only places it. To place it, matplotlib measures every string (each line of
a label, each legend entry) with a full text layout (libraqm), about a millisecond for a
label of forty characters: some 0.2 s of the 0.6 s the default brief's three figures took
to write. Here a string of plain text (the Latin alphabet, digits, punctuation and symbols,
all in the font's own glyphs) is measured as the browser draws it, from its glyphs'
advances and the font's kerning (:func:`text_metrics`), each character read from the font
once. Any other string (another script, combining marks, a character of a fallback font,
mathtext) is measured by matplotlib, as before.

The figure is otherwise matplotlib's own SVG (:class:`FigureCanvas` is its SVG canvas,
with this measure); a notebook selects it for its inline figures as a backend::

    set_matplotlib_formats("svg", backend="module://kirkuk_analysis._svg")
"""

from __future__ import annotations

import codecs
import functools
import unicodedata

import matplotlib as mpl
from matplotlib import cbook
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.font_manager import get_font
from matplotlib.ft2font import Kerning, LoadFlags

#: matplotlib measures text for SVG at this size and resolution (``TextToPath``), unhinted.
_SIZE, _DPI = 100.0, 72

#: The blocks a plain character may come from: the Latin alphabet and its extensions, and
#: the punctuation, currency, letter-like symbols, arrows and maths shared by all scripts.
#: One script: a text layout (and the browser's) kerns only within a run of one script.
_PLAIN_BLOCKS = ((0x20, 0x024F), (0x1E00, 0x1EFF), (0x2000, 0x2BFF))


def _plain(c: str) -> bool:
    """Whether ``c`` is drawn as one glyph, kerned with its neighbours: a letter, digit,
    punctuation mark, symbol or space of :data:`_PLAIN_BLOCKS` (not a combining mark, a
    control or format character, or a line break, which change their neighbours' layout)."""
    category = unicodedata.category(c)
    in_blocks = any(lo <= ord(c) <= hi for lo, hi in _PLAIN_BLOCKS)
    return in_blocks and (category[0] in "LNPS" or category == "Zs")


@functools.cache
def _glyphs(path: str) -> dict:
    """Character -> (glyph index, advance, bottom, top) at :data:`_SIZE` in the font file
    ``path`` (26.6 fixed point), or None where the font has no glyph for it or it is not
    :func:`_plain`; filled on demand."""
    return {}


def _glyph(font, table: dict, c: str):
    """``c``'s entry in ``table`` (:func:`_glyphs` of ``font``), read from the font once."""
    found = table.get(c, False)
    if found is False:
        index = font.get_char_index(ord(c)) if _plain(c) else 0
        if index:
            glyph = font.load_glyph(index, flags=LoadFlags.NO_HINTING)
            _, ymin, _, ymax = glyph.bbox
            found = (index, glyph.horiAdvance, ymin, ymax)
        else:
            found = None
        table[c] = found
    return found


def text_metrics(s: str, path: str, size: float) -> tuple[float, float, float] | None:
    """(width, height, descent) in points of the plain string ``s`` set in the font file
    ``path`` at ``size`` points, as matplotlib's SVG renderer reports them (the string's
    advance with kerning; the extent of its glyphs above and below the baseline), without
    laying it out; None when ``s`` is empty or not all plain characters the font has
    (matplotlib then measures it).

    The width is the browser's, which draws the figure's text with ligatures off:
    matplotlib's own layout joins "ff" into one glyph, about 1.5% narrower in DejaVu Sans.
    Otherwise it agrees with matplotlib's to a 64th of a unit at 100 pt (its rounding).

    >>> from matplotlib.font_manager import findfont, FontProperties
    >>> dejavu = findfont(FontProperties(family="DejaVu Sans"))
    >>> [round(x, 2) for x in text_metrics("AV", dejavu, 10)]  # kerned: A and V are 6.84 each
    [13.04, 7.29, 0.0]
    >>> text_metrics("\\u0643\\u0631\\u0643", dejavu, 10) is None  # Arabic: matplotlib's
    True
    """
    if not s:
        return None
    font = get_font(path)
    font.set_size(_SIZE, _DPI)  # the font object is shared: glyphs and kerning at this size
    table = _glyphs(path)
    glyphs = [_glyph(font, table, c) for c in s]
    if None in glyphs:
        return None
    width = sum(g[1] for g in glyphs)
    for left, right in zip(glyphs, glyphs[1:], strict=False):
        width += font.get_kerning(left[0], right[0], Kerning.UNFITTED)
    bottom = min(g[2] for g in glyphs)
    top = max(g[3] for g in glyphs)
    scale = size / _SIZE / 64
    return width * scale, (top - bottom) * scale, -bottom * scale


class RendererTextSVG(RendererSVG):
    """matplotlib's SVG renderer, measuring plain text kept as text with
    :func:`text_metrics`."""

    def get_text_width_height_descent(self, s, prop, ismath):
        if not ismath and mpl.rcParams["svg.fonttype"] == "none":
            font = self._text2path._get_font(prop)  # the font matplotlib would measure with
            if font.face_index == 0:  # the face get_font(path) opens (not a collection's other)
                measured = text_metrics(s, font.fname, prop.get_size_in_points())
                if measured is not None:
                    return measured
        return super().get_text_width_height_descent(s, prop, ismath)


class FigureCanvas(FigureCanvasSVG):
    """matplotlib's SVG canvas drawing with :class:`RendererTextSVG`."""

    def print_svg(
        self, filename, *, bbox_inches_restore=None, metadata=None,
        dpi=None, facecolor=None, edgecolor=None, orientation=None,
    ):  # fmt: skip
        # FigureCanvasSVG.print_svg (matplotlib 3.11), with the renderer above. print_figure
        # gives a canvas not matplotlib's own dpi, facecolor, edgecolor and orientation too,
        # which it has already set on the figure: ignored, as matplotlib's own SVG canvas is
        # spared them.
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            w, h = width * 72, height * 72
            renderer = MixedModeRenderer(
                self.figure, width, height, dpi,
                RendererTextSVG(w, h, fh, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore,
            )  # fmt: skip
            self.figure.draw(renderer)
            renderer.finalize()
