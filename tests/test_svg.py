"""The SVG canvas of a notebook's inline figures (kirkuk_analysis._svg): matplotlib's SVG,
with plain text measured from the font's glyphs as the browser draws it."""

from __future__ import annotations

import doctest
import io
import random
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.font_manager import FontProperties, findfont, get_font  # noqa: E402
from matplotlib.ft2font import LoadFlags  # noqa: E402

from kirkuk_analysis import _svg, load, plots  # noqa: E402
from kirkuk_analysis.analysis import select  # noqa: E402

DEJAVU = findfont(FontProperties(family="DejaVu Sans"))


def matplotlibs(s: str, path: str, size: float, ligatures: bool = True):
    """(width, height, descent) of ``s`` as matplotlib's own SVG renderer measures it (its
    text layout, at 100 pt, scaled), optionally with ligatures off as the browser draws."""
    font = get_font(path)
    font.set_size(100, 72)
    font.set_text(s, 0.0, flags=LoadFlags.NO_HINTING, features=None if ligatures else ["-liga"])
    w, h = font.get_width_height()
    scale = size / 100 / 64
    return w * scale, h * scale, font.get_descent() * scale


def figure_texts(ax) -> set[str]:
    """Every line of text a figure draws (titles, labels, ticks, legends, annotations)."""
    fig = ax.figure
    fig.canvas.draw()
    return {
        line
        for t in fig.findobj(matplotlib.text.Text)
        if t.get_visible()
        for line in t.get_text().split("\n")
        if line
    }


@pytest.fixture(scope="module")
def brief_texts():
    ds = load()
    texts = set()
    with plt.rc_context(plots.theme()):
        for sel in (ds, select(ds, "2021-01-01", "2021-12-31", provinces="Kirkuk")):
            for draw in (plots.monthly_casualties, plots.incident_map, plots.chronology):
                texts |= figure_texts(draw(sel))
                plt.close("all")
    return texts


