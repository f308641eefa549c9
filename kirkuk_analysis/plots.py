"""Figures: each takes a Dataset and ``ax=None``, draws on ``ax`` (or a new one), returns it.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from kirkuk_analysis import load, plots
>>> ax = plots.timeline(load())

One colour-blind-safe palette (Okabe-Ito) for every figure; each party keeps its colour
across figures. A figure this module creates is drawn in the package's theme
(:func:`theme`, seaborn ``ticks``), scoped to that figure: importing or drawing never
changes matplotlib's global settings. :func:`set_theme` applies the theme globally, for a
researcher who wants it on their own figures too. Labels come from ``ds.vocab``.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import weakref

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, MaxNLocator

from kirkuk_analysis import _paths
from kirkuk_analysis.analysis import (
    differing_figures,
    incident_table,
    monthly,
    months_without_figure,
)
from kirkuk_analysis.boundaries import governorate_of, governorate_rings
from kirkuk_analysis.data import Dataset, require_dataset

__all__ = [
    "FONTS",
    "KURDISTAN_GOVERNORATES",
    "OKABE_ITO",
    "PRINT_WIDTH",
    "chronology",
    "chronology_size",
    "coordination",
    "describe",
    "drawn_elsewhere",
    "incident_map",
    "inline_figures",
    "map_note",
    "monthly_casualties",
    "party_colors",
    "party_label",
    "province_swimlane",
    "set_theme",
    "svg_text_as_typed",
    "theme",
    "time_axis",
    "timeline",
]

#: Okabe & Ito (2008), a palette distinguishable with the common colour-vision deficiencies.
OKABE_ITO = [
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
    "#999999",
]  # fmt: skip
_GROUPS = {  # parties drawn in one colour each
    "peshmerga": 0, "asayish": 3,
    "iraqi_army": 4, "iraqi_security_forces": 4, "counter_terrorism": 4,
    "national_security": 4,
    "federal_police": 1, "local_police": 1,
    "pmf": 2, "coalition": 6, "civilians": 5, "isis": 7, "unknown": 8,
}  # fmt: skip
# Markers and colours for the coordination kinds (Okabe-Ito).
_KIND_STYLE = {
    "meeting": ("o", "#0072B2"),
    "agreement": ("s", "#009E73"),
    "implementation": ("D", "#D55E00"),
    "call": ("^", "#CC79A7"),
    "failure": ("X", "#000000"),
    "context": ("v", "#999999"),
}


#: The figures' sans-serif faces, in order. DejaVu Sans, matplotlib's own (it ships with it),
#: first: every machine measures and draws the labels in the same face (seaborn's list puts
#: Arial first, so a machine with Arial placed labels in Arial and drew them in DejaVu,
#: wider). Then Vera (DejaVu's metrics), then narrower faces: where an SVG figure is read
#: without DejaVu (a shared HTML brief), its text still fits the room made for it.
FONTS = ["DejaVu Sans", "Bitstream Vera Sans", "Liberation Sans", "Arial", "Helvetica",
         "sans-serif"]  # fmt: skip


#: seaborn 0.13's ``axes_style("ticks")``, written out: importing seaborn for this one dict
#: cost every brief's kernel about 0.1 s. Its ``image.cmap`` ("rocket") is left out: that
#: colour map exists only once seaborn is imported, and nothing here draws an image.
_TICKS_STYLE = {
    "figure.facecolor": "white",
    "axes.labelcolor": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "axes.axisbelow": True,
    "grid.linestyle": "-",
    "text.color": ".15",
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "xtick.top": False,
    "ytick.right": False,
    "axes.grid": False,
    "axes.facecolor": "white",
    "axes.edgecolor": ".15",
    "grid.color": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "xtick.bottom": True,
    "ytick.left": True,
}


def theme() -> dict:
    """The package's theme as matplotlib rc settings: seaborn's ``ticks`` style, the Okabe-Ito
    colour cycle, no top or right spine, the faces of :data:`FONTS`.

    >>> theme()["axes.spines.top"], theme()["font.sans-serif"][0]
    (False, 'DejaVu Sans')
    """
    from cycler import cycler

    rc = dict(_TICKS_STYLE)
    rc.update({"axes.prop_cycle": cycler(color=OKABE_ITO)})
    rc.update({"axes.spines.right": False, "axes.spines.top": False})
    rc.update({"font.family": ["sans-serif"], "font.sans-serif": list(FONTS)})
    return rc


def set_theme() -> None:
    """Apply :func:`theme` to every later matplotlib figure (an explicit, global choice)."""
    plt.rcParams.update(theme())


#: What each Axes drawn here shows, in words (:func:`describe`); weak, so nothing is kept
#: alive by it.
_DESCRIPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _described(ax: Axes, text: str) -> Axes:
    _DESCRIPTIONS[ax] = text
    return ax


def describe(figure) -> str:
    """What ``figure`` (a Figure, or one Axes) shows, in words: the text alternative a reader
    who cannot see it gets (the ``alt`` of the brief's images, and of a notebook's figures
    shown by :func:`inline_figures`). Each Axes drawn by this module says what it holds
    (counts, period, what size and colour mean); another Axes gives its title. Returns
    "" when nothing is known.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kirkuk_analysis import load
    >>> describe(monthly_casualties(load())).startswith("Bar chart of recorded killed")
    True
    """
    axes = [figure] if isinstance(figure, Axes) else figure.axes
    texts = [_DESCRIPTIONS.get(ax) or ax.get_title() for ax in axes]
    return " ".join(t if t.endswith(".") else t + "." for t in texts if t)


def _as_typed(draw):
    """An SVG formatter's ``draw(figure)`` whose text is drawn without ligatures
    (:func:`svg_text_as_typed`)."""

    def formatted(figure):
        data = draw(figure)
        return svg_text_as_typed(data) if isinstance(data, str) else data

    return formatted


def _with_description(draw):
    """A display formatter's ``draw(figure)`` that also gives the figure's description as
    the output's ``alt`` metadata (IPython formatters may return (data, metadata))."""

    def formatted(figure):
        data, text = draw(figure), describe(figure)
        if not text or data is None:
            return data
        if isinstance(data, tuple):  # (data, metadata): a retina PNG's display size
            return data[0], {**(data[1] or {}), "alt": text}
        return data, {"alt": text}

    return formatted


def svg_text_as_typed(svg: str) -> str:
    """``svg`` (a figure as SVG, text kept as text) with its text drawn without ligatures.

    A browser joins "fi", "ffi" into one glyph by default; in a printed brief, "Airfield" in
    a figure was then found by no search for "Airfield" and copied as "Airﬁeld". The style
    goes first in the SVG, which keeps its own style and drawing as they were.

    >>> print(svg_text_as_typed('<svg width="1"><text>fi</text></svg>'))
    <svg width="1"><style>text { font-variant-ligatures: none; }</style><text>fi</text></svg>
    """
    return _SVG_START.sub(lambda m: m.group() + _SVG_TEXT_STYLE, svg, count=1)


_SVG_START = re.compile(r"<svg\b[^>]*>")
_SVG_TEXT_STYLE = "<style>text { font-variant-ligatures: none; }</style>"


#: How :func:`inline_figures` writes SVG (global settings: they are read when saving):
#: text as <text>, not glyph outlines, its face list that of :data:`FONTS`.
_SVG_RC = {"svg.fonttype": "none", "font.sans-serif": list(FONTS)}

#: The canvas :func:`inline_figures` writes SVG with (:mod:`kirkuk_analysis._svg`).
_SVG_CANVAS = "module://kirkuk_analysis._svg"

#: The formats :func:`inline_figures` can show a notebook's figures in.
INLINE_FORMATS = ("png", "retina", "svg")


def inline_figures(figure_format: str = "png", dpi: float = 120, tight: bool = False) -> str:
    """Show this notebook's figures as ``figure_format``; return it.

    ``"png"``: pixels, ``dpi`` per inch. ``"retina"``: a PNG of twice the pixels shown at
    the size of ``"png"``'s, sharp on a high-density screen (JupyterLab's default for the
    package's notebooks; their committed outputs are untrusted, and Lab shows no untrusted
    SVG). ``"svg"``: vector, with text kept as text (the
    brief's choice): sharp at any zoom, searchable and selectable in the printed PDF, and
    written about three times faster than a PNG of a labelled chronology, whose every glyph
    matplotlib rasterises in its own Python call. An SVG's text is drawn by the reader's
    browser in the figure's font (DejaVu Sans, matplotlib's own, for this package's
    figures), so the labels keep the widths they were placed with where that font is
    installed, and without ligatures (:func:`svg_text_as_typed`). Margins are fixed (no
    ``bbox_inches="tight"``: one draw per figure, not two),
    unless ``tight``: each figure cropped to what it draws (for figures sized by the
    plotting functions, whose keys may stand outside the Axes). Each figure shown carries
    :func:`describe` as its output's ``alt`` metadata (nbconvert's HTML, and so the brief,
    writes it as the image's alt text; JupyterLab 4 does not show it). Call it after
    ``%matplotlib inline``. Raises
    ``ValueError`` naming the valid formats.

    >>> inline_figures("gif")
    Traceback (most recent call last):
    ...
    ValueError: figure_format must be one of png, retina, svg, not 'gif'
    """
    if figure_format not in INLINE_FORMATS:
        raise ValueError(
            f"figure_format must be one of {', '.join(INLINE_FORMATS)}, not {figure_format!r}"
        )
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    options = {"bbox_inches": "tight" if tight else None}
    if figure_format == "svg":
        plt.rcParams.update(_SVG_RC)
        options["backend"] = _SVG_CANVAS  # text measured as the browser draws it
    if figure_format == "retina":
        # IPython draws a retina PNG at twice the figure's own dpi; a dpi given to it would
        # replace the doubled one, and the figure would be shown at half its size
        plt.rcParams["figure.dpi"] = dpi
        set_matplotlib_formats(figure_format, **options)
    else:
        set_matplotlib_formats(figure_format, **options, dpi=dpi)
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:  # each figure shown carries its description (alt metadata)
        from matplotlib.figure import Figure

        mime = {"png": "image/png", "retina": "image/png", "svg": "image/svg+xml"}[figure_format]
        formatter = shell.display_formatter.formatters[mime]
        draw = formatter.lookup_by_type(Figure)
        if figure_format == "svg":
            draw = _as_typed(draw)
        formatter.for_type(Figure, _with_description(draw))
    return figure_format


def _themed(draw):
    """Run a plotting function inside the theme, so its new figure is styled and nothing
    global changes (seaborn's ``axes_style`` context, as a decorator)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        # The backend is loaded outside the theme: loaded by the first figure inside it,
        # a notebook's inline backend turned interactive mode on there, the context's end
        # turned it off again, and no figure of the kernel was shown after (plain
        # plt.plot's neither).
        if getattr(plt, "_backend_mod", None) is None:  # no figure made in this process yet
            import matplotlib

            plt.switch_backend(matplotlib.get_backend())
        with plt.rc_context(theme()):
            return draw(*args, **kwargs)

    return wrapper


def _say_empty(ax: Axes, message: str) -> None:
    """``message`` in the middle of ``ax``, an empty chart's only text, so that its empty
    axis reads as "none in this period", not as a chart that failed."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            color="#555555", gid="empty")  # fmt: skip


def _axes(ax: Axes | None, size=(10, 4)) -> Axes:
    """``ax``, or the Axes of a new figure of ``size`` whose layout makes room for what
    stands outside the Axes (a key beside or below it), so that a plain ``savefig`` keeps
    it whole."""
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def party_colors(parties) -> dict[str, str]:
    """The colour of each party (the same in every figure)."""
    return {p: OKABE_ITO[_GROUPS.get(p, 8)] for p in parties}


def party_label(ds: Dataset, party) -> str:
    """How a party is named in legends, from ``ds.vocab``: ``"iraqi_army"`` -> ``"Iraqi Army"``.

    >>> from kirkuk_analysis import load
    >>> party_label(load(), "local_police")
    'Local police'
    """
    require_dataset(ds, "party_label")
    label = ds.vocab.label("party", party)
    return label[:1].upper() + label[1:]


def _step_label(ids) -> str:
    """Step ids as short text: runs of three or more become ranges ("K01–K06, K09")."""

    def number(step_id: str) -> int:
        digits = re.sub(r"\D", "", step_id)
        return int(digits) if digits else -1

    ordered = sorted(ids, key=number)
    parts, run = [], [ordered[0]]
    for step_id in ordered[1:]:
        if number(step_id) == number(run[-1]) + 1:
            run.append(step_id)
            continue
        parts.append(f"{run[0]}\u2013{run[-1]}" if len(run) > 2 else ", ".join(run))
        run = [step_id]
    parts.append(f"{run[0]}\u2013{run[-1]}" if len(run) > 2 else ", ".join(run))
    return ", ".join(parts)


def _colour_classes(ds: Dataset, parties) -> dict[str, list[str]]:
    """colour -> the parties among ``parties`` drawn in it, in the vocabulary's order."""
    present = set(pd.Series(parties, dtype=object).dropna().astype(str))
    out: dict[str, list[str]] = {}
    for party in ds.vocab.parties:
        if party in present:
            out.setdefault(party_colors([party])[party], []).append(party)
    return out


def _class_label(ds: Dataset, parties, width: int = 22) -> str:
    """Parties sharing a colour, as one key entry wrapped to ``width`` characters."""
    import textwrap

    names = " / ".join(party_label(ds, p) for p in parties)
    return textwrap.fill(names, width, break_on_hyphens=False)


def _sizes(killed: pd.Series) -> np.ndarray:
    return 30 + 25 * killed.fillna(0).to_numpy(dtype=float)


_LEGEND_MARKER = 40.0  # points^2: every class readable in the legend, whatever its deaths


