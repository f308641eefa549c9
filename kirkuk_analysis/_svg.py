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


def _glyph_metrics(path: str, s: str):
    """(width in 26.6 units at :data:`_SIZE` with the font's kerning, its glyphs' entries),
    or None when a character of ``s`` is not plain or not in the font."""
    font = get_font(path)
    font.set_size(_SIZE, _DPI)  # the font object is shared: glyphs and kerning at this size
    table = _glyphs(path)
    glyphs = [_glyph(font, table, c) for c in s]
    if None in glyphs:
        return None
    width = sum(g[1] for g in glyphs)
    for left, right in zip(glyphs, glyphs[1:], strict=False):
        width += font.get_kerning(left[0], right[0], Kerning.UNFITTED)
    return width, glyphs


#: Strings rich in kerned pairs, on which a font's kerning as read here must agree with a
#: text layout's (:func:`_modelled`).
_PROBES = (
    "AVATAWAYAv Aw Ay",
    "TaTeToTrTyTw T. T,",
    "LTLVLWLY L' P.P,F.F,",
    "VaVeVoWaWeWoYaYeYo",
    "r.r,y.y,v.w. f' 'A' \"A\"",
    "Kirkuk, Tuz Khurmatu: 11 killed (ISIS).",
)


@functools.cache
def _modelled(path: str) -> bool:
    """Whether the font file ``path`` is measured here as a text layout measures it: its
    kerning is not only in the OpenType GPOS table (which only a layout engine applies;
    FreeType reads the older ``kern`` table), and strings rich in kerned pairs
    (:data:`_PROBES`) measure as matplotlib's own layout measures them with ligatures off,
    to its rounding. Checked once per font file."""
    tables = _table_tags(path)
    if tables is None or ("GPOS" in tables and "kern" not in tables):
        return False
    font = get_font(path)
    for probe in _PROBES:
        measured = _glyph_metrics(path, probe)
        if measured is None:
            continue  # a character the font lacks: such strings go to matplotlib anyway
        font.set_size(_SIZE, _DPI)
        font.set_text(probe, 0.0, flags=LoadFlags.NO_HINTING, features=["-liga"])
        if abs(measured[0] - font.get_width_height()[0]) > len(probe):
            return False
    return True


def _table_tags(path: str) -> set[str] | None:
    """The tags of the tables of the font file ``path`` (its first face, in a collection);
    None when it is not an OpenType or TrueType file that can be read."""
    import struct

    try:
        with open(path, "rb") as f:
            head = f.read(12)
            offset = 0
            if head[:4] == b"ttcf":  # a collection: the first face's table directory
                offset = struct.unpack(">I", head[12:16] if len(head) >= 16 else f.read(4))[0]
                f.seek(offset)
                head = f.read(12)
            if len(head) < 12:
                return None
            (count,) = struct.unpack(">H", head[4:6])
            records = f.read(16 * count)
    except (OSError, struct.error):
        return None
    if len(records) < 16 * count:
        return None
    return {records[i : i + 4].decode("latin-1") for i in range(0, 16 * count, 16)}


def text_metrics(s: str, path: str, size: float) -> tuple[float, float, float] | None:
    """(width, height, descent) in points of the plain string ``s`` set in the font file
    ``path`` at ``size`` points, as matplotlib's SVG renderer reports them (the string's
    advance with kerning; the extent of its glyphs above and below the baseline), without
    laying it out; None when ``s`` is empty or not all plain characters the font has, or
    the font's kerning cannot be read so (:func:`_modelled`), or matplotlib's deprecated
    ``text.kerning_factor`` is set (matplotlib then measures it).

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
    if not s or mpl.rcParams["text.kerning_factor"] or not _modelled(path):
        return None
    measured = _glyph_metrics(path, s)
    if measured is None:
        return None
    width, glyphs = measured
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
