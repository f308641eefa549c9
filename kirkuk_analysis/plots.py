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
import json
import re

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.ticker import MaxNLocator

from kirkuk_analysis import _paths
from kirkuk_analysis.analysis import incident_table, monthly
from kirkuk_analysis.data import Dataset

__all__ = [
    "OKABE_ITO",
    "coordination",
    "incident_map",
    "monthly_casualties",
    "party_colors",
    "party_label",
    "province_swimlane",
    "set_theme",
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


def theme() -> dict:
    """The package's theme as matplotlib rc settings: seaborn ``ticks``, the Okabe-Ito
    colour cycle, no top or right spine.

    >>> theme()["axes.spines.top"]
    False
    """
    from cycler import cycler

    rc = dict(sns.axes_style("ticks"))
    rc.update({"axes.prop_cycle": cycler(color=OKABE_ITO)})
    rc.update({"axes.spines.right": False, "axes.spines.top": False})
    return rc


def set_theme() -> None:
    """Apply :func:`theme` to every later matplotlib figure (an explicit, global choice)."""
    plt.rcParams.update(theme())


def _themed(draw):
    """Run a plotting function inside the theme, so its new figure is styled and nothing
    global changes (seaborn's ``axes_style`` context, as a decorator)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with plt.rc_context(theme()):
            return draw(*args, **kwargs)

    return wrapper


def _axes(ax: Axes | None, size=(10, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
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


def _legends(ax: Axes, title: str, killed: pd.Series | None = None, where: str = "best") -> None:
    """One legend at ``where`` (a key of :data:`LEGEND_PLACES`): the colour classes with their
    markers at one readable size, then, with ``killed``, a key to the marker sizes."""
    if where not in LEGEND_PLACES:
        raise ValueError(f"legend must be one of {', '.join(LEGEND_PLACES)}, not {where!r}")
    from matplotlib.lines import Line2D

    handles, labels = _merge_same_colour(*ax.get_legend_handles_labels())
    if not handles:
        return
    sized = killed is not None and killed.notna().any() and killed.max() > 0
    if sized:
        top = int(killed.max())
        steps = ([v for v in (1, 5, 10, 25, 50, 100) if v < top] + [top])[-3:]
        for v in steps:  # not drawn on the axes: a key only
            size = float(np.sqrt(_sizes(pd.Series([v]))[0]))
            handles.append(
                Line2D([], [], marker="o", linestyle="none", markersize=size, color="#999999")
            )
            labels.append(f"{v} killed")
    legend = ax.legend(
        handles, labels, title=title, fontsize=7, title_fontsize=7, frameon=False,
        # rows far enough apart that the largest marker of the size key does not overlap
        # its neighbour
        labelspacing=_key_spacing(float(killed.max())) if sized else 0.5,
        **LEGEND_PLACES[where],
    )  # fmt: skip
    for handle, label in zip(legend.legend_handles, labels, strict=True):
        if hasattr(handle, "set_sizes") and not label.endswith(" killed"):
            handle.set_sizes([_LEGEND_MARKER])


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
    Returns the handles and labels, in first-seen order; a long shared name takes one line
    per party."""
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
        joined = " / ".join(labels)
        # a long shared name on one line per party, so the legend stays narrow
        return joined if len(joined) <= 24 else " /\n".join(labels)

    return [merged[k][0] for k in order], [name(merged[k][1]) for k in order]


def _period(ds: Dataset, start, end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``start``/``end`` as timestamps; where ``None``, the extent of the selection's dated
    rows (incidents and coordination steps), else 2020-2024."""
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


def _span(ax: Axes, start, end, y: float, color, gid: str, alpha: float = 0.45) -> None:
    """An uncertain date: a band over the whole range (end day included) at height ``y``."""
    band = ax.fill_between(
        [start, end + pd.Timedelta(days=1)],
        y - 0.12,
        y + 0.12,
        color=color,
        alpha=alpha,
        linewidth=0,
        zorder=2,
    )
    band.set_gid(gid)


@_themed
def timeline(
    ds: Dataset, ax: Axes | None = None, start=None, end=None, legend: str = "best"
) -> Axes:
    """Attacks over time (size by deaths, colour by target party) and coordination steps;
    returns the Axes.

    Attacks sit on the upper row, coordination steps (diamonds, labelled with their id)
    on the lower row. A date known only as a range (week, month, year) is drawn as a
    horizontal span over the range, not as a point. The axis spans ``start``..``end``,
    by default the selection's own dates. ``legend``: ``"best"`` (inside, where the data
    leaves room), ``"below"`` or ``"right"`` (outside the axes); the colour key's markers
    share one size, and a separate key gives the marker sizes.
    """
    ax = _axes(ax, (11, 3.6))
    table = incident_table(ds)
    att = table[table.event_type.isin(ds.vocab.attack_types)]
    colors = party_colors(ds.vocab.parties)
    for target, group in att.groupby("target", observed=True):
        exact = group[group.date_start == group.date_end]
        ax.scatter(
            exact.date_start,
            np.ones(len(exact)),
            s=_sizes(exact.killed),
            color=colors[target],
            alpha=0.85,
            edgecolor="white",
            linewidth=0.6,
            label=party_label(ds, target),
            zorder=3,
        )
        for row in group[group.date_start != group.date_end].itertuples():
            _span(ax, row.date_start, row.date_end, 1, colors[target], f"span:{row.incident_id}")
    steps = ds.coordination
    exact = steps[steps.date_start == steps.date_end]
    ax.scatter(
        exact.date_start,
        np.zeros(len(exact)),
        marker="D",
        s=28,
        color="#666666",
        label="coordination step",
        zorder=3,
    )
    for row in steps[steps.date_start != steps.date_end].itertuples():
        _span(ax, row.date_start, row.date_end, 0, "#666666", f"span:{row.step_id}", 0.25)
    # Steps starting within 4% of the axis of each other share one label ("K15–K26" for
    # the spring of 2021), placed under the middle of the cluster; neighbouring labels
    # alternate between two lines.
    start, end = _period(ds, start, end)
    close = (end - start) * 0.04
    clusters: list[list] = []
    for row in steps.sort_values(["date_start", "step_id"]).itertuples():
        if clusters and row.date_start - clusters[-1][0].date_start < close:
            clusters[-1].append(row)
        else:
            clusters.append([row])
    for i, cluster in enumerate(clusters):
        first, last = cluster[0].date_start, cluster[-1].date_start
        note = ax.annotate(
            _step_label([r.step_id for r in cluster]),
            (first + (last - first) / 2, 0),
            xytext=(0, -10 - 8 * (i % 2)),
            textcoords="offset points",
            fontsize=6,
            ha="center",
            va="top",
        )
        note.set_gid("steps:" + ",".join(r.step_id for r in cluster))
    time_axis(ax, start, end)
    ax.set_ylim(-0.8, 1.6)
    ax.set_yticks([0, 1], ["coordination", "attacks"])
    _legends(ax, "target / step", att.killed, legend)
    ax.set_title("Attacks (size: killed) and coordination steps; spans: uncertain dates")
    return ax


@_themed
def monthly_casualties(ds: Dataset, ax: Axes | None = None, outcome: str = "killed") -> Axes:
    """Recorded casualties per month, stacked by the party that suffered them."""
    ax = _axes(ax)
    m = monthly(ds, by="party")
    wide = m.pivot_table(
        index="month", columns="party", values=outcome, aggfunc="sum", observed=True
    ).fillna(0)
    if len(m):
        months = pd.period_range(m.month.min(), m.month.max(), freq="M")
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
    if len(wide.columns):
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        _legends(ax, "party")
    else:
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
    return ax


@_themed
def province_swimlane(ds: Dataset, ax: Axes | None = None, start=None, end=None) -> Axes:
    """One lane per province: each incident a point (a span when its date is a range)."""
    ax = _axes(ax, (10, 3.5))
    table = incident_table(ds)
    provinces = sorted(table.province.dropna().astype(str).unique())
    lane = {p: i for i, p in enumerate(provinces)}
    colors = party_colors(ds.vocab.parties)
    for row in table.itertuples():
        y = lane[str(row.province)]
        color = colors[str(row.target)]
        if row.date_start == row.date_end:
            ax.scatter(
                row.date_start,
                y,
                s=_sizes(pd.Series([row.killed]))[0],
                color=color,
                edgecolor="white",
                linewidth=0.6,
                zorder=3,
            )
        else:
            ax.plot(
                [row.date_start, row.date_end],
                [y, y],
                color=color,
                linewidth=5,
                alpha=0.5,
                solid_capstyle="butt",
            )
    ax.set_yticks(range(len(provinces)), provinces)
    ax.set_ylim(-0.7, max(len(provinces), 1) - 0.3)
    time_axis(ax, *_period(ds, start, end))
    ax.set_title("Incidents by province (colour: target; size: killed)")
    return ax


@_themed
def incident_map(ds: Dataset, ax: Axes | None = None) -> Axes:
    """Incidents on Iraq's governorates (Natural Earth), size by deaths.

    Places in the disputed territories are ringed; the governorates holding any of them
    are shaded. Boundaries: ``kirkuk_analysis/geo/`` (public domain, see SOURCE.md).
    """
    ax = _axes(ax, (6, 6))
    geo = json.loads((_paths.geo_dir() / "iraq_admin1.geojson").read_text(encoding="utf-8"))
    places = ds.places
    disputed_provinces = set(places.province[places.disputed].astype(str))
    for feature in geo["features"]:
        geom = feature["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        shaded = feature["properties"]["name"] in disputed_provinces
        for poly in polys:
            ax.add_patch(
                PolygonPatch(
                    np.asarray(poly[0]),
                    closed=True,
                    facecolor="#F0E442" if shaded else "#F2F2F2",
                    alpha=0.35 if shaded else 1,
                    edgecolor="#888888",
                    linewidth=0.6,
                )
            )
    table = incident_table(ds)
    colors = party_colors(ds.vocab.parties)
    for target, group in table.groupby("target", observed=True):
        ax.scatter(
            group.lon,
            group.lat,
            s=_sizes(group.killed),
            color=colors[target],
            alpha=0.8,
            edgecolor="white",
            linewidth=0.6,
            label=party_label(ds, target),
            zorder=3,
        )
    disputed = table[table.disputed.fillna(False).astype(bool)]
    ax.scatter(
        disputed.lon,
        disputed.lat,
        s=_sizes(disputed.killed) + 60,
        facecolor="none",
        edgecolor="black",
        linewidth=0.8,
        label="disputed territory",
        zorder=4,
    )
    ax.set_xlim(38.5, 48.8)
    ax.set_ylim(29, 37.5)
    ax.set_aspect("equal")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    _legends(ax, "target", table.killed)
    ax.set_title("Incidents (size: killed); shaded: provinces with disputed territory")
    return ax


@_themed
def coordination(ds: Dataset, ax: Axes | None = None) -> Axes:
    """Coordination steps on a time axis, one row per kind; a bar spans an uncertain date.

    Hollow markers are steps announced for the future (``planned``). Returns the Axes, so the
    plot can share an x-axis with :func:`timeline`.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import kirkuk_analysis
    >>> ax = coordination(kirkuk_analysis.load())
    >>> [t.get_text() for t in ax.get_yticklabels()][:2]
    ['meeting', 'agreement']
    """
    ax = _axes(ax, (9, 2.6))
    kinds = list(ds.vocab.kinds)
    co = ds.coordination
    for y, kind in enumerate(kinds):
        rows = co[co["kind"].astype(str) == kind]
        marker, colour = _KIND_STYLE.get(kind, ("o", OKABE_ITO[8]))
        for _, r in rows.iterrows():
            s, e = pd.Timestamp(r["date_start"]), pd.Timestamp(r["date_end"])
            mid = s + (e - s) / 2
            if e > s:
                ax.plot([s, e], [y, y], color=colour, lw=3, alpha=0.45, solid_capstyle="butt")
            planned = str(r["status"]) == "planned"
            ax.plot(
                [mid],
                [y],
                marker=marker,
                ms=7,
                linestyle="none",
                color=colour,
                markerfacecolor="white" if planned else colour,
                markeredgewidth=1.3,
            )
    ax.set_yticks(range(len(kinds)), [ds.vocab.label("kind", k) for k in kinds])
    ax.set_ylim(len(kinds) - 0.5, -0.5)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("Coordination steps (hollow: planned)", loc="left", fontsize=10)
    return ax


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
    ax.set_xlim(s, e + pd.Timedelta(days=1))
    months = (e.year - s.year) * 12 + e.month - s.month + 1
    if months <= 6:
        ax.xaxis.set_major_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    elif months <= 24:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    else:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    return ax