#: Where a legend goes: inside the axes where the data leaves room, under the axes (in
#: columns, for a wide chart), or beside them on the right (two columns, so it stays short).
LEGEND_PLACES = {
    "best": {"loc": "best"},
    "below": {"loc": "upper center", "bbox_to_anchor": (0.5, -0.12), "ncols": 5},
    "right": {"loc": "upper left", "bbox_to_anchor": (1.01, 1), "ncols": 2},
}


def _legends(
    ax: Axes,
    title: str,
    killed: pd.Series | None = None,
    extra=None,
    where: str = "best",
    **placement,
) -> None:
    """One legend at ``where`` (a key of :data:`LEGEND_PLACES`; ``placement``, legend keyword
    arguments, take precedence): the colour classes with their markers at one readable size
    (parties drawn in one colour named together), then, with ``killed``, a key to the marker
    sizes, then ``extra`` (handles, labels)."""
    if where not in LEGEND_PLACES:
        raise ValueError(f"legend must be one of {', '.join(LEGEND_PLACES)}, not {where!r}")
    handles, labels = _merge_same_colour(*ax.get_legend_handles_labels())
    if not handles and not extra:
        return
    if extra:
        handles += list(extra[0])
        labels += list(extra[1])
    style = LEGEND_PLACES[where] | placement
    sizes = _size_key(killed)
    if sizes:
        handles, labels, style = _size_key_in_columns(handles, labels, sizes, style)
    legend = ax.legend(
        handles, labels, title=title, fontsize=7, title_fontsize=7, frameon=False,
        # rows far enough apart that the largest marker of the size key does not overlap
        # its neighbour
        labelspacing=sizes[2] if sizes else 0.5,
        **style,
    )  # fmt: skip
    _readable_markers(legend, labels)


def _key_above_bars(ax: Axes, relegend) -> None:
    """Where the legend of ``ax`` lies over a bar (a month's bar fills most of a chart of
    one or two months, and "best" finds no free corner), draw it again (``relegend``,
    given legend keywords) in the upper right, in as few columns as leave the bars at
    least half the axis' height, and raise the axis so that every bar stays below it: a
    key read over a bar hid both."""
    legend = ax.get_legend()
    if legend is None or not ax.patches:
        return
    renderer = _renderer(ax.figure)  # any canvas (a Figure() of its own, pdf, svg)
    # the key's box once: placing a "best" legend weighs every bar anew each time
    key = legend.get_window_extent(renderer)
    if not any(key.overlaps(p.get_window_extent(renderer)) for p in ax.patches):
        return
    room = 0.0
    for columns in (1, 2, 3, 4):
        relegend(loc="upper right", ncols=columns)
        box = ax.get_legend().get_window_extent(renderer).transformed(ax.transAxes.inverted())
        room = box.y0 - 0.04  # the share of the axis height left to the bars
        if room >= 0.5:
            break
    top = max(p.get_y() + p.get_height() for p in ax.patches)
    low, _ = ax.get_ylim()
    ax.set_ylim(low, low + (top - low) / max(room, 0.3))