def plain_strings(n: int = 2000) -> list[str]:
    rng = random.Random(7)
    chars = [chr(c) for c in range(0x20, 0x250) if chr(c).isprintable()]
    chars += list("\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00b7\u2022\u2265\u2264\u00d7")
    return ["".join(rng.choice(chars) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def test_plain_text_is_measured_as_the_browser_draws_it(brief_texts):
    """Every line of text the brief's figures draw, and random plain strings: the width is
    matplotlib's with ligatures off (the browser's, which draws the figures' text so), to
    its rounding (a 64th of a unit at 100 pt per glyph); height and descent are its own."""
    strings = sorted(brief_texts) + plain_strings()
    assert len(brief_texts) > 50
    for s in strings:
        got = _svg.text_metrics(s, DEJAVU, 7.0)
        assert got is not None, s
        want = matplotlibs(s, DEJAVU, 7.0, ligatures=False)
        assert got[0] == pytest.approx(want[0], abs=len(s) * 7 / 100 / 64), s
        assert got[1:] == pytest.approx(want[1:], abs=1e-12), s


def test_ligatures_are_not_measured_as_one_glyph():
    """matplotlib's layout joins "ff" into one, narrower glyph; the browser, told not to,
    draws two, and they are measured so."""
    joined, _, _ = matplotlibs("staff", DEJAVU, 100)
    apart, _, _ = matplotlibs("staff", DEJAVU, 100, ligatures=False)
    assert joined < apart
    assert _svg.text_metrics("staff", DEJAVU, 100)[0] == pytest.approx(apart, abs=0.05)


OTHER_TEXT = [
    "\u0643\u0631\u0643\u0648\u0643",  # Arabic: shaped, joined
    "\u0416\u201cK",  # Cyrillic then Latin: two runs, not kerned across
    "\u0394 killed",  # Greek
    "Kirkuk\u200f",  # a format character (right-to-left mark)
    "Qaraj\u0301",  # a combining accent
    "\u4e2d",  # a glyph DejaVu Sans lacks (a fallback font's)
    "a\tb",  # a control character
    "a\u2028b",  # a line separator
]


def renderers():
    from matplotlib.backends.backend_svg import RendererSVG

    return _svg.RendererTextSVG(10, 10, io.StringIO()), RendererSVG(10, 10, io.StringIO())


@pytest.mark.parametrize("s", ["", *OTHER_TEXT])
def test_other_text_is_left_to_matplotlib(s):
    assert _svg.text_metrics(s, DEJAVU, 7.0) is None
    prop = FontProperties(family="DejaVu Sans", size=7)
    with plt.rc_context({"svg.fonttype": "none"}), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the glyph DejaVu Sans lacks
        ours, theirs = renderers()
        assert ours.get_text_width_height_descent(s, prop, False) == (
            theirs.get_text_width_height_descent(s, prop, False)
        )


def test_text_drawn_as_outlines_or_mathtext_is_left_to_matplotlib():
    """Glyph outlines (``svg.fonttype: path``) are placed by matplotlib's own layout, which
    the measure must then be; mathtext has a layout of its own."""
    prop = FontProperties(family="DejaVu Sans", size=7)
    staff = "staff"  # a ligature: the two measures differ
    with plt.rc_context({"svg.fonttype": "path"}):
        ours, theirs = renderers()
        assert ours.get_text_width_height_descent(staff, prop, False) == (
            theirs.get_text_width_height_descent(staff, prop, False)
        )
    with plt.rc_context({"svg.fonttype": "none"}):
        ours, theirs = renderers()
        assert ours.get_text_width_height_descent(r"$x^2$", prop, True) == (
            theirs.get_text_width_height_descent(r"$x^2$", prop, True)
        )
        assert ours.get_text_width_height_descent(staff, prop, False) != (
            theirs.get_text_width_height_descent(staff, prop, False)
        )


def test_a_font_whose_kerning_is_read_otherwise_is_left_to_matplotlib():
    """STIX (shipped with matplotlib) kerns only in its OpenType GPOS table, which FreeType
    does not read: its text is measured by matplotlib's layout, which applies it. So is
    all text while matplotlib's deprecated ``text.kerning_factor`` distorts kerning."""
    stix = findfont(FontProperties(family="STIXGeneral"))
    assert _svg.text_metrics("AV", stix, 10) is None
    ours, theirs = renderers()
    prop = FontProperties(family="STIXGeneral", size=10)
    with plt.rc_context({"svg.fonttype": "none"}):
        assert ours.get_text_width_height_descent("AV To", prop, False) == (
            theirs.get_text_width_height_descent("AV To", prop, False)
        )
    assert _svg.text_metrics("AV", DEJAVU, 10) is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", matplotlib.MatplotlibDeprecationWarning)
        with plt.rc_context({"text.kerning_factor": 6}):
            assert _svg.text_metrics("AV", DEJAVU, 10) is None


NUMBER = re.compile(r"-?\d+\.\d+")


def svg_of(fig, **kwargs) -> str:
    from IPython.core.pylabtools import print_figure

    svg = print_figure(fig, "svg", bbox_inches=None, **kwargs)
    return re.sub(r"<dc:date>.*?</dc:date>", "", svg)


def test_inline_svg_is_matplotlibs_own_to_a_hundredth_of_a_point(brief_texts):
    """A figure written by the inline canvas is the SVG matplotlib writes, element for
    element, every coordinate within a hundredth of a point (the widths' rounding)."""
    ds = load()
    with plt.rc_context(plots._SVG_RC):
        for draw in (plots.monthly_casualties, plots.incident_map, plots.chronology):
            ax = draw(ds)
            ours = svg_of(ax.figure, backend=plots._SVG_CANVAS)
            theirs = svg_of(ax.figure)
            plt.close(ax.figure)
            ids = re.compile(r'(id|xlink:href|clip-path)="[^"]*"')
            assert NUMBER.sub("#", ids.sub("", ours)) == NUMBER.sub("#", ids.sub("", theirs))
            pairs = zip(NUMBER.findall(ours), NUMBER.findall(theirs), strict=True)
            assert max(abs(float(a) - float(b)) for a, b in pairs) < 1e-2


def test_a_notebooks_svg_figures_are_written_by_the_inline_canvas(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    written = []
    monkeypatch.setattr(
        _svg.FigureCanvas, "print_svg",
        lambda self, *a, _print=_svg.FigureCanvas.print_svg, **k: written.append(1)
        or _print(self, *a, **k),
    )  # fmt: skip
    shell = InteractiveShell.instance()
    try:
        with plt.rc_context():
            assert plots.inline_figures("svg") == "svg"
            ax = plots.monthly_casualties(load())
            data, metadata = shell.display_formatter.format(ax.figure)
        assert written  # (a figure with a layout engine is also printed to lay it out)
        assert data["image/svg+xml"].lstrip().startswith("<?xml")
        assert metadata["image/svg+xml"]["alt"] == plots.describe(ax.figure)
    finally:
        plots.inline_figures("png")
        plt.close("all")


def test_doctests():
    failures, tried = doctest.testmod(_svg)
    assert tried > 0 and failures == 0