def _size_key_in_columns(handles: list, labels: list[str], sizes, style: dict):
    """The legend's entries with the size key after them, and its style, so that the key
    reads down a column of its own, smallest first: a legend of several columns fills
    them top to bottom, and the key's steps had been split between two columns (read
    across: "10 killed" above "5 killed"). The other entries fill whole columns before it,
    blank entries padding the last; ``style["ncols"]`` becomes the columns needed."""
    from matplotlib.lines import Line2D

    size_handles, size_labels = sizes[0], sizes[1]
    columns = style.get("ncols", 1)
    if columns <= 1 or not handles:
        return handles + size_handles, labels + size_labels, style
    rows = max(len(size_handles), -(-len(handles) // (columns - 1)))
    blank = Line2D([], [], linestyle="none", marker="")
    pad = -len(handles) % rows
    tail = -len(size_handles) % rows
    return (
        handles + [blank] * pad + size_handles + [blank] * tail,
        labels + [""] * pad + size_labels + [""] * tail,
        style | {"ncols": (len(handles) + pad) // rows + 1},
    )


def _size_key(killed: pd.Series | None):
    """The key to marker sizes for ``killed`` (up to three steps, the largest last) as
    (handles, labels, row spacing that keeps the largest marker off its neighbours); None
    when nothing is sized."""
    if killed is None or not killed.notna().any() or not killed.max() > 0:
        return None
    from matplotlib.lines import Line2D

    top = int(killed.max())
    steps = ([v for v in (1, 5, 10, 25, 50, 100) if v < top] + [top])[-3:]
    handles = [  # not drawn on the axes: a key only
        Line2D([], [], marker="o", linestyle="none", color="#999999",
               markersize=float(np.sqrt(_sizes(pd.Series([v]))[0])))
        for v in steps
    ]  # fmt: skip
    return handles, [f"{v} killed" for v in steps], _key_spacing(float(top))


def _readable_markers(legend, labels: list[str]) -> None:
    """Every class at one readable marker size (the size key keeps its true sizes)."""
    legend._legend_box.align = "left"
    for handle, label in zip(legend.legend_handles, labels, strict=True):
        if hasattr(handle, "set_sizes") and not label.endswith(" killed"):
            handle.set_sizes([_LEGEND_MARKER])


def _key_beside(ax: Axes, parts, gap: float = 8.0, grow: bool = False) -> list:
    """Legends stacked down the right of ``ax`` from its top, ``gap`` points apart; each
    part ``(title, handles, labels, row spacing)`` its own legend, so a large size-key
    marker spaces only its own rows. With ``grow`` (a figure made for ``ax`` alone), the
    figure is made taller when the key would run off its foot, the axes growing with it.
    Returns the legends (the first is ``ax.get_legend()``)."""
    from matplotlib.legend import Legend

    fig = ax.figure
    parts = [part for part in parts if part[1]]
    # one renderer for both placings: the canvas makes a new one once the figure grows,
    # and every label of the key would be measured again (text sizes do not change)
    renderer = _renderer(fig)

    def place() -> tuple[list, float]:
        legends, top, foot = [], 1.0, 0.0
        for title, handles, labels, spacing in parts:
            style = dict(
                title=title, fontsize=7, title_fontsize=7, frameon=False, labelspacing=spacing,
                loc="upper left", bbox_to_anchor=(1.02, top), bbox_transform=ax.transAxes,
                borderaxespad=0,
            )  # fmt: skip
            if legends:  # the others are artists of their own, unclipped: add_artist
                # clips them to the axes, and a tight bounding box (an inline figure's)
                # then cut them off at the axes' edge
                legend = ax.add_artist(Legend(ax, handles, labels, **style))
                legend.set_clip_on(False)
            else:  # the first is the Axes' legend, as ax.get_legend() answers
                legend = ax.legend(handles, labels, **style)
            _readable_markers(legend, labels)
            legends.append(legend)
            # a size key's last marker reaches below its row, outside the legend's box
            below = max([h.get_markersize() / 2 for h in handles if _is_marker(h)], default=0)
            foot = legend.get_window_extent(renderer).y0 - below * fig.dpi / 72
            top = ax.transAxes.inverted().transform((0, foot - gap * fig.dpi / 72))[1]
        return legends, foot

    legends, foot = place()
    if grow and legends:
        foot = foot / fig.dpi  # inches
        margin = 0.05
        if foot < margin:
            for legend in legends:
                legend.remove()
            # the axes keep their top and bottom margins in inches; the rest grows
            height = fig.get_figheight()
            box = ax.get_position()
            grown = height + margin - foot
            fig.set_figheight(grown)
            bottom, top = box.y0 * height / grown, 1 - (1 - box.y1) * height / grown
            ax.set_position([box.x0, bottom, box.width, top - bottom])
            legends, _ = place()
    return legends


def _is_marker(handle) -> bool:
    from matplotlib.lines import Line2D

    return isinstance(handle, Line2D) and str(handle.get_marker()) not in ("None", "", " ")


def _key_spacing(top: float, fontsize: float = 7.0) -> float:
    """Legend row spacing (in font sizes) that fits a size-key marker for ``top`` killed."""
    diameter = float(np.sqrt(_sizes(pd.Series([top]))[0]))  # points, as markersize
    return max(0.5, (diameter - fontsize) / fontsize + 0.3)


def _colour_of(handle) -> tuple | None:
    for get in ("get_facecolor", "get_color"):
        if hasattr(handle, get):
            colour = np.atleast_2d(getattr(handle, get)())
            return tuple(np.round(colour[0][:3], 3)) if len(colour) else None
    patches = getattr(handle, "patches", None)  # a bar chart's container
    return _colour_of(patches[0]) if patches else None


def _merge_same_colour(handles: list, labels: list[str]) -> tuple[list, list[str]]:
    """One legend entry per colour: parties drawn in one colour (``_GROUPS``, e.g. the Iraqi
    army and the counter-terrorism service) are named together ("Iraqi Army / ..."), since
    separate entries with one colour would claim a difference the figure cannot show.
    Returns the handles and labels, in first-seen order, a shared name's parties in
    alphabetical order; a long shared name takes one line per party."""
    order: list = []
    merged: dict = {}
    for handle, label in zip(handles, labels, strict=True):
        key = _colour_of(handle) or id(handle)
        if key not in merged:
            order.append(key)
            merged[key] = (handle, [label])
        elif label not in merged[key][1]:
            merged[key][1].append(label)

    def name(labels: list[str]) -> str:
        # in one order whatever each chart draws first, so two charts' keys read alike
        labels = sorted(labels, key=str.casefold)
        joined = " / ".join(labels)
        # a long shared name on one line per party, so the legend stays narrow
        return joined if len(joined) <= 24 else " /\n".join(labels)

    return [merged[k][0] for k in order], [name(merged[k][1]) for k in order]


def _period(ds: Dataset, start, end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``start``/``end`` as timestamps, checked as a selection's are (``YYYY-MM-DD`` or a
    date; :class:`~kirkuk_analysis.selection.SelectionError` for a malformed one or a
    start after the end); where ``None``, the selection's own
    (:func:`kirkuk_analysis.analysis.select`), else the extent of its dated rows
    (incidents and coordination steps), else 2020-2024."""
    from kirkuk_analysis.selection import check_selection

    chosen = getattr(ds, "selection", None)
    asked = check_selection(start, end, vocab=ds.vocab)  # malformed, or start after end
    start = asked.start if asked.start is not None else getattr(chosen, "start", None)
    end = asked.end if asked.end is not None else getattr(chosen, "end", None)
    if start is not None and end is not None and start > end:
        check_selection(start, end, vocab=ds.vocab)  # the selection's dates with the one given
    firsts = pd.concat([ds.incidents.date_start, ds.coordination.date_start]).dropna()
    lasts = pd.concat([ds.incidents.date_end, ds.coordination.date_end]).dropna()
    lo = (
        pd.Timestamp(start)
        if start is not None
        else (firsts.min() if len(firsts) else pd.Timestamp("2020-01-01"))
    )
    hi = (
        pd.Timestamp(end)
        if end is not None
        else (lasts.max() if len(lasts) else pd.Timestamp("2024-12-31"))
    )
    if start is None and end is None:  # drawn from the data: a margin so edge points show
        pad = max((hi - lo) * 0.03, pd.Timedelta(days=3))
        lo, hi = lo - pad, hi + pad
    return lo, max(hi, lo)


#: Heights a mark may take about its lane when others are close in time: on the lane, then
#: above, below, and halfway.
_STACK = (0.0, 0.24, -0.24, 0.12, -0.12)


def _stacked(starts: pd.Series, ends: pd.Series, close, lanes=None) -> np.ndarray:
    """Each mark's offset from its lane (:data:`_STACK`), the marks taken in date order: a
    mark starting within ``close`` of the end of one already placed in its lane takes the
    first height that one does not hold, so none hides another. ``lanes``: each mark's
    lane (one lane when None). Returns the offsets in the order given."""
    order = np.argsort(starts.to_numpy(), kind="stable")
    lanes = np.zeros(len(starts)) if lanes is None else np.asarray(lanes)
    placed: dict = {}
    out = np.zeros(len(starts))
    s, e = starts.to_numpy(), ends.to_numpy()
    for i in order:
        taken = {o for end, o in placed.get(lanes[i], []) if s[i] - end < close}
        out[i] = next((o for o in _STACK if o not in taken), 0.0)
        placed.setdefault(lanes[i], []).append((e[i], out[i]))
    return out


def _span(ax: Axes, start, end, y: float, color, gid: str, alpha: float = 0.45) -> None:
    """An uncertain date: a band over the whole range (end day included) at height ``y``,
    translucent (overlapping bands stay visible) inside an outline in ``color`` itself: a
    translucent fill alone reads as a lighter colour, another party's in the key."""
    from matplotlib.colors import to_rgba

    band = ax.fill_between(
        [start, end + pd.Timedelta(days=1)],
        y - 0.12,
        y + 0.12,
        facecolor=to_rgba(color, alpha),
        edgecolor=color,
        linewidth=0.9,
        zorder=2,
    )
    band.set_gid(gid)


@_themed
def timeline(
    ds: Dataset, ax: Axes | None = None, start=None, end=None, legend: str = "below"
) -> Axes:
    """Attacks over time (size by deaths, colour by target party) and coordination steps;
    returns the Axes.

    Attacks sit on the upper row, coordination steps (diamonds, labelled with their id)
    on the lower row. A date known only as a range (week, month, year) is drawn as a
    horizontal span over the range, not as a point. The axis spans ``start``..``end``,
    by default the selection's own dates. ``legend``: ``"below"`` (the default) or
    ``"right"`` (outside the axes: a figure made here makes room for it), or ``"best"``
    (inside, where the data leaves room: only for a few classes); the colour key's markers
    share one size, and a separate key gives the marker sizes.
    """
    require_dataset(ds, "timeline")
    ax = _axes(ax, (11, 3.6))
    table = incident_table(ds)
    att = table[table.event_type.isin(ds.vocab.attack_types)]
    colors = party_colors(ds.vocab.parties)
    first_day, last_day = _period(ds, start, end)
    # attacks close in time are stacked apart, so none hides another
    height = pd.Series(
        1 + _stacked(att.date_start, att.date_end, (last_day - first_day) * 0.015),
        index=att.index,
    )
    for target, group in att.groupby("target", observed=True):
        exact = group[group.date_start == group.date_end]
        # an attack whose killed no article gives is hollow (as on the map and the
        # swimlane), never drawn as a small toll
        for unknown, rows in exact.groupby(exact.killed.isna(), sort=False):
            ax.scatter(
                rows.date_start,
                height[rows.index].to_numpy(),
                s=_sizes(rows.killed),
                facecolor="none" if unknown else colors[target],
                edgecolor=colors[target] if unknown else "white",
                alpha=0.85,
                linewidth=1.2 if unknown else 0.6,
                zorder=3,
            )
        ax.scatter([], [], color=colors[target], label=party_label(ds, target))  # the key
        for row in group[group.date_start != group.date_end].itertuples():
            _span(
                ax, row.date_start, row.date_end, height[row.Index], colors[target],
                f"span:{row.incident_id}",
            )  # fmt: skip
    steps = ds.coordination
    context = steps.kind.astype(str) == "context"  # handovers, statements: not steps
    for is_context, marker, face, label in (
        (False, "D", "#666666", "coordination step"),
        (True, "s", "none", "context item (handover, statement)"),
    ):
        exact = steps[(context == is_context) & (steps.date_start == steps.date_end)]
        ax.scatter(
            exact.date_start, np.zeros(len(exact)), marker=marker, s=28, facecolor=face,
            edgecolor="#666666", label=label if len(exact) or not is_context else None,
            zorder=3,
        )  # fmt: skip
    for row in steps[steps.date_start != steps.date_end].itertuples():
        _span(ax, row.date_start, row.date_end, 0, "#666666", f"span:{row.step_id}", 0.25)
    # Steps starting within 4% of the axis of each other share one label ("K15–K26" for
    # the spring of 2021), placed under the middle of the cluster; neighbouring labels
    # alternate between two lines.
    start, end = first_day, last_day
    close = (end - start) * 0.04
    clusters: list[list] = []
    # a step begun before the axis (a range reaching into the period) is labelled where
    # the axis begins, not off it
    shown = steps.assign(date_start=steps.date_start.clip(lower=start, upper=end))
    for row in shown.sort_values(["date_start", "step_id"]).itertuples():
        if clusters and row.date_start - clusters[-1][0].date_start < close:
            clusters[-1].append(row)
        else:
            clusters.append([row])
    for i, cluster in enumerate(clusters):
        first, last = cluster[0].date_start, cluster[-1].date_start
        at = first + (last - first) / 2
        # a label at an edge of the axis reads inwards, not across the spine
        where = (at - start) / max(end - start, pd.Timedelta(days=1))
        align = "left" if where < 0.04 else "right" if where > 0.96 else "center"
        note = ax.annotate(
            _step_label([r.step_id for r in cluster]),
            (at, 0),
            xytext=(0, -10 - 8 * (i % 2)),
            textcoords="offset points",
            fontsize=6,
            ha=align,
            va="top",
        )
        note.set_gid("steps:" + ",".join(r.step_id for r in cluster))
    time_axis(ax, start, end)
    ax.set_ylim(-0.8, 1.6)
    ax.set_yticks([0, 1], ["coordination", "attacks"])
    if att.empty and steps.empty:
        _say_empty(ax, "No attack or coordination step in this selection")
    else:
        _legends(ax, "target / step", att.killed, where=legend)
    ax.set_title(
        f"Attacks (size: killed{_whose(ds)}; hollow: no figure) and coordination steps; "
        "spans: uncertain dates"
    )
    return ax


@functools.cache
def _glyph_marker(char: str):
    """A marker drawing ``char`` (a matplotlib Path, centred on the point): the outline of
    its glyph in DejaVu Sans (matplotlib's own face), taken as plain text. A ``"$?$"`` marker
    draws the same glyph through mathtext, whose parser is built on first use: about 0.2 s
    of every brief.

    >>> len(_glyph_marker("?").vertices) > 4
    True
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath

    glyph = TextPath((0, 0), char, size=1, prop=FontProperties(family="DejaVu Sans"))
    middle = (glyph.vertices.min(axis=0) + glyph.vertices.max(axis=0)) / 2
    return Path(glyph.vertices - middle, glyph.codes)


@_themed
def monthly_casualties(
    ds: Dataset, ax: Axes | None = None, outcome: str = "killed", start=None, end=None
) -> Axes:
    """Recorded casualties per month, stacked by the party that suffered them.

    The axis spans ``start``..``end`` (dates), by default the selection's period
    (:func:`kirkuk_analysis.analysis.select`), else the months with figures: months with
    none show as empty, so a reader sees the whole period, not only its busy part. Ticks
    fall on month starts. Returns the Axes.
    """
    require_dataset(ds, "monthly_casualties")
    if outcome not in ds.vocab.outcomes:
        raise ValueError(f"outcome must be one of {', '.join(ds.vocab.outcomes)}, not {outcome!r}")
    ax = _axes(ax)
    m = monthly(ds, by="party")
    wide = m.pivot_table(
        index="month", columns="party", values=outcome, aggfunc="sum", observed=True
    ).fillna(0)
    # checked as the other time charts check them (a malformed date, a start after the end)
    from kirkuk_analysis.selection import check_selection

    asked = check_selection(start, end, vocab=ds.vocab)
    chosen = getattr(ds, "selection", None)
    start = asked.start if asked.start is not None else getattr(chosen, "start", None)
    end = asked.end if asked.end is not None else getattr(chosen, "end", None)
    if start is not None and end is not None and start > end:
        check_selection(start, end, vocab=ds.vocab)
    first = pd.Period(start, freq="M") if start is not None else None
    last = pd.Period(end, freq="M") if end is not None else None
    if len(m):
        first = min(first, m.month.min()) if first is not None else m.month.min()
        last = max(last, m.month.max()) if last is not None else m.month.max()
    if first is not None and last is not None:
        months = pd.period_range(first, last, freq="M")
        wide = wide.reindex(months, fill_value=0)
    wide = wide.loc[:, wide.sum() > 0] if len(wide.columns) else wide
    colors = party_colors(wide.columns)
    x = wide.index.to_timestamp() if len(wide) else pd.DatetimeIndex([])
    bottom = np.zeros(len(wide))
    for party in wide.columns:
        values = wide[party].to_numpy(dtype=float)
        drawn = values > 0  # a zero-height bar shows nothing but costs a patch to draw
        ax.bar(
            x[drawn],
            values[drawn],
            width=25,
            bottom=bottom[drawn],
            color=colors[party],
            label=party_label(ds, party),
            align="edge",
        )
        bottom += values
    ax.set_ylabel(f"recorded {outcome}")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # people, never 0.5 of one
    if len(wide):
        span = wide.index.to_timestamp()
        ax.set_xlim(span[0], (wide.index[-1] + 1).to_timestamp())
        ax.xaxis.set_major_locator(_month_ticks(wide.index))
        ax.xaxis.set_major_formatter(_month_label)
        # a short unlabelled tick at every month's start, so that a bar is read as its own
        # month, not the labelled one next to it (December's ends at "Jan"): one line of
        # tick marks, as the axis draws its own, not a minor tick per month (each tick is
        # an artist of its own: sixty took a third of the chart's time to draw)
        _month_starts(ax, span)
    # months holding an incident that gives no figure of this outcome: their toll is
    # unknown (no bar) or a floor (the bar adds up the others), never known, so marked
    # above the bar
    lacking = months_without_figure(ds, outcome)
    unknown = lacking.index[lacking.index.isin(wide.index)]
    extra = None
    if len(unknown):
        from matplotlib.lines import Line2D
        from matplotlib.transforms import offset_copy

        ax.plot(
            unknown.to_timestamp() + pd.Timedelta(days=12.5),
            wide.sum(axis=1).reindex(unknown).to_numpy(dtype=float),
            linestyle="none", marker=_glyph_marker("?"), markersize=7, color="#555555",
            transform=offset_copy(ax.transData, fig=ax.figure, y=6, units="points"),
            clip_on=False, gid="unknown-months",
        )  # fmt: skip
        ax.margins(y=0.15)  # room above the tallest bar for its mark
        mark = Line2D(
            [], [], linestyle="none", marker=_glyph_marker("?"), markersize=7, color="#555555"
        )
        extra = ([mark], [f"incidents with no {outcome} figure"])
    if len(wide.columns) or extra:
        title = "party" if len(wide.columns) else ""
        _legends(ax, title, extra=extra)
        _key_above_bars(ax, lambda **placement: _legends(ax, title, extra=extra, **placement))
    if not len(wide.columns):
        if not len(wide):
            ax.set_xticks([])
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            f"No {outcome} figure recorded in this selection",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#555555",
        )
    ax.set_title(f"Recorded {outcome} per month, by party")
    return _described(ax, _monthly_words(wide, outcome, lacking[lacking.index.isin(wide.index)]))


def _month_starts(ax: Axes, starts) -> None:
    """Short unlabelled tick marks at ``starts`` (dates) on ``ax``'s time axis, in the
    direction of its ticks, as one artist (gid ``month-starts``)."""
    from matplotlib.markers import TICKDOWN, TICKUP

    direction = ax.xaxis.get_tick_params(which="major").get(
        "direction", plt.rcParams["xtick.direction"]
    )
    ax.plot(
        starts, np.zeros(len(starts)), linestyle="none",
        marker={"in": TICKUP, "inout": "|"}.get(direction, TICKDOWN),
        markersize=2 * (2 if direction == "inout" else 1),
        markeredgewidth=plt.rcParams["xtick.minor.width"], color=plt.rcParams["xtick.color"],
        transform=ax.get_xaxis_transform(), clip_on=False, gid="month-starts",
    )  # fmt: skip


@plt.FuncFormatter
def _month_label(x, pos) -> str:
    """ "Jan 2021", then "Feb", "Mar"...: the year where it starts, and on the first tick."""
    when = mdates.num2date(x)
    return f"{when:%b %Y}" if when.month == 1 or pos == 0 else f"{when:%b}"


def _month_ticks(months: pd.PeriodIndex) -> FixedLocator:
    """Ticks on the starts of ``months`` (the chart's), few enough to read: every month up
    to a year, then every quarter up to three years, then every half year. None at the
    axis' right end, the start of the month after the last: it is no month of the chart,
    and its label, centred on the figure's edge, would be cut in half ("Jan 20").

    >>> loc = _month_ticks(pd.period_range("2020-01", "2024-12", freq="M"))
    >>> [f"{mdates.num2date(x):%Y-%m}" for x in loc.locs][-2:]
    ['2024-01', '2024-07']
    """
    every = 1 if len(months) <= 12 else 3 if len(months) <= 36 else 6
    starts = [m.to_timestamp() for m in months if (m.month - 1) % every == 0]
    return FixedLocator(mdates.date2num(starts))


def _monthly_words(wide: pd.DataFrame, outcome: str, lacking: pd.Series) -> str:
    """The monthly chart in words (its alt text): ``wide`` is months x parties, ``lacking``
    the incidents without a figure per month (:func:`months_without_figure`).

    >>> months = pd.period_range("2021-01", "2021-03", freq="M")
    >>> wide = pd.DataFrame({"peshmerga": [0, 2, 3]}, index=months)
    >>> _monthly_words(wide, "killed", pd.Series([1], index=months[1:2])).split(". ")[-1]
    '1 incident in 1 month gives no killed figure (marked ? on the chart).'
    """
    per_month = wide.sum(axis=1) if len(wide.columns) else pd.Series(dtype=float)
    unknown = ""
    if n := int(lacking.sum()):
        gives = "gives" if n == 1 else "give"
        unknown = (
            f" {_count(n, 'incident')} in {_count(len(lacking), 'month')} {gives} no "
            f"{outcome} figure (marked ? on the chart)."
        )
    if not len(per_month) or not per_month.sum() > 0:
        return f"Bar chart of recorded {outcome} per month: no figure in this selection." + unknown
    peak = per_month.idxmax()
    first, last = wide.index[0], wide.index[-1]
    when = f"in {first:%B %Y}" if first == last else f"{first:%B %Y} to {last:%B %Y}"
    return (
        f"Bar chart of recorded {outcome} per month, by party, {when}: "
        f"{int(per_month.sum())} {outcome} in "
        f"{_count(int((per_month > 0).sum()), 'month')}, the most ({int(per_month[peak])}) "
        f"in {peak:%B %Y}." + unknown
    )


@_themed
def province_swimlane(
    ds: Dataset, ax: Axes | None = None, start=None, end=None, legend: str = "right"
) -> Axes:
    """One lane per province: each incident a point, sized by its killed and coloured by
    its target (hollow where no figure is given, as on the map), or a bar over its range
    when its date is a range; returns the Axes.

    Incidents close in time in one lane (within 3% of the axis) are stacked a little
    apart, so none hides another. ``legend`` (as :func:`timeline`'s) places the key to
    the colours and sizes.
    """
    require_dataset(ds, "province_swimlane")
    ax = _axes(ax, (10, 3.5))
    table = incident_table(ds).sort_values(["date_start", "incident_id"])
    provinces = sorted(table.province.dropna().astype(str).unique())
    lane = {p: i for i, p in enumerate(provinces)}
    colors = party_colors(ds.vocab.parties)
    first, last = _period(ds, start, end)
    offsets = _stacked(
        table.date_start, table.date_end, (last - first) * 0.03, table.province.astype(str)
    )
    for row, offset in zip(table.itertuples(), offsets, strict=True):
        province = str(row.province)
        y = lane[province] + offset
        color = colors[str(row.target)]
        if row.date_start == row.date_end:
            unknown = pd.isna(row.killed)
            ax.scatter(
                row.date_start,
                y,
                s=_sizes(pd.Series([row.killed]))[0],
                facecolor="none" if unknown else color,
                edgecolor=color if unknown else "white",
                linewidth=1.2 if unknown else 0.6,
                zorder=3,
            )
        else:
            _span(ax, row.date_start, row.date_end, y, color, f"span:{row.incident_id}")
    for target in dict.fromkeys(table.target.astype(str)):  # the key: one filled marker each
        ax.scatter([], [], color=colors[target], label=party_label(ds, target))
    ax.set_yticks(range(len(provinces)), provinces)
    ax.set_ylim(-0.7, max(len(provinces), 1) - 0.3)
    time_axis(ax, first, last)
    ax.set_title(
        f"Incidents by province (colour: target; size: killed{_whose(ds)}; hollow: no figure)"
    )
    if table.empty:
        _say_empty(ax, "No incident in this selection")
    else:
        _legends(ax, "target", table.killed, where=legend)
    n = len(table)
    if not n:
        return _described(ax, "Incidents by province: none in this selection.")
    return _described(
        ax,
        f"Incidents by province: {_plural_words(n, 'incident')} in "
        f"{_plural_words(len(provinces), 'province')} ({', '.join(provinces)}), each a point "
        "on its date sized by its killed and coloured by its target, or a bar over its "
        "date range.",
    )


def _plural_words(n: int, one: str) -> str:
    return f"{n} {one if n == 1 else one + 's'}"


#: The Kurdistan Region's governorates in the shipped boundaries (Halabja is part of the
#: Sulaymaniyah polygon there; see kirkuk_analysis/geo/SOURCE.md).
KURDISTAN_GOVERNORATES = ("Duhok", "Erbil", "Sulaymaniyah")
_MIN_SPAN = (1.6, 1.2)  # degrees lon, lat: a lone incident still shows its surroundings


@functools.cache
def _boundaries() -> tuple[dict, list, list]:
    """(governorate name -> its rings, the Kurdistan Region's outline as lines, Iraq's
    border), from the shipped Natural Earth files, read once per process."""
    rings = {name: list(polys) for name, polys in governorate_rings().items()}
    country = json.loads((_paths.geo_dir() / "iraq_admin0.geojson").read_text(encoding="utf-8"))
    border = []
    for feature in country["features"]:
        geom = feature["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        border += [np.asarray(p[0], dtype=float) for p in polys]
    kurdistan = _outline([r for n in KURDISTAN_GOVERNORATES for r in rings.get(n, [])])
    return rings, kurdistan, border


def _outline(rings) -> list[np.ndarray]:
    """The outer boundary of adjoining polygons as polylines: the edges only one polygon
    has (neighbours in the source share their vertices exactly), chained end to end."""
    from collections import Counter

    def key(a, b):
        return (a, b) if a <= b else (b, a)

    edges = [(tuple(p), tuple(q)) for ring in rings for p, q in itertools.pairwise(ring.tolist())]
    count = Counter(key(a, b) for a, b in edges)
    following = {a: b for a, b in edges if count[key(a, b)] == 1}
    lines = []
    while following:
        first = next(iter(following))
        line, point = [first], first
        while point in following:
            point = following.pop(point)
            line.append(point)
        lines.append(np.asarray(line))
    return lines


def _map_extent(ds: Dataset, lon, lat) -> tuple[float, float, float, float]:
    """The plotted places' extent with a margin, at least ``_MIN_SPAN``; with no place, the
    extent of the package's places in the disputed territories."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if not len(lon):
        places = ds.places[ds.places.disputed.fillna(False).astype(bool)]
        if places.empty:
            places = ds.places
        lon, lat = places.lon.to_numpy(dtype=float), places.lat.to_numpy(dtype=float)
    extent = []
    for values, span in ((lon, _MIN_SPAN[0]), (lat, _MIN_SPAN[1])):
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        pad = max((hi - lo) * 0.12, 0.3)
        lo, hi = lo - pad, hi + pad
        if hi - lo < span:
            mid = (lo + hi) / 2
            lo, hi = mid - span / 2, mid + span / 2
        extent += [lo, hi]
    return tuple(extent)


def _renderer(fig):
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


def _place_labels(ax: Axes, labels, obstacles, renderer, lines=()) -> list:
    """Place labels where they collide with nothing, in priority order; deterministic.

    A place label ``(text, lon, lat, style, None)`` goes beside its point, in the first of
    eight positions (right, left, above, below, then the diagonals; then the same farther
    out, with a leader line) whose box no line of ``lines`` (Paths, data coordinates: the
    map's dark boundaries) crosses, so that no stroke reads as part of a name ("Kifri"
    cut by a border reads "Kifr"); where every position is crossed, the first otherwise
    free one. A region label ``(text, lon, lat, style, path)`` is centred
    on the first of the region's candidate anchors (:func:`_region_anchors`) where its box
    lies wholly inside the region, so a governorate's name never straddles a boundary. A
    position is taken when its box overlaps no label placed before it and no obstacle
    (points, the inset) and stays inside the Axes; a label that fits nowhere is left out
    rather than drawn over another. Returns the Text artists."""
    from matplotlib.transforms import Bbox

    inside = ax.get_window_extent(renderer)
    to_data = ax.transData.inverted()
    taken = list(obstacles)
    placed = []
    directions = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
    around = [(d, dx, dy) for d in (5, 12, 20, 30) for dx, dy in directions]
    for text, lon, lat, style, region in labels:
        if region is None:  # clear of the lines first, then anywhere free
            candidates = [((lon, lat), d, dx, dy, clear) for clear in (bool(lines), False)
                          for d, dx, dy in around]  # fmt: skip
        else:
            candidates = [(anchor, 0, 0, 0, False) for anchor in lon]  # lon: the anchors
        artist = ax.annotate(
            text, candidates[0][0] if candidates else (0, 0), xytext=(0, 0),
            textcoords="offset points", annotation_clip=False, parse_math=False,
            ha="left", va="bottom", **style,
        )  # fmt: skip
        # measured once; each candidate's box is then arithmetic (a text's box only moves
        # with its anchor, offset and alignment), so trying many positions costs nothing
        ref = artist.get_window_extent(renderer)
        anchor = ax.transData.transform(artist.xy)
        w, h = ref.width, ref.height
        lift = ref.y0 - anchor[1]  # baseline offset of va="bottom" (0 unless rounding)
        points = ax.figure.dpi / 72
        for (x, y), distance, dx, dy, clear in candidates:
            px, py = ax.transData.transform((x, y))
            left = px + dx * distance * points - {1: 0, -1: w, 0: w / 2}[dx]
            bottom = py + dy * distance * 0.8 * points + lift - {1: 0, -1: h, 0: h / 2}[dy]
            box = Bbox([[left, bottom], [left + w, bottom + h]])
            fits = (
                box.x0 >= inside.x0 and box.x1 <= inside.x1
                and box.y0 >= inside.y0 and box.y1 <= inside.y1
                and not any(box.overlaps(other) for other in taken)
            )  # fmt: skip
            if fits and region is not None:
                xs, ys = (box.x0, (box.x0 + box.x1) / 2, box.x1), (box.y0, box.y1)
                corners = to_data.transform([(a, b) for a in xs for b in ys])
                fits = bool(region.contains_points(corners).all())
            if fits and clear:
                area = Bbox(to_data.transform([[box.x0, box.y0], [box.x1, box.y1]]))
                fits = not any(line.intersects_bbox(area, filled=False) for line in lines)
            if fits:
                artist.xy = (x, y)
                artist.set_ha({1: "left", -1: "right", 0: "center"}[dx])
                artist.set_va({1: "bottom", -1: "top", 0: "center"}[dy])
                artist.xyann = (dx * distance, dy * distance * 0.8)
                if distance > 5:  # away from its point: a leader line shows which
                    start = np.array([px, py])
                    end = start + np.array([dx, dy * 0.8]) * (distance - 2) * points
                    lx, ly = to_data.transform([start, end]).T
                    ax.plot(lx, ly, color="#777777", lw=0.5, zorder=5)
                taken.append(box)
                placed.append(artist)
                break
        else:
            artist.remove()
    return placed


def _region_anchors(ring: np.ndarray, extent, n: int = 9) -> list[tuple[float, float]]:
    """Points of a grid over the visible part of a polygon that lie inside it, nearest to
    their own middle first: where a region's name may go."""
    from matplotlib.path import Path

    x0, x1, y0, y1 = extent
    lo = np.maximum(ring.min(axis=0), [x0, y0])
    hi = np.minimum(ring.max(axis=0), [x1, y1])
    if (hi <= lo).any():
        return []
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], n + 2)[1:-1],
                         np.linspace(lo[1], hi[1], n + 2)[1:-1])  # fmt: skip
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    grid = grid[Path(ring).contains_points(grid)]
    if not len(grid):
        return []
    middle = grid.mean(axis=0)
    order = np.lexsort((grid[:, 0], grid[:, 1], ((grid - middle) ** 2).sum(axis=1)))
    return [tuple(map(float, p)) for p in grid[order]]


@_themed
def incident_map(ds: Dataset, ax: Axes | None = None, extent=None, inset: bool = True) -> Axes:
    """Incidents on a map zoomed to where they happened, size by deaths, colour by target.

    By default the map spans the selection's incidents with a margin (with none, the
    disputed territories' places); ``extent=(lon0, lon1, lat0, lat1)`` sets it. Place names
    are labelled beside their points without overlapping (:func:`_place_labels`);
    governorate names are added where they fit. Province (governorate) boundaries are thin
    grey lines, the Kurdistan Region's (its three governorates) a heavy dashed line, Iraq's
    border a solid dark line; governorates holding disputed places are shaded. An inset in
    a corner free of incidents locates the zoomed area in Iraq. Boundaries:
    ``kirkuk_analysis/geo/`` (Natural Earth, public domain, see SOURCE.md). Returns the Axes.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kirkuk_analysis import load
    >>> ax = incident_map(load())
    >>> bool(ax.get_xlim()[1] - ax.get_xlim()[0] < 6)  # Iraq spans about 10 degrees of longitude
    True
    """
    require_dataset(ds, "incident_map")
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    own_figure = ax is None
    if own_figure:  # room on the right for the key
        fig, ax = plt.subplots(figsize=(PRINT_WIDTH, 4.4))
        fig.subplots_adjust(left=0.08, right=0.7, top=0.94, bottom=0.08)
    fig = ax.figure
    rings, kurdistan, border = _boundaries()
    places = ds.places
    disputed_provinces = set(places.province[places.disputed.fillna(False).astype(bool)]
                             .astype(str))  # fmt: skip
    table = incident_table(ds)
    # only the columns the map reads: each row selection below copies every column, and the
    # wide table's (a figure column per party and outcome) made them ~10 ms each
    located = table.dropna(subset=["lon", "lat"])[
        ["incident_id", "place_id", "province", "lon", "lat", "target", "killed", "geo_precision"]
    ]
    x0, x1, y0, y1 = extent if extent is not None else _map_extent(ds, located.lon, located.lat)

    # parties drawn in one colour share one key entry ("Iraqi Army / Counter-Terrorism"),
    # so the key never promises a difference the map cannot show
    # Several incidents may share a place: the larger dots are drawn first (the classes
    # with the largest first, and within a class by size), so a smaller one stays visible
    # on top, and a hollow ring (no killed figure) is an outline only, over them all: it
    # never hides a dot with a figure beneath it.
    classes = [
        (colour, located[located.target.astype(str).isin(targets)], targets)
        for colour, targets in _colour_classes(ds, located.target).items()
    ]
    classes.sort(key=lambda c: -c[1].killed.astype("Float64").fillna(0).max())
    for colour, group, targets in classes:
        group = group.sort_values("killed", ascending=False, na_position="last")
        known = group[group.killed.notna()]  # (empty for a class of unknowns: its key entry)
        ax.scatter(
            known.lon, known.lat, s=_sizes(known.killed), color=colour, alpha=0.85,
            edgecolor="#333333" if colour == "#F0E442" else "white", linewidth=0.6,
            label=_class_label(ds, targets), zorder=4,
        )  # fmt: skip
        unknown = group[group.killed.isna()]
        if len(unknown):  # no killed figure: hollow, never drawn as if 0 were known
            from matplotlib.patheffects import withStroke

            # a white edge on both sides of the ring: over a dot of its own colour at the
            # same place it had vanished, two incidents reading as one
            ax.scatter(
                unknown.lon, unknown.lat, s=_sizes(unknown.killed), facecolor="none",
                edgecolor=colour, linewidth=1.2, zorder=4.5, gid="killed-unknown",
                path_effects=[withStroke(linewidth=3.2, foreground="white")],
            )  # fmt: skip
    # the key, beside the map so it never hides a place: what the colours say, the sizes
    # (rows spaced for its largest marker only), then the lines and shading
    handles = [
        Line2D([], [], color="#333333", lw=1.0),
        Line2D([], [], color="#8C8C8C", lw=0.6),
        Line2D([], [], color="#000000", lw=1.6, ls=(0, (5, 2.5))),
        Patch(facecolor="#F7EFA8", edgecolor="#8C8C8C", lw=0.6),
    ]
    names = [
        "Iraq border",
        "province boundary",
        "Kurdistan Region boundary\n(Duhok, Erbil, Sulaymaniyah)",
        "province with disputed\nterritory",
    ]
    sizes = _size_key(located.killed)
    if located.killed.isna().any():
        hollow = Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markersize=np.sqrt(_sizes(pd.Series([np.nan]))[0]),
            markerfacecolor="white",
            markeredgecolor="#666666",
        )
        sizes = (
            ([*sizes[0], hollow], [*sizes[1], "no figure (hollow)"], sizes[2])
            if sizes
            else ([hollow], ["no figure (hollow)"], 0.5)
        )
    _key_beside(
        ax,
        [
            ("target", *_merge_same_colour(*ax.get_legend_handles_labels()), 0.5),
            (f"killed{_whose(ds)}", *sizes) if sizes else ("", [], [], 0.5),
            ("map", handles, names, 0.5),
        ],
        grow=own_figure,
    )
    # degrees of longitude shrink with latitude: keep the map's shapes true
    stretch = 1 / np.cos(np.radians((y0 + y1) / 2))
    if extent is None:  # widen the short side so the map fills its box
        box = ax.get_position()
        ratio = box.height * fig.get_figheight() / (box.width * fig.get_figwidth())
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if (y1 - y0) * stretch > ratio * (x1 - x0):
            half = (y1 - y0) * stretch / ratio / 2
            x0, x1 = cx - half, cx + half
        else:
            half = ratio * (x1 - x0) / stretch / 2
            y0, y1 = cy - half, cy + half
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(stretch)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("longitude (°E)", fontsize=7)
    ax.set_ylabel("latitude (°N)", fontsize=7)
    ax.set_title(f"Incidents by place (size: killed{_whose(ds)}; colour: target)", fontsize=9)

    ax.apply_aspect()
    # the boundaries, once the map's extent and size are known: those in view, each thinned
    # to the detail the page can show (an SVG writes every vertex: the whole country's
    # boundaries, twice with the inset, were 300 kB of each brief's map)
    step = _degrees_per_point(ax)
    view = (x0, x1, y0, y1)
    shaded = [(ring, name in disputed_provinces) for name, polys in rings.items()
              for ring in polys]  # fmt: skip
    shapes = [(thin, shade) for (ring, shade), thin in
              zip(shaded, _thinned([r for r, _ in shaded], step, view), strict=True)
              if thin is not None]  # fmt: skip
    # one collection, not a patch per governorate: adding patches makes matplotlib walk
    # every vertex to update the data limits, which the fixed extent makes useless
    ax.add_collection(
        PolyCollection(
            [ring for ring, _ in shapes], closed=True, linewidths=0.6, edgecolors="#8C8C8C",
            facecolors=["#F7EFA8" if shade else "#F4F4F4" for _, shade in shapes],
            zorder=1, gid="governorates",
        ),
        autolim=False,
    )  # fmt: skip
    kurdistan_lines, border_lines = _kept(_thinned(kurdistan, step)), _kept(_thinned(border, step))
    ax.add_collection(
        LineCollection(kurdistan_lines, colors="#000000", linewidths=1.6,
                       linestyles=(0, (5, 2.5)), zorder=2, gid="kurdistan-boundary"),
        autolim=False,
    )  # fmt: skip
    ax.add_collection(
        LineCollection(border_lines, colors="#333333", linewidths=1.0, zorder=2,
                       gid="iraq-border"),
        autolim=False,
    )  # fmt: skip
    renderer = _renderer(fig)
    obstacles = []
    if len(located):
        pts = ax.transData.transform(located[["lon", "lat"]].to_numpy(dtype=float))
        radii = np.sqrt(_sizes(located.killed)) / 2 * fig.dpi / 72
        from matplotlib.transforms import Bbox

        obstacles = [
            Bbox([[x - r, y - r], [x + r, y + r]]) for (x, y), r in zip(pts, radii, strict=True)
        ]
    if inset:
        box = _inset(ax, rings, kurdistan, border, (x0, x1, y0, y1), located)
        obstacles.append(box.get_window_extent(renderer))

    # place names: incident places first (most incidents first), then governorates
    shown = located.groupby("place_id", sort=False).agg(
        n=("incident_id", "size"), lon=("lon", "first"), lat=("lat", "first"),
        precise=("geo_precision", "min"),
    )  # fmt: skip
    shown = shown.join(places.set_index("place_id")[["name", "kind"]])
    shown = shown.sort_values(["n", "name"], ascending=[False, True])
    # a point only near its place (geo_precision 2: a district seat standing in for a
    # village not located) is named so, as the tables name it, not as if it stood there
    labels = [
        (("near " if r.precise == 2 else "") + str(r.name_), r.lon, r.lat,
         {"fontsize": 7, "color": "#111111", "zorder": 6}, None)
        for r in shown.rename(columns={"name": "name_"}).itertuples()
    ]  # fmt: skip
    from matplotlib.path import Path

    region_style = {"fontsize": 6, "color": "#777777", "style": "italic", "zorder": 5}
    for name, polys in sorted(rings.items()):
        ring = max(polys, key=len)
        anchors = _region_anchors(ring, (x0, x1, y0, y1))
        if anchors:
            labels.append((name.upper(), anchors, None, region_style, Path(ring)))
    # the dark lines a name must not straddle (the grey province lines are lighter than text)
    dark = [Path(line) for line in (*kurdistan_lines, *border_lines)]
    for artist in _place_labels(ax, labels, obstacles, renderer, dark):
        artist.set_gid("place:" + artist.get_text().removeprefix("near "))  # the place's name
    return _described(ax, _map_words(located, inset, _whose(ds)))


#: Boundary detail finer than this (points on the page) is left out of a map.
_THIN_POINTS = 0.25


def _degrees_per_point(ax: Axes) -> float:
    """The finer of ``ax``'s two scales, in degrees per point on the page (its aspect and
    size applied)."""
    box = ax.get_window_extent()
    (lon0, lon1), (lat0, lat1) = ax.get_xlim(), ax.get_ylim()
    points = 72 / ax.figure.dpi
    return min(abs(lon1 - lon0) / (box.width * points), abs(lat1 - lat0) / (box.height * points))


def _thinned(lines, step: float, view=None, tolerance: float = _THIN_POINTS) -> list:
    """Each of ``lines`` (arrays of lon, lat; rings closed by their first point) as a map at
    ``step`` degrees per point draws it: None where it lies wholly outside ``view`` (lon0,
    lon1, lat0, lat1) or is smaller than ``tolerance`` points, else with only the vertices
    it needs to pass within ``tolerance`` points of every vertex of the original
    (:func:`_simplified`); first and last kept.

    >>> ring = np.array([[0, 0], [1, 0], [1, 0.001], [1, 1], [0, 1], [0, 0]], dtype=float)
    >>> [t.tolist() for t in _thinned([ring], step=0.01)]  # 0.001 degrees is 0.1 points
    [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]
    >>> _thinned([ring + 5], step=0.01, view=(0, 2, 0, 2))  # out of view
    [None]
    """
    limit = tolerance * step
    out = []
    for line in lines:
        line = np.asarray(line, dtype=float)
        lo, hi = line.min(axis=0), line.max(axis=0)
        if view is not None:
            x0, x1, y0, y1 = view
            if (
                hi[0] < min(x0, x1)
                or lo[0] > max(x0, x1)
                or hi[1] < min(y0, y1)
                or lo[1] > max(y0, y1)
            ):
                out.append(None)
                continue
        out.append(None if (hi - lo).max() < limit else line)
    drawn = [line for line in out if line is not None]
    if not drawn:
        return out
    # all lines at once (each line's ends are kept, so no stretch joins two lines)
    bounds = np.cumsum([len(line) for line in drawn])
    points = np.concatenate(drawn)
    keep = _simplified(points, bounds, limit)
    pieces = zip(np.split(points, bounds[:-1]), np.split(keep, bounds[:-1]), strict=True)
    thin = (line[kept] for line, kept in pieces)
    return [None if line is None else next(thin) for line in out]


def _simplified(points: np.ndarray, ends, limit: float) -> np.ndarray:
    """Which of ``points`` (an ``(n, 2)`` array: lines one after another, ``ends`` the index
    after each) a line must keep to pass within ``limit`` of all of them: Ramer-Douglas-
    Peucker, each line's first and last point kept, then, in every stretch between two kept
    points, the one farthest from the segment joining them, while it lies farther than
    ``limit`` (a closed ring's first stretch, from a point to itself: the farthest from it).

    All stretches are split together, one numpy pass per round: a country's boundaries
    take a few dozen rounds, where a stretch at a time took a tenth of a second.

    >>> pts = np.array([[0, 0], [1, 0.05], [2, 0], [2, 1], [0, 0]], dtype=float)
    >>> _simplified(pts, [3, 5], limit=0.1).tolist()  # two lines: three points, two
    [True, False, True, True, True]
    """
    n = len(points)
    ends = np.asarray(ends, dtype=int)
    keep = np.zeros(n, dtype=bool)
    keep[np.r_[0, ends[:-1]]] = True  # each line's first point
    keep[ends - 1] = True  # and last
    x, y = points[:, 0], points[:, 1]
    while True:
        kept = np.flatnonzero(keep)
        # the stretch of each point: the kept point at or before it, and the next kept one
        stretch = np.minimum(np.searchsorted(kept, np.arange(n), side="right") - 1, len(kept) - 2)
        a, b = kept[stretch], kept[stretch + 1]
        dx, dy = x[b] - x[a], y[b] - y[a]
        length = np.hypot(dx, dy)
        off = np.where(
            length > 0,
            np.abs(dx * (y - y[a]) - dy * (x - x[a])) / np.where(length > 0, length, 1.0),
            np.hypot(x - x[a], y - y[a]),
        )
        off[keep] = 0.0
        farthest = np.maximum.reduceat(off, kept[:-1])
        split = (off > limit) & (off == farthest[stretch])
        if not split.any():
            return keep
        keep |= split


def _kept(lines: list) -> list:
    return [line for line in lines if line is not None]


def _whose(ds: Dataset) -> str:
    """Whose casualties a selection of parties counts, to follow "killed": " (Civilians)";
    "" when it chose no parties (everyone's). A marker's size, a label's toll and a key
    then say whose dead they show, not the incident's whole toll.

    >>> from kirkuk_analysis import load
    >>> from kirkuk_analysis.analysis import select
    >>> _whose(load()), _whose(select(load(), parties=["civilians", "isis"]))
    ('', ' (Civilians, ISIS)')
    """
    chosen = list(getattr(ds.selection, "parties", None) or [])
    return f" ({', '.join(party_label(ds, p) for p in chosen)})" if chosen else ""


def _map_words(located: pd.DataFrame, inset: bool, whose: str = "") -> str:
    """The map in words (its alt text); ``whose``: :func:`_whose`."""
    if located.empty:
        return "Map of the disputed territories: no incident with a known place here."
    provinces = ", ".join(sorted(located.province.dropna().astype(str).unique()))
    return (
        f"Map of {_count(len(located), 'incident')} at "
        f"{_count(located.place_id.nunique(), 'place')} ({provinces}), each at its coded "
        f"place; marker size shows the killed{whose}, colour the target"
        + ("; an inset locates the area in Iraq." if inset else ".")
    )


def drawn_elsewhere(ds: Dataset) -> pd.DataFrame:
    """The incidents' places that lie, on the boundaries the map draws (Natural Earth), in
    another governorate than the one the data package codes them in: a disputed district
    administered from one governorate and part of another de jure (as Makhmour, coded
    Nineveh, inside Erbil's polygon). Columns ``place``, ``province`` (coded), ``drawn_in``
    (the polygon holding the point; empty when none does). Empty when map and tables agree.

    >>> from kirkuk_analysis import load
    >>> list(drawn_elsewhere(load()).columns)
    ['place', 'province', 'drawn_in']
    """
    require_dataset(ds, "drawn_elsewhere")
    used = ds.places[ds.places.place_id.isin(ds.incidents.place_id)].dropna(subset=["lon", "lat"])
    rows = []
    for r in used.itertuples():
        holder = governorate_of(float(r.lon), float(r.lat))
        if holder != str(r.province):
            rows.append({"place": str(r.name), "province": str(r.province), "drawn_in": holder})
    return pd.DataFrame(rows, columns=["place", "province", "drawn_in"])


def map_note(ds: Dataset) -> str:
    """A sentence for under the map naming the places it draws in another governorate than
    the tables give (:func:`drawn_elsewhere`), so map and tables are not read as at odds;
    "" when they agree.

    >>> from kirkuk_analysis import load
    >>> map_note(load()).startswith(("", "On this map"))
    True
    """
    require_dataset(ds, "map_note")
    odd = drawn_elsewhere(ds)
    if odd.empty:
        return ""
    parts = [
        f"{r.place}, coded in {r.province} province, lies inside "
        + (r.drawn_in if r.drawn_in else "no governorate")
        for r in odd.itertuples()
    ]
    return (
        f"On this map {'; '.join(parts)}: the boundaries drawn are Natural Earth\u2019s, "
        "not the federal map; the tables give the coded province."
    )


def _inset(ax: Axes, rings, kurdistan, border, extent, located) -> Axes:
    """All of Iraq, small, in the corner of ``ax`` with fewest incidents, the zoomed area
    outlined in red-orange."""
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.patches import Rectangle

    x0, x1, y0, y1 = extent
    size = 0.3
    corners = {
        "lower left": (0.01, 0.01),
        "lower right": (0.99 - size, 0.01),
        "upper left": (0.01, 0.99 - size),
        "upper right": (0.99 - size, 0.99 - size),
    }
    fx = (located.lon.to_numpy(dtype=float) - x0) / (x1 - x0)
    fy = (located.lat.to_numpy(dtype=float) - y0) / (y1 - y0)

    def crowd(corner):
        cx, cy = corners[corner]
        return int(((fx > cx - 0.05) & (fx < cx + size + 0.05)
                    & (fy > cy - 0.05) & (fy < cy + size + 0.05)).sum())  # fmt: skip

    corner = min(corners, key=crowd)  # dict order breaks ties: deterministic
    inset = ax.inset_axes((*corners[corner], size, size))
    inset.set_gid("inset")
    inset.set_xlim(38.6, 48.8)
    inset.set_ylim(29.0, 37.5)
    inset.set_aspect(1 / np.cos(np.radians(33.3)))
    inset.apply_aspect()
    step = _degrees_per_point(inset)  # a fortieth of the map's scale: few vertices show
    inset.add_collection(
        PolyCollection(_kept(_thinned([r for polys in rings.values() for r in polys], step)),
                       facecolors="#F4F4F4", edgecolors="#AAAAAA", linewidths=0.3),
        autolim=False,
    )  # fmt: skip
    inset.add_collection(LineCollection(_kept(_thinned(kurdistan, step)), colors="#000000",
                                        linewidths=0.7, linestyles=(0, (3, 1.5))),
                         autolim=False)  # fmt: skip
    inset.add_collection(LineCollection(_kept(_thinned(border, step)), colors="#333333",
                                        linewidths=0.6), autolim=False)  # fmt: skip
    zoom = Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#D55E00", lw=1.3,
                     zorder=5, gid="zoom-extent")  # fmt: skip
    inset.add_patch(zoom)
    inset.set_xlim(38.6, 48.8)  # add_patch widened them to the patch
    inset.set_ylim(29.0, 37.5)
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.6)
        spine.set_color("#777777")
    inset.set_facecolor("white")
    inset.text(0.04, 0.04, "Iraq", transform=inset.transAxes, fontsize=6, color="#555555")
    return inset


@_themed
def coordination(ds: Dataset, ax: Axes | None = None, start=None, end=None) -> Axes:
    """Coordination steps on a time axis, one row per kind; a bar spans an uncertain date.

    Hollow markers are steps announced for the future (``planned``), drawn over the filled
    ones so that a planned step never hides a step taken on the same day. The axis spans
    ``start``..``end``, by default the selection's own dates (as :func:`timeline`'s).
    Returns the Axes, so the plot can share an x-axis with :func:`timeline`.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import kirkuk_analysis
    >>> ax = coordination(kirkuk_analysis.load())
    >>> [t.get_text() for t in ax.get_yticklabels()][:2]
    ['meeting', 'agreement']
    """
    require_dataset(ds, "coordination")
    ax = _axes(ax, (9, 2.6))
    kinds = list(ds.vocab.kinds)
    co = ds.coordination
    first, last = _period(ds, start, end)
    for y, kind in enumerate(kinds):
        rows = co[co["kind"].astype(str) == kind]
        marker, colour = _KIND_STYLE.get(kind, ("o", OKABE_ITO[8]))
        for _, r in rows.iterrows():
            s, e = pd.Timestamp(r["date_start"]), pd.Timestamp(r["date_end"])
            mid = s + (e - s) / 2
            if e > s:
                _span(ax, s, e, y, colour, f"span:{r['step_id']}")
            planned = str(r["status"]) == "planned"
            ax.plot(
                [mid],
                [y],
                marker=marker,
                ms=7,
                linestyle="none",
                color=colour,
                # hollow, not white: a planned step over a step taken shows both
                markerfacecolor="none" if planned else colour,
                markeredgewidth=1.3,
                zorder=4 if planned else 3,
                gid=f"step:{r['step_id']}",
            )
    ax.set_yticks(range(len(kinds)), [ds.vocab.label("kind", k) for k in kinds])
    ax.set_ylim(len(kinds) - 0.5, -0.5)
    time_axis(ax, first, last)
    if co.empty:
        _say_empty(ax, "No coordination step in this selection")
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("Coordination steps (hollow: planned)", loc="left", fontsize=10)
    n = len(co)
    return _described(
        ax,
        f"Coordination steps: {_plural_words(n, 'step')}, one row per kind, each a marker on "
        "its date (hollow: planned), or a bar over its date range."
        if n
        else "Coordination steps: none in this selection.",
    )


def time_axis(ax, start, end):
    """Set a date x-axis to the selected period, with ticks that suit its length: years for
    long periods, quarters or months for a year or two. Returns the Axes.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ax = time_axis(plt.subplots()[1], "2021-01-01", "2021-12-31")
    >>> ax.figure.canvas.draw()
    >>> [t.get_text() for t in ax.get_xticklabels()][:2]
    ['Jan 2021', 'Apr 2021']
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    # a margin (1% of the period, at least half a day) so that a mark on the first or the
    # last day shows whole
    pad = max((e + pd.Timedelta(days=1) - s) * 0.01, pd.Timedelta(hours=12))
    ax.set_xlim(s - pad, e + pd.Timedelta(days=1) + pad)
    months = (e.year - s.year) * 12 + e.month - s.month + 1
    days = (e - s).days + 1
    if days <= 10:  # a day, or a few: each day
        ax.xaxis.set_major_locator(mdates.DayLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b %Y"))
    elif months <= 2:  # weeks
        ax.xaxis.set_major_locator(mdates.DayLocator(bymonthday=(1, 8, 15, 22)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    elif months <= 6:
        ax.xaxis.set_major_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    elif months <= 24:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    else:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    return ax


# --------------------------------------------------------------------------------------
# Chronology: every attack and coordination step, labelled in words, on one time axis

#: The brief's printed width (A4 less its margins, about 17 cm), in inches.
PRINT_WIDTH = 6.7
_CHRONO_FONT = 7.0  # points: the size a figure PRINT_WIDTH wide keeps on paper
_CHRONO_MIN_FONT = 5.0  # below this a printed label is unreadable: group labels instead
_CHRONO_MAX_HEIGHT = 8.2  # inches: with its heading and introduction, one A4 page (never split)
_CHRONO_MIN_HEIGHT = 2.4
_CHRONO_BOTTOM = 0.15
_CHRONO_LEFT = 0.75  # inches left of the axes, for the date ticks
_LANE_ATTACK, _LANE_STEP = 9.0, 21.0  # points from the time axis: the two rows of marks
_LABEL_X = 44.0  # points from the time axis: where the labels start
_LINE = 1.27  # a text line's height, in multiples of the font size (DejaVu at 1.2 spacing)
_GAP = 1.2  # points between two labels
_ATTACK_MARKER = "*"  # no coordination kind uses it (see _KIND_STYLE)


@functools.cache
def _char_widths(family: str) -> dict:
    """Advance widths of characters at 100 pt (large, so hinting rounds little), filled on
    demand (:func:`_measure_chars`): summing them sizes a label in microseconds, so a
    chronology of a hundred events lays out fast."""
    return {}


def _text_width(text: str, size: float) -> float:
    """``text``'s width in points at ``size``, 6% generous: kerning is ignored, and hinting
    at a figure's resolution widens small text by a percent or two."""
    return _width_in(plt.rcParams["font.family"][0], text, size)


@functools.lru_cache(maxsize=65536)
def _width_in(family: str, text: str, size: float) -> float:
    """:func:`_text_width` in ``family`` (a label's words recur: each is summed once)."""
    widths = _char_widths(family)
    missing = {c for c in text if c not in widths}
    if missing:
        widths.update(_measure_chars(family, missing))
    return sum(widths[c] for c in text) * size / 100 * 1.06


def _measure_chars(family: str, chars) -> dict:
    """Each of ``chars`` -> its advance width at 100 pt in ``family``, as the Agg renderer
    (the one matplotlib lays text out with) measures it alone.

    A character ``family``'s font has is read from the glyph (its advance, with the Agg
    renderer's hinting), as many times faster as a string's layout is slower: measuring
    each one through the renderer took about a tenth of a second of every brief. One the
    font lacks is measured by the renderer, which finds it in a fallback font.
    """
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.font_manager import FontProperties, findfont, get_font

    prop = FontProperties(family=family, size=100)
    font = get_font(findfont(prop))
    widths, others = {}, []
    for c in chars:
        if font.get_char_index(ord(c)):
            font.set_size(100, 72)  # the font object is shared: sized for each glyph
            widths[c] = font.load_char(ord(c), flags=get_hinting_flag()).horiAdvance / 64
        else:
            others.append(c)
    if others:
        renderer = _agg_72()
        # each character between two bars, so that spaces count too
        bars, _, _ = renderer.get_text_width_height_descent("||", prop, ismath=False)
        for c in others:
            w, _, _ = renderer.get_text_width_height_descent(f"|{c}|", prop, ismath=False)
            widths[c] = w - bars
    return widths


@functools.cache
def _agg_72():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 72)  # at 72 dpi a pixel is a point


def _wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """``text`` in at most ``max_lines`` lines of at most ``width`` points; what does not
    fit is cut at a word and marked with an ellipsis."""
    words = text.split()
    space = _text_width(" ", size)
    lines: list[list[str]] = []
    current: list[str] = []
    filled = 0.0
    used = 0
    for word in words:
        w = _text_width(word, size)
        if current and filled + space + w <= width:
            current.append(word)
            filled += space + w
        elif not current:
            current, filled = [word], w
        else:
            lines.append(current)
            if len(lines) == max_lines:
                break
            current, filled = [word], w
        used += 1
    else:
        if current:
            lines.append(current)
    out = [" ".join(line) for line in lines[:max_lines]]
    if used < len(words) or _text_width(out[-1], size) > width:
        last = out[-1]
        while last and _text_width(last + "\u2026", size) > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        out[-1] = last.rstrip(" ,;:\u00b7") + "\u2026"
    return out


def _label_height(lines: int, size: float) -> float:
    return lines * size * _LINE


def _stack(desired, heights, lo: float, hi: float, gap: float = _GAP, extra=None) -> list[float]:
    """Centres for labels in reading order, as near their ``desired`` centres as possible
    (least squares) with no two overlapping and all inside ``lo..hi`` (points, downwards).

    Shifting each label by the room the labels before it need turns "label i+1 at least
    its height below label i" into "shifted centres never decrease", which the pool
    adjacent violators algorithm solves exactly in one pass: deterministic, no iteration
    to converge, and labels keep the order of their dates (leader lines never cross).
    ``extra[i]`` is more room wanted between label i and label i+1 (a year's heading).

    >>> _stack([10, 10, 10], [4, 4, 4], 0, 100, gap=0)
    [6.0, 10.0, 14.0]
    """
    offsets = [0.0]
    extra = extra if extra is not None else [0.0] * max(len(heights) - 1, 0)
    for (h0, h1), more in zip(itertools.pairwise(heights), extra, strict=True):
        offsets.append(offsets[-1] + (h0 + h1) / 2 + gap + more)
    blocks: list[list[float]] = []  # [sum, count] of pooled shifted targets
    for d, o in zip(desired, offsets, strict=True):
        blocks.append([d - o, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    shifted = [s / c for s, c in blocks for _ in range(int(c))]
    low, high = lo + heights[0] / 2, hi - heights[-1] / 2 - offsets[-1]
    return [min(max(v, low), max(high, low)) + o for v, o in zip(shifted, offsets, strict=True)]


_YEAR_GAP = 8.5  # points: room for a year's heading in the label column


def _year_breaks(mids) -> tuple[list[float], list[int]]:
    """Over several years, the labels' column is headed by year: (extra room between
    consecutive labels, the years starting at each label, 0 where none does). A label's
    place in the column follows the others', not the time axis, so without headings a
    reader could read it against the wrong year tick."""
    years = [pd.Timestamp(m).year for m in mids]
    if len(set(years)) < 2:
        return [0.0] * max(len(years) - 1, 0), [0] * len(years)
    starts = [years[0]] + [b if b != a else 0 for a, b in itertools.pairwise(years)]
    return [_YEAR_GAP if y else 0.0 for y in starts[1:]], starts


def _killed_words(ds: Dataset) -> dict:
    """incident_id -> "3 killed", "at least 2 killed" (report.incident_floors), "3–5 killed"
    (report.incident_ceilings) or, for a selection of parties, "3 killed (Peshmerga)";
    "(the largest of the sources' figures)" follows where sources differ. Incidents with no
    figure are left out (unknown is never shown as 0). Figures by the counting rule."""
    from kirkuk_analysis import report
    from kirkuk_analysis.analysis import casualty_figures

    fig = casualty_figures(ds)
    fig = fig[fig.outcome.astype(str) == "killed"]
    floors, ceilings = report.incident_bounds(ds)
    whose = _whose(ds)
    # summed in plain Python, in order of first appearance (a groupby over a dozen
    # incidents took 30 ms)
    sums: dict = {}
    for incident_id, figure in zip(fig["incident_id"].tolist(), fig["figure"].tolist(),
                                   strict=True):  # fmt: skip
        sums.setdefault(incident_id, None)
        if not pd.isna(figure):
            sums[incident_id] = (sums[incident_id] or 0) + int(figure)
    # where the articles give different tolls, the largest is shown: say so beside it, as
    # the tables do with their dagger (the summary may quote the smaller one)
    differ = set(differing_figures(ds, "killed").incident_id.astype(str))
    out = {}
    for incident_id, total in sums.items():
        if total is None:
            continue
        floor = bool(floors["killed"].get(str(incident_id), False))
        top = ceilings["killed"].get(str(incident_id), pd.NA)
        upto = f"\u2013{int(top)}" if pd.notna(top) else ""
        note = " (the largest of the sources' figures)" if str(incident_id) in differ else ""
        out[incident_id] = f"{'at least ' if floor else ''}{total}{upto} killed{whose}{note}"
    return out


def _chronology_events(ds: Dataset) -> pd.DataFrame:
    """One row per incident and coordination step, in reading order (middle of its date),
    with its mark and its label in words: date, place, what happened, killed."""
    from kirkuk_analysis import report

    colors = party_colors(ds.vocab.parties)
    killed = _killed_words(ds)
    # for a selection of parties, whose toll is unknown: theirs, not everyone's
    whose = _whose(ds)
    place = functools.cache(lambda *key: report.place_label(ds, *key))  # one look-up each
    rows = []
    for r in ds.incidents.itertuples():
        words = [
            report.format_range(r.date_start, r.date_end, r.date_precision),
            place(r.place_id, r.geo_precision),
            killed.get(r.incident_id, f"killed{whose}: no figure"),
            str(r.summary),
        ]
        rows.append(
            {
                "id": r.incident_id,
                "lane": "attack",
                "kind": str(r.event_type),
                "start": r.date_start,
                "end": r.date_end,
                "marker": _ATTACK_MARKER,
                "color": colors.get(str(r.target), OKABE_ITO[8]),
                "hollow": False,
                "text": " \u00b7 ".join(words),
            }
        )
    for r in ds.coordination.itertuples():
        marker, colour = _KIND_STYLE.get(str(r.kind), ("o", OKABE_ITO[8]))
        kind = ds.vocab.label("kind", r.kind)
        words = [report.format_range(r.date_start, r.date_end, r.date_precision)]
        if not pd.isna(r.place_id):
            words.append(place(r.place_id))
        words.append(f"{kind[:1].upper()}{kind[1:]}: {r.summary}")
        rows.append(
            {
                "id": r.step_id,
                "lane": "step",
                "kind": str(r.kind),
                "start": r.date_start,
                "end": r.date_end,
                "marker": marker,
                "color": colour,
                "hollow": str(r.status) == "planned",
                "text": " \u00b7 ".join(words),
            }
        )
    events = pd.DataFrame(
        rows, columns=["id", "lane", "kind", "start", "end", "marker", "color", "hollow", "text"]
    )
    if events.empty:
        return events.assign(mid=pd.Series(dtype="datetime64[ns]"))
    end_next = events.end + pd.Timedelta(days=1)
    events["mid"] = events.start + (end_next - events.start) / 2
    events.loc[events.start == events.end, "mid"] = events.start + pd.Timedelta(hours=12)
    return events.sort_values(["mid", "start", "lane", "id"], kind="stable").reset_index(drop=True)


def _fit_labels(
    texts, priority, width: float, height: float | None, size: float, reserved: float = 0
):
    """Wrap the labels for a column ``width`` points wide and ``height`` tall (``None``: at
    most one A4 page): one line each, then a second and a third line for labels in
    ``priority`` order (attacks first) while they fit; failing one line each, a smaller
    font down to 5 pt. ``reserved`` points are kept for year headings. Returns (lines per
    label, font size); ``None`` when nothing fits."""
    limit = (height if height is not None else _CHRONO_MAX_HEIGHT * 72) - reserved
    gaps = _GAP * max(len(texts) - 1, 0)
    s = size
    while True:
        options = [[_wrap(t, width, s, k) for k in ((1, 2, 3) if s == size else (1,))]
                   for t in texts]  # fmt: skip
        chosen = [o[0] for o in options]
        need = sum(_label_height(len(c), s) for c in chosen) + gaps
        if need <= limit:
            for k in (1, 2):  # a second line for each in turn, then a third
                for i in priority:
                    if len(options[i]) > k:
                        more = _label_height(len(options[i][k]), s) - _label_height(
                            len(chosen[i]), s
                        )
                        if need + more <= limit:
                            chosen[i], need = options[i][k], need + more
            return chosen, s
        if s <= _CHRONO_MIN_FONT:
            return None
        s = max(_CHRONO_MIN_FONT, s - 0.5)


def _priority(events: pd.DataFrame) -> list[int]:
    """Which labels get more lines first: attacks, then steps, context last; by date."""
    rank = np.where(events.lane == "attack", 0, np.where(events.kind == "context", 2, 1))
    return sorted(range(len(events)), key=lambda i: (rank[i], i))


def _group_words(ds: Dataset, group: list) -> str:
    """A shared label: the period and how many incidents and steps it stands for."""
    from kirkuk_analysis import report

    what = _tally([r.lane for r in group], [r.kind for r in group])
    period = report.format_range(
        min(r.start for r in group).date(), max(r.end for r in group).date()
    )
    return f"{period} \u00b7 {what}: listed in the tables"


def _tally(lanes, kinds) -> str:
    """How many incidents, coordination steps and context items (counted apart, as
    :func:`kirkuk_analysis.report.steps_and_context` does) events of ``lanes`` and ``kinds``
    are, in words; "" for none.

    >>> _tally(["attack", "step", "step"], ["", "meeting", "context"])
    '1 incident, 1 coordination step and 1 context item'
    """
    from kirkuk_analysis import report

    lanes, kinds = list(lanes), [str(k) for k in kinds]
    attacks = sum(lane == "attack" for lane in lanes)
    context = sum(
        lane != "attack" and k == report.CONTEXT for lane, k in zip(lanes, kinds, strict=True)
    )
    steps = len(lanes) - attacks - context
    parts = [(attacks, "incident"), (steps, "coordination step"), (context, "context item")]
    return report._join([_count(n, noun) for n, noun in parts if n])


def _grouped(rows: list, capacity: int) -> list[list]:
    """Events (in date order) in at most ``capacity`` groups of neighbours, merging the
    closest in time first (deterministic: ties go to the earlier pair)."""
    groups = [[r] for r in rows]
    while len(groups) > max(capacity, 1):
        gaps = [b[0].mid - a[-1].mid for a, b in itertools.pairwise(groups)]
        i = int(np.argmin(gaps))
        groups[i : i + 2] = [groups[i] + groups[i + 1]]
    return groups


def _events_in(ds: Dataset, start, end):
    """(first day, last day, the events the axis shows: a range touching it counts)."""
    s, e = _period(ds, start, end)
    events = _chronology_events(ds)
    events = events[(events.end >= s) & (events.start <= e)]
    # a range reaching beyond the axis is marked at the middle of its part on the axis: "in
    # 2023" on a chart of January to June stands in its months, not at 2 July, off the axis
    first, last = events.start.clip(lower=s), events.end.clip(upper=e)
    clipped = (first > events.start) | (last < events.end)
    middle = first + (last + pd.Timedelta(days=1) - first) / 2
    events = events.assign(mid=events.mid.where(~clipped, middle))
    events = events.sort_values(["mid", "start", "lane", "id"], kind="stable")
    return s, e, events.reset_index(drop=True)


def _size_for(ds: Dataset, events: pd.DataFrame, width: float) -> tuple[float, float]:
    column = (width - _CHRONO_LEFT - 0.1) * 72 - _LABEL_X - 2
    reserved = _YEAR_GAP * sum(1 for y in _year_breaks(events.mid)[1] if y)
    key = _key_height(ds, events)
    room = (_CHRONO_MAX_HEIGHT - key - _CHRONO_BOTTOM - 0.1) * 72
    fitted = _fit_labels(list(events.text), _priority(events), column, room, _CHRONO_FONT, reserved)
    if fitted is None:
        return width, _CHRONO_MAX_HEIGHT
    wrapped, size = fitted
    need = sum(_label_height(len(w), size) for w in wrapped) + _GAP * max(len(wrapped) - 1, 0)
    need += reserved
    height = need / 72 + key + _CHRONO_BOTTOM + 0.1
    return width, round(min(max(height, _CHRONO_MIN_HEIGHT), _CHRONO_MAX_HEIGHT), 2)


def chronology_size(
    ds: Dataset, width: float = PRINT_WIDTH, start=None, end=None
) -> tuple[float, float]:
    """The figure size (inches) :func:`chronology` needs to label every event of ``ds``
    ``width`` inches wide: taller with more events, never taller than one A4 page (beyond
    that, labels get shorter, then smaller, then grouped).

    >>> from kirkuk_analysis import load
    >>> w, h = chronology_size(load())
    >>> w, 2.4 <= h <= 9.0
    (6.7, True)
    """
    require_dataset(ds, "chronology_size")
    with plt.rc_context(theme()):
        return _size_for(ds, _events_in(ds, start, end)[2], width)


def _date_ticks(axis, s: pd.Timestamp, e: pd.Timestamp) -> None:
    """Ticks that suit the period's length: days for a month or two, months, quarters,
    then years."""
    months = (e.year - s.year) * 12 + e.month - s.month + 1
    if months <= 2:
        axis.set_major_locator(mdates.DayLocator(bymonthday=(1, 8, 15, 22)))
        axis.set_major_formatter(
            plt.FuncFormatter(lambda x, _: f"{mdates.num2date(x):%d %b %Y}".lstrip("0"))
        )
    elif months <= 8:
        axis.set_major_locator(mdates.MonthLocator())
        axis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    elif months <= 24:
        axis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        axis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    else:
        axis.set_major_locator(mdates.YearLocator())
        axis.set_major_formatter(mdates.DateFormatter("%Y"))


def _bent_axis(dates, centres, heights, y0: float, y1: float, height_pt: float):
    """The chronology's time axis as a pair of functions (date -> points down the Axes,
    and back), piecewise linear. Each label's date (a run of labels on one date, together)
    takes the label's whole height, within a fraction of a day either side of it, so its
    mark sits level with it and every other date, a year's first day among them, falls
    in the gaps between labels; the period's ends stay at the Axes' ends. Without labels
    the axis is linear."""
    runs: list[list] = []  # [date, top, bottom] per run of labels on one date
    for date, centre, height in sorted(zip(dates, centres, heights, strict=True)):
        top, bottom = centre - height / 2, centre + height / 2
        if runs and date == runs[-1][0]:
            runs[-1][1], runs[-1][2] = min(runs[-1][1], top), max(runs[-1][2], bottom)
        else:
            runs.append([date, top, bottom])
    xs, ys = [y0], [0.0]
    for i, (date, top, bottom) in enumerate(runs):
        before = date - (runs[i - 1][0] if i else y0)
        after = (runs[i + 1][0] if i + 1 < len(runs) else y1) - date
        eps = min(0.2, before / 3, after / 3)
        for x, y in ((date - eps, max(top, 0.0)), (date + eps, min(bottom, height_pt))):
            if x > xs[-1] and y > ys[-1] and x < y1 and y < height_pt:
                xs.append(x)
                ys.append(y)
    xs.append(y1)
    ys.append(height_pt)
    xp, fp = np.asarray(xs), np.asarray(ys)

    def to_page(x):
        x = np.asarray(x, dtype=float)
        # beyond the period, straight on with the nearest segment's slope
        inner = np.interp(x, xp, fp)
        low = fp[0] + (x - xp[0]) * (fp[1] - fp[0]) / (xp[1] - xp[0])
        high = fp[-1] + (x - xp[-1]) * (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
        return np.where(x < xp[0], low, np.where(x > xp[-1], high, inner))

    def to_date(y):
        y = np.asarray(y, dtype=float)
        inner = np.interp(y, fp, xp)
        low = xp[0] + (y - fp[0]) * (xp[1] - xp[0]) / (fp[1] - fp[0])
        high = xp[-1] + (y - fp[-1]) * (xp[-1] - xp[-2]) / (fp[-1] - fp[-2])
        return np.where(y < fp[0], low, np.where(y > fp[-1], high, inner))

    return to_page, to_date


@_themed
def chronology(ds: Dataset, ax: Axes | None = None, start=None, end=None) -> Axes:
    """An annotated chronology: every incident and coordination step on one vertical time
    axis (earliest at the top), each labelled in words (date, place, killed, what happened)
    in a column to the right, joined to its date by a leader line.

    Incidents are stars (colour: target), coordination steps the markers of their kind
    (hollow: planned); a date known only as a range (a week, a month) is a bar over the
    whole range. Labels keep the order of their dates and never overlap: each sits as near
    its date as the others allow (:func:`_stack`); attacks get up to three lines, then the
    other steps, as room allows; a label too long is cut at a word, with an ellipsis.
    Without ``ax`` the figure is sized for the events (:func:`chronology_size`); on a given
    ``ax`` too small for them, labels get shorter, then smaller, then neighbours share one
    label. The axis spans ``start``..``end``, by default the selection's own dates; events
    outside it are left out. Returns the Axes.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from kirkuk_analysis import load
    >>> from kirkuk_analysis.analysis import select
    >>> ax = chronology(select(load(), "2021-12-01", "2021-12-31"))
    >>> [t.get_text()[:29] for t in ax.texts if (t.get_gid() or "").startswith("label:")][:1]
    ['2 December 2021 · near Makhmo']
    """
    require_dataset(ds, "chronology")
    s, e, events = _events_in(ds, start, end)
    if ax is None:
        w, h = _size_for(ds, events, PRINT_WIDTH)
        fig = plt.figure(figsize=(w, h))
        top = _key_height(ds, events)
        ax = fig.add_axes(
            (_CHRONO_LEFT / w, _CHRONO_BOTTOM / h, 1 - (_CHRONO_LEFT + 0.1) / w,
             1 - (top + _CHRONO_BOTTOM) / h)
        )  # fmt: skip
    fig = ax.figure
    y0, y1 = mdates.date2num(s), mdates.date2num(e + pd.Timedelta(days=1))
    ax.set_xlim(0, 1)
    ax.set_ylim(y1, y0)  # time runs down the page, as a chronology is read
    box = ax.get_position()
    width_pt = box.width * fig.get_figwidth() * 72
    height_pt = box.height * fig.get_figheight() * 72
    px = 1 / width_pt  # one point, in axes fractions
    x_of = {"attack": _LANE_ATTACK * px, "step": _LANE_STEP * px}
    ax.axvline(0, color="#444444", lw=0.8)

    # the labels: fitted to the column, stacked without overlap
    column = width_pt - _LABEL_X - 2
    # plain rows, not one-row frames: pandas indexing in this loop cost more than drawing
    groups = [[r] for r in events.itertuples(index=False)]
    texts = list(events.text)
    extra, years = _year_breaks(events.mid)
    reserved = _YEAR_GAP * sum(1 for y in years if y)
    fitted = (
        _fit_labels(texts, _priority(events), column, height_pt, _CHRONO_FONT, reserved)
        if texts
        else ([], _CHRONO_FONT)
    )
    if fitted is None:  # too many for this Axes even at 5 pt: neighbours share a label
        extra, years = [0.0] * max(len(events) - 1, 0), [0] * len(events)  # and no headings
        capacity = int((height_pt + _GAP) // (_label_height(1, _CHRONO_MIN_FONT) + _GAP))
        groups = _grouped([g[0] for g in groups], capacity)
        texts = [g[0].text if len(g) == 1 else _group_words(ds, g) for g in groups]
        fitted = ([_wrap(t, column, _CHRONO_MIN_FONT, 1) for t in texts], _CHRONO_MIN_FONT)
        extra, years = extra[: len(groups) - 1], years[: len(groups)]
    wrapped, size = fitted
    to_pt = height_pt / (y1 - y0)
    desired = [(float(np.mean([mdates.date2num(r.mid) for r in g])) - y0) * to_pt for g in groups]
    heights = [_label_height(len(w), size) for w in wrapped]
    top_room = _YEAR_GAP if years and years[0] else 0.0
    centres = _stack(desired, heights, top_room, height_pt, extra=extra) if wrapped else []
    # The time axis bends to meet the labels: where events are dense it is stretched, where
    # none happen it is squeezed, so each mark sits level with its label and a year's tick
    # where its labels start (a linear axis left labels a year away from their marks).
    # Data stay dates; only their place on the page changes (the key says the axis is not
    # to scale).
    to_page, to_date = _bent_axis(
        [float(np.mean([mdates.date2num(r.mid) for r in g])) for g in groups],
        centres,
        heights,
        y0,
        y1,
        height_pt,
    )
    ax.set_yscale("function", functions=(to_page, to_date))
    ax.set_ylim(y1, y0)
    # a long stretch without events, squeezed to a few points, is marked as an axis break:
    # else a tick just past it ("2023" under December 2021) reads as the events' date
    breaks = _squeezed(
        [float(np.mean([mdates.date2num(r.mid) for r in g])) for g in groups],
        to_page, to_date, y0, y1, height_pt,
    )  # fmt: skip
    for when in breaks:
        ax.text(
            0, when, "\u2248", fontsize=8, color="#444444", ha="center", va="center",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4}, zorder=5,
            gid="squeezed",
        )  # fmt: skip
    # each year's heading in the middle of the room kept above its first label
    for i, year in enumerate(years):
        if year:
            below = centres[i] - heights[i] / 2
            above = centres[i - 1] + heights[i - 1] / 2 if i else below - _YEAR_GAP - _GAP
            ax.text(
                _LABEL_X / width_pt, float(to_date((above + below) / 2)),
                str(year), fontsize=6.5, fontweight="bold", color="#555555", va="center",
                ha="left", gid=f"year:{year}",
            )  # fmt: skip

    # marks (one artist per marker style: fast to draw), ranges, label glyphs, leaders
    label_x = _LABEL_X * px
    # events on the same day in the same lane would share one mark's spot, the later hiding
    # the earlier: the second and third are set 3.5 and 7 pt further right (their leaders
    # start there); bars over the same range stay one bar, as the key shows them
    # bars over ranges that overlap in one lane are set side by side, 4 pt apart (one bar
    # drawn over another hid it: an agreement of 1-21 May read as ending on the 8th)
    x_at: dict = _bar_columns([r for group in groups for r in group if r.start != r.end])
    x_at = {i: x_of[lane] + 4 * px * column for i, (lane, column) in x_at.items()}
    seen: dict = {}
    for r in (r for group in groups for r in group):
        if r.start == r.end:
            x_at[r.id] = x_of[r.lane] + 3.5 * px * min(seen.get((r.lane, r.mid), 0), 2)
            seen[(r.lane, r.mid)] = seen.get((r.lane, r.mid), 0) + 1
    marks: dict = {}
    leaders = []
    for group, lines, centre in zip(groups, wrapped, centres, strict=True):
        y = float(to_date(centre))
        first = group[0]
        ax.text(
            label_x, y, "\n".join(lines), fontsize=size, va="center", ha="left",
            linespacing=1.2, color="#111111" if first.lane == "attack" else "#333333",
            parse_math=False, gid="label:" + ",".join(r.id for r in group),
        )  # fmt: skip
        # the label's own marker, so a reader matches it without following the line
        top = float(to_date(centre - (len(lines) - 1) * size * _LINE / 2))
        style = (first.marker, first.color, first.hollow, "glyph")
        marks.setdefault(style, []).append((label_x - 5 * px, top, ""))
        for r in group:
            if r.start == r.end:
                marks.setdefault((r.marker, r.color, r.hollow, "marks"), []).append(
                    (x_at[r.id], r.mid, r.id)
                )
            else:
                ax.plot(
                    [x_at[r.id]] * 2, [r.start, r.end + pd.Timedelta(days=1)],
                    color=r.color, lw=3.5, solid_capstyle="butt", zorder=3,
                    gid=f"range:{r.id}",
                )  # fmt: skip
            leaders.append(
                [(x_at[r.id] + 3 * px, mdates.date2num(r.mid)),
                 (max((_LANE_STEP + 7) * px, x_at[r.id] + 3 * px), mdates.date2num(r.mid)),
                 (label_x - 10 * px, top), (label_x - 8 * px, top)]
            )  # fmt: skip
    for (marker, color, hollow, role), points in marks.items():
        xs, ys, ids = zip(*points, strict=True)
        big = marker == _ATTACK_MARKER
        ax.plot(
            xs, ys, marker=marker, linestyle="none", color=color,
            ms=(8 if big else 5.5) if role == "marks" else (6 if big else 4),
            markerfacecolor="white" if hollow else color, markeredgewidth=0.9,
            markeredgecolor="#999999" if color == "#F0E442" and not hollow else color,
            zorder=4, gid=f"{role}:{','.join(ids)}" if role == "marks" else role,
        )  # fmt: skip
    from matplotlib.collections import LineCollection

    ax.add_collection(LineCollection(leaders, colors="#AAAAAA", linewidths=0.5, zorder=1))

    _date_ticks(ax.yaxis, s, e)
    # where the bent axis squeezes dates together, keep only ticks a label's height apart;
    # the later of two (which starts the labels below it) is kept
    kept: list[float] = []
    for tick in sorted(ax.yaxis.get_major_locator()(), reverse=True):
        if y0 <= tick <= y1 and (not kept or to_page(kept[-1]) - to_page(tick) >= 9.0):
            kept.append(tick)
    ax.yaxis.set_major_locator(FixedLocator(kept))
    ax.tick_params(axis="y", labelsize=7, length=3)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)  # the axvline above is the time axis
    _chronology_legend(ds, ax, events, squeezed=bool(breaks))
    return _described(ax, _chronology_words(events))


def _bar_columns(ranges) -> dict:
    """{event id: (lane, column)} for the range bars ``ranges`` (rows with ``id``, ``lane``,
    ``start``, ``end``, ``color``): in each lane, a bar takes the first column (0, 1, 2)
    whose bars end before it starts, or that holds a bar of the very same range and colour
    (drawn as one, as the key shows it); past the third, overlaps share the last.

    >>> from types import SimpleNamespace as R
    >>> t = pd.Timestamp
    >>> bars = [R(id="a", lane="step", start=t("2021-05-01"), end=t("2021-05-21"), color="g"),
    ...         R(id="b", lane="step", start=t("2021-05-10"), end=t("2021-05-16"), color="o"),
    ...         R(id="c", lane="step", start=t("2021-05-22"), end=t("2021-05-23"), color="o")]
    >>> _bar_columns(bars)
    {'a': ('step', 0), 'b': ('step', 1), 'c': ('step', 0)}
    """
    out: dict = {}
    columns: dict = {}  # lane -> [(last end, {(start, end, colour), ...}) per column]
    for r in sorted(ranges, key=lambda r: (r.start, r.end, r.id)):
        lane = columns.setdefault(r.lane, [])
        key = (r.start, r.end, r.color)
        for i, (last_end, keys) in enumerate(lane):
            if key in keys or last_end < r.start:
                lane[i] = (max(last_end, r.end), keys | {key})
                break
        else:
            if len(lane) < 3:
                lane.append((r.end, {key}))
            i = len(lane) - 1
            lane[i] = (max(lane[i][0], r.end), lane[i][1] | {key})
        out[r.id] = (r.lane, i)
    return out


def _squeezed(dates, to_page, to_date, y0: float, y1: float, height_pt: float) -> list[float]:
    """Where the bent time axis squeezes a long stretch without events: for each stretch of
    at least two months between two events' dates (or an end of the axis) drawn at under
    a third of its length on a linear axis, the date at its middle on the page.

    >>> linear = (lambda x: np.asarray(x) * 1.0, lambda y: np.asarray(y) * 1.0)
    >>> _squeezed([100.0, 200.0], *linear, 0.0, 365.0, 365.0)
    []
    >>> bent = (lambda x: np.interp(x, [0, 100, 300, 365], [0, 300, 310, 365]),
    ...         lambda y: np.interp(y, [0, 300, 310, 365], [0, 100, 300, 365]))
    >>> _squeezed([100.0, 300.0], *bent, 0.0, 365.0, 365.0)
    [200.0]
    """
    scale = height_pt / (y1 - y0)
    points = sorted({y0, *dates, y1})
    out = []
    for a, b in itertools.pairwise(points):
        drawn = float(to_page(b)) - float(to_page(a))
        if b - a >= 60 and drawn * 3 < (b - a) * scale:
            out.append(float(to_date((float(to_page(a)) + float(to_page(b))) / 2)))
    return out


def _chronology_words(events: pd.DataFrame) -> str:
    """The chronology in words (its alt text)."""
    if events.empty:
        return "Timeline: no incident or coordination step in this selection."
    first, last = events.start.min(), events.end.max()
    when = f"on {_day(first)}" if first == last else f"{_day(first)} to {_day(last)}"
    return (
        f"Timeline of {_tally(events.lane, events.kind)}"
        f", {when}, in date order, each labelled with its date, "
        "place, killed and what happened; the tables give the same events in full."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _day(when) -> str:
    return f"{when.day} {when:%B %Y}"


def _chronology_key(ds: Dataset, events: pd.DataFrame) -> tuple[list, list]:
    """The key's handles and labels: incidents' targets, steps' kinds, planned, ranges."""
    from matplotlib.lines import Line2D

    handles, labels = [], []
    for colour, targets in _colour_classes(ds, ds.incidents.target).items():
        handles.append(Line2D([], [], marker="*", ms=8, ls="none", color=colour))
        labels.append(_class_label(ds, targets, width=30))
    shown = set(ds.coordination.kind.astype(str))
    for kind in ds.vocab.kinds:
        if kind in shown:
            marker, colour = _KIND_STYLE.get(kind, ("o", OKABE_ITO[8]))
            handles.append(Line2D([], [], marker=marker, ms=5.5, ls="none", color=colour))
            labels.append(ds.vocab.label("kind", kind))
    if (ds.coordination.status.astype(str) == "planned").any():
        handles.append(
            Line2D([], [], marker="o", ms=5.5, ls="none", color="#555555",
                   markerfacecolor="white")
        )  # fmt: skip
        labels.append("planned (hollow)")
    if (events.start != events.end).any():
        # in the event's own colour, opaque: a lightened blue read as another party's
        # butt ends: a round or projecting cap ran the thick bar into its label
        handles.append(Line2D([], [], color="#777777", lw=3.5, solid_capstyle="butt"))
        labels.append("range: date uncertain")
    return handles, labels


_KEY_COLUMNS = 5


def _key_height(ds: Dataset, events: pd.DataFrame) -> float:
    """Inches the key needs above the axes: a title line, then rows of five entries, each
    row as tall as its tallest entry (matplotlib fills the key column by column)."""
    labels = _chronology_key(ds, events)[1]
    if not labels:
        return 0.1
    rows = -(-len(labels) // _KEY_COLUMNS)
    lines = [
        max(labels[i].count("\n") + 1 for i in range(row, len(labels), rows)) for row in range(rows)
    ]
    return 0.14 + 0.125 * (sum(lines) + 1) + 0.03 * rows


def _key_title(events: pd.DataFrame, squeezed: bool = False) -> str:
    """What the marks mean, naming only what is drawn, on one line."""
    attacks, steps = (events.lane == "attack").any(), (events.lane == "step").any()
    parts = ["\u2605 incident, colour: target"] if attacks else []
    if steps:
        parts.append(f"{'others' if attacks else 'markers'}: coordination steps, by kind")
    axis = "time axis stretched where events crowd"
    if squeezed:  # where months pass without an event
        axis += ", squeezed at \u2248"
    return " \u00b7 ".join([*parts, axis])


def _chronology_legend(ds: Dataset, ax: Axes, events: pd.DataFrame, squeezed: bool = False) -> None:
    """The key, above the axes (``squeezed``: the axis has a break mark to explain)."""
    handles, labels = _chronology_key(ds, events)
    if handles:
        legend = ax.legend(
            handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=_KEY_COLUMNS,
            fontsize=6.5, frameon=False, handlelength=1.4, columnspacing=1.0,
            borderaxespad=0.2, handletextpad=0.4, title_fontsize=6.5,
            title=_key_title(events, squeezed),
        )  # fmt: skip
        legend._legend_box.align = "left"
