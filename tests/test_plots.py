"""Figures: each returns the Axes it drew on, and draws what it says (checked against the
CSVs read here, independently of the library, and on fixture packages)."""

from __future__ import annotations

import csv
import doctest
import itertools
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.legend  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from packages import load_package  # noqa: E402

from kirkuk_analysis import load, plots  # noqa: E402
from kirkuk_analysis.analysis import select  # noqa: E402
from kirkuk_analysis.vocab import read_vocabulary  # noqa: E402

ATTACK_EVENT_TYPES = read_vocabulary().attack_types

FIGURES = [
    plots.timeline,
    plots.monthly_casualties,
    plots.province_swimlane,
    plots.incident_map,
    plots.chronology,
]
DATA = Path(__file__).resolve().parents[1] / "data"


def rows(table):
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def killed_by_party():
    """party -> recorded killed: per incident the largest figure of the sources, then summed."""
    largest = {}
    for r in rows("casualties"):
        if r["outcome"] == "killed" and (r["best"] or r["low"]):
            key = (r["incident_id"], r["party"])
            largest[key] = max(largest.get(key, 0), int(r["best"] or r["low"]))
    out = {}
    for (_, party), n in largest.items():
        out[party] = out.get(party, 0) + n
    return out


@pytest.fixture(scope="module")
def ds():
    return load()


@pytest.fixture(autouse=True)
def close():
    yield
    plt.close("all")


@pytest.mark.parametrize("figure", FIGURES)
def test_returns_the_axes_it_was_given(ds, figure):
    _, ax = plt.subplots()
    assert figure(ds, ax=ax) is ax
    assert ax.has_data()


@pytest.mark.parametrize("figure", FIGURES)
def test_makes_its_own_axes(ds, figure):
    ax = figure(ds)
    assert isinstance(ax, matplotlib.axes.Axes)


@pytest.mark.parametrize("figure", FIGURES)
def test_empty_selection_draws_an_empty_figure(ds, figure):
    from matplotlib.collections import PathCollection

    ax = figure(select(ds, "2019-01-01", "2019-02-01"))
    assert isinstance(ax, matplotlib.axes.Axes)
    points = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]
    assert points == [] and not any(p.get_height() for p in ax.patches if hasattr(p, "get_height"))


def spans(ax):
    return {c.get_gid(): c for c in ax.collections if (c.get_gid() or "").startswith("span:")}


def test_doctests():
    failures, tried = doctest.testmod(plots, optionflags=doctest.ELLIPSIS)
    assert tried >= 3
    assert failures == 0


def x_extent(collection):
    xs = collection.get_paths()[0].vertices[:, 0]
    return mdates.num2date(xs.min()).date(), mdates.num2date(xs.max()).date()


def test_timeline_draws_a_span_for_each_uncertain_date(ds):
    ax = plots.timeline(ds)
    found = spans(ax)
    day = pd.Timedelta(days=1)
    for r in rows("incidents") + rows("coordination"):
        if r.get("event_type", "armed_clash") not in ATTACK_EVENT_TYPES:
            continue  # arrests are not drawn on the timeline
        key = "span:" + (r.get("incident_id") or r["step_id"])
        if r["date_start"] == r["date_end"]:
            assert key not in found  # a known day is a point
        else:  # the whole range, its last day included
            start, end = pd.Timestamp(r["date_start"]), pd.Timestamp(r["date_end"])
            assert x_extent(found[key]) == (start.date(), (end + day).date()), key
    labelled = [i for t in ax.texts for i in (t.get_gid() or "").removeprefix("steps:").split(",")]
    assert sorted(labelled) == sorted(ds.coordination.step_id)  # every step, once


def test_timeline_labels_close_steps_together(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[
            {  # "in April"
                "incident_id": "I01",
                "date_start": "2020-04-01",
                "date_end": "2020-04-30",
                "date_precision": "month",
            },
            {"incident_id": "I02", "date_start": "2022-06-01"},
        ],
        coordination=[
            *(  # six base handovers "in March" share one label
                {
                    "step_id": f"K0{n}",
                    "date_start": "2020-03-01",
                    "date_end": "2020-03-31",
                    "date_precision": "month",
                    "kind": "context",
                    "status": "implemented",
                }
                for n in range(1, 7)
            ),
            {"step_id": "K07", "date_start": "2024-07-14"},
            {"step_id": "K08", "date_start": "2024-07-14", "kind": "call"},
        ],
    )
    ax = plots.timeline(ds)
    assert {t.get_text() for t in ax.texts} == {"K01\u2013K06", "K07, K08"}  # two: listed
    found = spans(ax)
    assert x_extent(found["span:I01"]) == (pd.Timestamp("2020-04-01").date(),
                                           pd.Timestamp("2020-05-01").date())  # fmt: skip
    assert "span:I02" not in found and "span:K07" not in found
    assert {f"span:K0{n}" for n in range(1, 7)} <= set(found)


def test_timeline_colours_are_colour_blind_safe(ds):
    ax = plots.timeline(ds)
    colours = {  # a hollow mark's colour is its edge's
        matplotlib.colors.to_hex(
            (c.get_facecolor() if len(c.get_facecolor()) else c.get_edgecolor())[0]
        ).upper()
        for c in ax.collections
        if len(c.get_offsets())
    }
    assert colours <= set(plots.OKABE_ITO) | {"#666666"}


def test_monthly_casualties_stacks_by_party(ds):
    ax = plots.monthly_casualties(ds)
    heights = sum(p.get_height() for p in ax.patches)
    killed = killed_by_party()
    assert heights == sum(killed.values())
    labels = {n for t in ax.get_legend().get_texts() for n in re.split(r"\s*/\s*", t.get_text())}
    labels -= {"incidents with no killed figure"}  # the key to months of unknown tolls
    assert labels == {plots.party_label(ds, p) for p, n in killed.items() if n > 0}
    # only bars that show something, each stacked on the one below it in its month
    assert all(p.get_height() > 0 for p in ax.patches)
    by_month: dict = {}
    for bar in ax.patches:
        by_month.setdefault(bar.get_x(), []).append(bar)
    for bars in by_month.values():
        bars.sort(key=lambda b: b.get_y())
        assert bars[0].get_y() == 0
        for below, above in itertools.pairwise(bars):
            assert above.get_y() == below.get_y() + below.get_height()


def test_swimlane_has_one_lane_per_province(ds):
    ax = plots.province_swimlane(ds)
    provinces = set(ds.incidents.place_id.map(ds.places.set_index("place_id").province))
    assert {t.get_text() for t in ax.get_yticklabels()} == provinces


def test_timeline_keeps_close_attacks_apart_and_context_items_apart_from_steps(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"date_start": "2021-04-29"}, {"date_start": "2021-05-02"},
                   {"date_start": "2021-05-01", "target": "civilians"}],
        casualties=[{"incident_id": "I01", "best": 2}],
        coordination=[{"date_start": "2021-05-03"},
                      {"date_start": "2021-05-04", "kind": "context"}],
    )  # fmt: skip
    ax = plots.timeline(ds, start="2020-01-01", end="2024-12-31")
    attacks = [tuple(o) for c in ax.collections for o in c.get_offsets() if o[1] > 0.5]
    assert len(attacks) == 3 and len({y for _, y in attacks}) == 3  # none hides another
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "coordination step" in labels and "context item (handover, statement)" in labels


def test_swimlane_keeps_close_incidents_apart_keys_its_colours_and_hollows_unknowns(tmp_path):
    """Three attacks in one province within days of each other: three marks, none on
    another; one with no figure is hollow, as on the map; a key names each target."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"date_start": "2021-04-29", "target": "national_security"},
            {"date_start": "2021-05-02", "target": "peshmerga"},
            {"date_start": "2021-05-01", "target": "civilians"},
            {"date_start": "2023-01-01", "target": "peshmerga"},
        ],
        casualties=[{"incident_id": "I01", "party": "isis", "best": 1},
                    {"incident_id": "I02", "best": 3}],
    )  # fmt: skip
    ax = plots.province_swimlane(ds, start="2020-01-01", end="2024-12-31")
    marks = [c for c in ax.collections if len(c.get_offsets())]
    points = [tuple(np.round(c.get_offsets()[0], 6)) for c in marks]
    assert len(points) == 4 and len(set(y for _, y in points)) == 3  # three heights in the lane
    hollow = [c for c in marks if len(c.get_facecolor()) == 0 or c.get_facecolor()[0][3] == 0]
    assert len(hollow) == 2  # I03 and I04 have no figure
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {
        plots.party_label(ds, p) for p in ("national_security", "peshmerga", "civilians")
    } <= labels
    assert plots.describe(ax).startswith("Incidents by province: 4 incidents in 1 province")


def governorates(ax):
    (shapes,) = [c for c in ax.collections if c.get_gid() == "governorates"]
    return shapes


def test_map_draws_the_governorates_in_view_and_the_inset_all(ds):
    ax = plots.incident_map(ds)
    rings, _, _ = plots._boundaries()
    everything = [ring for polys in rings.values() for ring in polys]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    in_view = [
        r for r in everything
        if r[:, 0].max() >= x0 and r[:, 0].min() <= x1
        and r[:, 1].max() >= y0 and r[:, 1].min() <= y1
    ]  # fmt: skip
    assert 0 < len(in_view) < len(everything)  # the map is zoomed in
    drawn = governorates(ax).get_paths()
    assert len(drawn) == len(in_view)
    for ring, path in zip(in_view, drawn, strict=True):  # thinned, never moved
        assert set(map(tuple, path.vertices)) <= set(map(tuple, ring))
        assert tuple(path.vertices[0]) == tuple(ring[0])
    (inset,) = [a for a in ax.child_axes if a.get_gid() == "inset"]
    assert len(inset.collections[0].get_paths()) == len(everything)


def test_boundaries_lose_only_what_the_page_cannot_show():
    """Each vertex left out lies within the tolerance (in points on the page) of the line
    drawn between the two kept around it; ends are kept; a smooth curve needs few vertices;
    lines thinned together stay apart."""
    angle = np.linspace(0, 2 * np.pi, 2001)
    ring = np.c_[np.cos(angle), np.sin(angle)]  # closed: its last point is its first
    wave = np.c_[np.linspace(3, 9, 500), np.sin(np.linspace(3, 9, 500) * 3) / 4]
    step = 0.05  # degrees per point: the circle is 40 points across, its vertices 0.06 apart
    limit = plots._THIN_POINTS * step
    thinned = plots._thinned([ring, wave], step)
    for line, thin in zip([ring, wave], thinned, strict=True):
        assert 4 < len(thin) < len(line) / 10
        assert (thin[0] == line[0]).all() and (thin[-1] == line[-1]).all()
        kept = [i for i, p in enumerate(line) if any((p == t).all() for t in thin)]
        assert len(kept) == len(thin)
        for a, b in itertools.pairwise(kept):
            d = line[b] - line[a]
            rel = line[a + 1 : b] - line[a]
            offsets = np.abs(d[0] * rel[:, 1] - d[1] * rel[:, 0]) / np.hypot(*d)
            assert (offsets <= limit).all()


def test_monthly_casualties_takes_the_largest_figure_of_two_sources(tmp_path):
    ds = load_package(
        tmp_path,
        sources=[{"source_id": "a"}, {"source_id": "b"}],
        incidents=[{"incident_id": "I01"}],
        casualties=[
            {"source_id": "a", "best": 10},
            {"source_id": "b", "best": 13},
            {"source_id": "a", "party": "civilians", "best": 3},
        ],
    )
    ax = plots.monthly_casualties(ds)
    assert sorted(p.get_height() for p in ax.patches) == [3, 13]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"Peshmerga", "Civilians"}


def test_a_month_whose_incidents_give_no_figure_is_marked_unknown_not_drawn_as_none(tmp_path):
    """An incident whose article gives no death toll is not a month without deaths: its
    month carries a "?" marker, keyed in the legend, above its bar where the month's other
    incidents give figures (the bar is then a floor); a month whose every incident gives a
    figure, or with no incident at all, has none."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-01-10"},  # no casualty rows
            {"incident_id": "I02", "date_start": "2021-03-10"},
            {"incident_id": "I03", "date_start": "2021-03-20"},  # none either, beside I02
            {"incident_id": "I04", "date_start": "2021-05-10"},
        ],
        casualties=[
            {"incident_id": "I02", "best": 2},
            {"incident_id": "I04", "best": 5},
        ],
    )
    ax = plots.monthly_casualties(ds)
    (marks,) = [line for line in ax.lines if line.get_gid() == "unknown-months"]
    at = {
        pd.Timestamp(x).to_period("M"): y
        for x, y in zip(marks.get_xdata(), marks.get_ydata(), strict=True)
    }
    assert at == {pd.Period("2021-01", "M"): 0, pd.Period("2021-03", "M"): 2}  # bar tops
    # drawn above the bar, not over it
    top = ax.transData.transform((0, 2))[1]
    assert marks.get_transform().transform((0, 2))[1] > top
    assert "incidents with no killed figure" in {t.get_text() for t in ax.get_legend().get_texts()}
    known = plots.monthly_casualties(ds.replace(incidents=ds.incidents.iloc[[1, 3]]))
    assert not [line for line in known.lines if line.get_gid() == "unknown-months"]


def test_legend_markers_are_readable_and_sizes_have_their_own_key(ds):
    ax = plots.timeline(ds)
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    classes = [h for h, t in zip(legend.legend_handles, labels, strict=True) if "killed" not in t]
    assert all(
        list(h.get_sizes()) == [plots._LEGEND_MARKER] for h in classes if hasattr(h, "get_sizes")
    )
    assert any(t.endswith(" killed") for t in labels)  # the size key


def test_parties_drawn_in_one_colour_share_one_legend_entry(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[
            {"target": "iraqi_army"},
            {"target": "counter_terrorism", "date_start": "2021-12-20"},
            {"target": "peshmerga", "date_start": "2021-12-25"},
        ],
        casualties=[],
    )
    ax = plots.timeline(ds)
    labels = [" ".join(t.get_text().split()) for t in ax.get_legend().get_texts()]
    iraqi, cts = plots.party_label(ds, "iraqi_army"), plots.party_label(ds, "counter_terrorism")
    assert " / ".join(sorted([iraqi, cts], key=str.casefold)) in labels
    assert plots.party_label(ds, "peshmerga") in labels
    assert iraqi not in labels and cts not in labels
    # the same shared name, in the same order, on the province lanes' key
    lanes = [" ".join(t.get_text().split()) for t in
             plots.province_swimlane(ds).get_legend().get_texts()]  # fmt: skip
    assert " / ".join(sorted([iraqi, cts], key=str.casefold)) in lanes


@pytest.mark.parametrize("where", ["below", "right"])
def test_a_legend_outside_the_axes_keeps_its_keys(ds, where):
    ax = plots.timeline(ds, legend=where)
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    axes = ax.get_window_extent()
    if where == "below":
        assert box.y1 <= axes.y0
    else:
        assert box.x0 >= axes.x1
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.endswith(" killed") for t in labels)
    with pytest.raises(ValueError, match="legend must be one of"):
        plots.timeline(ds, legend="left")


@pytest.mark.parametrize("where", ["below", "right"])
@pytest.mark.parametrize("targets", [2, 4, 7])
def test_a_legend_in_columns_reads_its_size_key_down_one_column(tmp_path, where, targets):
    """A legend of several columns fills them top to bottom: the size key had been split
    between two (read across, '10 killed' came before '5 killed'). Its steps share one
    column, smallest on top, and no colour class sits in that column."""
    parties = ["peshmerga", "federal_police", "pmf", "civilians", "isis", "asayish", "coalition"]
    ds = load_package(
        tmp_path,
        incidents=[
            {"target": party, "date_start": f"2021-{i + 1:02d}-05"}
            for i, party in enumerate(parties[:targets])
        ],
        casualties=[
            {"incident_id": f"I{i + 1:02d}", "party": party, "best": str(killed)}
            for i, (party, killed) in enumerate(zip(parties, [13, 5, 10, 2, 7, 1, 3], strict=True))
            if i < targets
        ],
        coordination=[],
    )
    ax = plots.timeline(ds, legend=where)
    ax.figure.canvas.draw()
    texts = ax.get_legend().get_texts()
    key = [t for t in texts if t.get_text().endswith(" killed")]
    assert len(key) >= 2
    values = [int(t.get_text().split()[0]) for t in key]
    assert values == sorted(values)
    boxes = [t.get_window_extent() for t in key]
    assert len({round(b.x0) for b in boxes}) == 1  # one column
    assert [b.y0 for b in boxes] == sorted((b.y0 for b in boxes), reverse=True)  # top down
    others = [t.get_window_extent() for t in texts if t.get_text() and t not in key]
    assert others and all(b.x1 < boxes[0].x0 for b in others)  # the classes come before it


def test_retina_figures_have_twice_the_pixels_shown_at_their_size_with_their_alt(ds):
    """A notebook's figures in JupyterLab on a dense screen: the PNG carries twice the
    pixels, the metadata the size to show it at, and the figure's description as alt."""
    import base64
    import struct

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        assert plots.inline_figures("retina", dpi=100) == "retina"
        ax = plots.monthly_casualties(ds)
        data, metadata = shell.display_formatter.format(ax.figure)
        png = data["image/png"]
        png = base64.b64decode(png) if isinstance(png, str) else png
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        shown = metadata["image/png"]
        assert (shown["width"], shown["height"]) == (width // 2, height // 2)
        assert width == round(ax.figure.get_figwidth() * 200)
        assert shown["alt"] == plots.describe(ax.figure) and shown["alt"]
    finally:
        plt.close("all")
        InteractiveShell.clear_instance()


def test_count_axes_have_integer_ticks_and_an_empty_month_chart_says_so(ds):
    ax = plots.monthly_casualties(ds)
    ax.figure.canvas.draw()
    ticks = [t for t in ax.get_yticks() if t >= 0]
    assert all(float(t).is_integer() for t in ticks)
    empty = plots.monthly_casualties(select(ds, "2019-01-01", "2019-01-31"))
    assert [t.get_text() for t in empty.texts] == ["No killed figure recorded in this selection"]
    # the axis still shows the period asked about, so "none" reads as "none in that period"
    lo, hi = (mdates.num2date(x).date().isoformat() for x in empty.get_xlim())
    assert (lo, hi) == ("2019-01-01", "2019-02-01")


def test_the_time_axis_follows_the_selection(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"date_start": "2021-03-02"}, {"date_start": "2021-09-20"}],
        coordination=[
            {"date_start": "2021-05-01", "date_end": "2021-05-31", "date_precision": "month"}
        ],
    )
    lo, hi = (mdates.num2date(x).date() for x in plots.timeline(ds).get_xlim())
    assert lo.isoformat() < "2021-03-02" and hi.isoformat() > "2021-09-20"
    assert (hi - lo).days < 250  # the selection's months, not 2020-2024
    lo, hi = plots.timeline(ds, start="2021-01-01", end="2021-12-31").get_xlim()
    # the period asked for, with a margin (1%) so that a mark on its first day shows whole
    assert "2020-12-26" <= mdates.num2date(lo).date().isoformat() < "2021-01-01"
    assert "2022-01-01" <= mdates.num2date(hi).date().isoformat() <= "2022-01-05"


def test_the_coordination_chart_reads_the_selection_and_hides_no_step(ds):
    """The steps chart spans the selection's period (not its rows' or a numeric 0-1 axis),
    draws a planned step hollow (see-through) above the others, says when it is empty, and
    describes itself (its alt text)."""
    year = select(ds, "2021-01-01", "2021-12-31")
    ax = plots.coordination(year)
    lo, hi = (mdates.num2date(x).date().isoformat() for x in ax.get_xlim())
    assert lo < "2021-01-01" and "2021-12-31" < hi < "2022-01-10"
    planned = set(year.coordination.step_id[year.coordination.status.astype(str) == "planned"])
    for line in ax.lines:
        if (line.get_gid() or "").removeprefix("step:") in planned:
            assert line.get_markerfacecolor() == "none" and line.get_zorder() > 3
    assert plots.describe(ax).startswith("Coordination steps: ")
    empty = plots.coordination(select(ds, "2019-01-01", "2019-12-31"))
    assert [t.get_text() for t in empty.texts if t.get_gid() == "empty"]


def test_an_attack_of_unknown_toll_is_hollow_on_the_timeline(tmp_path):
    """An attack whose article gives no death toll is drawn hollow, as on the map and the
    swimlane, not as a small filled mark read as a small toll; its party keeps a filled
    key entry."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-05-02"},
            {"incident_id": "I02", "date_start": "2021-08-02", "target": "civilians"},
        ],
        casualties=[{"incident_id": "I01", "best": 3}],
    )
    ax = plots.timeline(ds)
    marks = [c for c in ax.collections if len(c.get_offsets())]
    faces = [c.get_facecolor() for c in marks]
    assert sum(len(f) == 0 or f[0][3] == 0 for f in faces) == 1  # one hollow, one filled
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"Peshmerga", "Civilians"} <= labels


def test_a_step_begun_before_the_axis_is_labelled_on_it(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2021-05-10"}],
        coordination=[
            {"step_id": "K01", "date_start": "2021-04-26", "date_end": "2021-05-02",
             "date_precision": "week"},
        ],
    )  # fmt: skip
    ax = plots.timeline(select(ds, "2021-05-01", "2021-05-31"))
    (label,) = [t for t in ax.texts if (t.get_gid() or "").startswith("steps:")]
    assert label.get_text() == "K01"
    x = mdates.date2num(pd.Timestamp(label.xy[0]))
    lo, hi = ax.get_xlim()
    assert lo <= x <= hi and label.get_horizontalalignment() == "left"


def test_a_party_selections_chronology_says_whose_toll_is_unknown(ds):
    """Under a party selection, "killed: no figure" beside a summary that says two soldiers
    were killed reads as a contradiction: the label names the party whose toll is unknown."""
    party = "isis"
    sel = select(ds, parties=party)
    texts = list(plots._chronology_events(sel).text)
    label = plots.party_label(ds, party)
    assert all(f"killed ({label}): no figure" in t for t in texts if "no figure" in t)
    assert not any("killed: no figure" in t for t in texts)


def test_an_unknown_outcome_names_the_valid_ones(ds):
    from kirkuk_analysis.selection import SelectionError

    with pytest.raises(ValueError, match="outcome must be one of killed, wounded"):
        plots.monthly_casualties(ds, outcome="dead")
    # its period is checked as the other time charts check theirs
    with pytest.raises(SelectionError, match="after end"):
        plots.monthly_casualties(ds, start="2021-06-30", end="2021-04-01")


def test_the_time_axes_read_the_selection_and_refuse_bad_dates(ds):
    """Timeline and swimlane span the selection's own period by default (not only its
    rows'), with day ticks for a few days; a malformed date or a start after the end is
    refused as a selection's is; an empty selection says so instead of a blank chart."""
    from kirkuk_analysis.selection import SelectionError

    year = select(ds, "2020-01-01", "2020-12-31")
    for draw in (plots.timeline, plots.province_swimlane):
        lo, hi = (mdates.num2date(x).date() for x in draw(year).get_xlim())
        assert lo.isoformat() < "2020-01-01" and hi.isoformat() > "2020-12-31"
        assert (hi - lo).days < 380
        with pytest.raises(SelectionError, match="month 13"):
            draw(ds, start="2021-13-01")
        with pytest.raises(SelectionError, match="after end"):
            draw(ds, start="2022-01-01", end="2021-01-01")
        empty = draw(select(ds, "2019-01-01", "2019-12-31"))
        assert [t.get_text() for t in empty.texts if t.get_gid() == "empty"]
        assert empty.get_legend() is None
    # a band over an uncertain date has its party's own colour on its outline (a
    # translucent fill alone reads as a lighter colour: another party's in the key)
    for draw in (plots.timeline, plots.province_swimlane):
        bands = [c for c in draw(ds).collections if (c.get_gid() or "").startswith("span:")]
        assert bands and all(c.get_edgecolor()[0][3] == 1.0 for c in bands)
    day = plots.timeline(ds, start="2021-12-05", end="2021-12-05")
    day.figure.canvas.draw()
    assert "5 Dec 2021" in [t.get_text() for t in day.get_xticklabels()]


# ---- the chronology ------------------------------------------------------------------


def boxes(ax, prefix):
    """The rendered boxes (pixels) of the texts whose gid starts with ``prefix``."""
    renderer = ax.figure.canvas.get_renderer()
    return {
        t.get_gid(): t.get_window_extent(renderer)
        for t in ax.texts
        if (t.get_gid() or "").startswith(prefix)
    }


def assert_apart_and_inside(found, frame):
    for (a, box_a), (b, box_b) in itertools.combinations(found.items(), 2):
        assert not box_a.overlaps(box_b), (a, b)
    for gid, box in found.items():
        assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, gid
        assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, gid


def test_label_widths_read_from_the_font_are_the_renderers(ds):
    """The chronology sizes its labels from each character's width; read from the font's
    glyphs, they are what the Agg renderer measures, for every character of the data's
    texts, the Latin alphabets and one the font lacks (measured by the renderer)."""
    from matplotlib.font_manager import FontProperties

    texts = "".join(
        str(v)
        for table in (ds.incidents, ds.coordination, ds.claims, ds.places)
        for v in table.select_dtypes(exclude="number").to_numpy().ravel()
        if isinstance(v, str)
    )
    chars = set(texts) | {chr(c) for c in range(32, 0x250) if chr(c).isprintable()}
    chars |= set("\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00b7\u2265\u2264\u4e2d")
    with plt.rc_context(plots.theme()), pytest.warns(UserWarning, match="missing from font"):
        family = plt.rcParams["font.family"][0]
        read = plots._measure_chars(family, chars)
        renderer = plots._agg_72()
        prop = FontProperties(family=family, size=100)
        bars = renderer.get_text_width_height_descent("||", prop, ismath=False)[0]
        measured = {
            c: renderer.get_text_width_height_descent(f"|{c}|", prop, ismath=False)[0] - bars
            for c in chars
        }
    assert read == pytest.approx(measured, abs=1e-9)
    assert read["\u4e2d"] > 0  # measured in a fallback font (or as the missing-glyph box)


def fictional_events(n_incidents, n_steps, first, last):
    """Incidents and steps spread evenly over first..last, every fourth a month or week."""
    days = (pd.Timestamp(last) - pd.Timestamp(first)).days
    incidents, steps = [], []
    for i in range(n_incidents):
        day = pd.Timestamp(first) + pd.Timedelta(days=days * i // max(n_incidents, 1))
        incidents.append(
            {
                "incident_id": f"I{i + 1:02d}",
                "date_start": day.date().isoformat(),
                "summary": f"Fictional attack number {i + 1}, written for the tests to be "
                "long enough to need cutting on a page that is only seventeen centimetres "
                "wide, with more words than any label can hold on a single line.",
            }
        )
    for i in range(n_steps):
        day = pd.Timestamp(first) + pd.Timedelta(days=days * i // max(n_steps, 1) + 1)
        row = {"step_id": f"K{i + 1:02d}", "date_start": day.date().isoformat(),
               "kind": ("meeting", "call", "agreement")[i % 3]}  # fmt: skip
        if i % 4 == 3:  # a week
            row |= {"date_end": (day + pd.Timedelta(days=6)).date().isoformat(),
                    "date_precision": "week"}  # fmt: skip
        steps.append(row)
    return incidents, steps


def chronology_cases(tmp_path, ds):
    five_years = fictional_events(9, 6, "2020-01-10", "2024-11-20")
    one_month = fictional_events(2, 1, "2021-12-02", "2021-12-20")
    dense = fictional_events(60, 45, "2021-01-01", "2021-03-01")
    return {
        "shipped, 2020-2024": (ds, "2020-01-01", "2024-12-31"),
        "shipped, December 2021": (
            select(ds, "2021-12-01", "2021-12-31"),
            "2021-12-01",
            "2021-12-31",
        ),  # fmt: skip
        "fictional, five years": (
            load_package(tmp_path / "a", incidents=five_years[0], coordination=five_years[1]),
            "2020-01-01",
            "2024-12-31",
        ),  # fmt: skip
        "fictional, one month": (
            load_package(tmp_path / "b", incidents=one_month[0], coordination=one_month[1]),
            "2021-12-01",
            "2021-12-31",
        ),  # fmt: skip
        "fictional, dense": (
            load_package(tmp_path / "c", incidents=dense[0], coordination=dense[1]),
            "2021-01-01",
            "2021-03-31",
        ),  # fmt: skip
    }


def test_chronology_labels_every_event_apart_and_inside_the_figure(tmp_path, ds):
    for name, (data, start, end) in chronology_cases(tmp_path, ds).items():
        ax = plots.chronology(data, start=start, end=end)
        ax.figure.canvas.draw()
        found = boxes(ax, "label:")
        ids = [i for gid in found for i in gid.removeprefix("label:").split(",")]
        expected = list(data.incidents.incident_id) + list(data.coordination.step_id)
        assert sorted(ids) == sorted(expected), name  # every event, once
        years = boxes(ax, "year:")  # over several years the column is headed by year
        table = pd.concat([data.incidents, data.coordination])
        middle = table.date_start + (table.date_end + pd.Timedelta(days=1) - table.date_start) / 2
        assert bool(years) == (middle.dt.year.nunique() > 1), name
        assert_apart_and_inside(found | years, ax.figure.bbox)
        # the key too, its title included (a long title ran off the figure's right edge)
        key = ax.get_legend().get_window_extent()
        edge = ax.figure.bbox
        assert edge.x0 <= key.x0 and key.x1 <= edge.x1 and key.y1 <= edge.y1, name
        width, height = ax.figure.get_size_inches()
        assert width == plots.PRINT_WIDTH and height <= 9.0, name  # one A4 page
        plt.close(ax.figure)


def test_a_long_stretch_without_events_is_marked_as_squeezed(tmp_path):
    """Months without events take a few points on the bent axis: a break mark says so,
    between the events on either side (else the next tick, '2023' under December 2021,
    reads as their date); evenly spread events get none."""
    apart = load_package(
        tmp_path / "a",
        incidents=[  # a crowded January 2021 takes the page; then nothing until November 2023
            *({"incident_id": f"I{d:02d}", "date_start": f"2021-01-{d:02d}"} for d in range(1, 31)),
            {"incident_id": "I99", "date_start": "2023-11-05"},
        ],
    )
    ax = plots.chronology(apart, start="2021-01-01", end="2023-12-31")
    marks = [t for t in ax.texts if t.get_gid() == "squeezed"]
    assert marks, "no break mark"
    between = [mdates.num2date(t.get_position()[1]).date().isoformat() for t in marks]
    assert any("2021-01-30" < when < "2023-11-05" for when in between), between
    assert "\u2248" in ax.get_legend().get_title().get_text()  # the key explains it
    plt.close(ax.figure)
    monthly = load_package(
        tmp_path / "b",
        incidents=[
            {"incident_id": f"I{m:02d}", "date_start": f"2021-{m:02d}-15"} for m in range(1, 13)
        ],
    )
    ax = plots.chronology(monthly, start="2021-01-01", end="2021-12-31")
    assert [t for t in ax.texts if t.get_gid() == "squeezed"] == []
    assert "\u2248" not in ax.get_legend().get_title().get_text()
    plt.close(ax.figure)


def test_chronology_on_a_small_axes_still_never_overlaps(tmp_path):
    incidents, steps = fictional_events(60, 45, "2021-01-01", "2021-03-01")
    data = load_package(tmp_path, incidents=incidents, coordination=steps)
    fig, ax = plt.subplots(figsize=(6.7, 3))
    plots.chronology(data, ax=ax)
    fig.canvas.draw()
    found = boxes(ax, "label:")
    ids = [i for gid in found for i in gid.removeprefix("label:").split(",")]
    assert sorted(ids) == sorted(list(data.incidents.incident_id) + list(data.coordination.step_id))
    assert len(found) < 105  # neighbours share labels rather than overlap
    assert_apart_and_inside(found, fig.bbox)


def test_chronology_figure_grows_with_the_events(tmp_path):
    few = load_package(tmp_path / "a", incidents=fictional_events(2, 1, "2021-12-01",
                                                                  "2021-12-20")[0])  # fmt: skip
    many = fictional_events(20, 20, "2020-01-01", "2024-12-01")
    many = load_package(tmp_path / "b", incidents=many[0], coordination=many[1])
    assert plots.chronology_size(few)[1] < plots.chronology_size(many)[1] <= 9.0


def test_chronology_labels_say_date_place_killed_and_what_happened(tmp_path):
    data = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2021-12-05",
                    "summary": "Fictional militants attacked a fictional checkpoint."}],
        casualties=[{"best": 3}, {"party": "civilians", "best": 2, "high": ""}],  # "at least 2"
        coordination=[{"step_id": "K01", "date_start": "2021-12-06", "kind": "meeting",
                       "summary": "A fictional meeting on joint patrols."}],
    )  # fmt: skip
    ax = plots.chronology(data)
    texts = {t.get_gid(): t.get_text().replace("\n", " ") for t in ax.texts}
    assert texts["label:I01"] == (
        "5 December 2021 \u00b7 Kirkuk city \u00b7 at least 5 killed \u00b7 "
        "Fictional militants attacked a fictional checkpoint."
    )
    assert texts["label:K01"].startswith("6 December 2021 \u00b7 Meeting: A fictional meeting")


def test_chronology_draws_uncertain_dates_as_ranges(tmp_path):
    data = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-04-01", "date_end": "2021-04-30",
             "date_precision": "month"},
            {"incident_id": "I02", "date_start": "2021-05-02"},
        ],
        coordination=[{"step_id": "K01", "date_start": "2021-04-24", "date_end": "2021-04-30",
                       "date_precision": "week", "kind": "call"}],
    )  # fmt: skip
    ax = plots.chronology(data)
    lines = {line.get_gid(): line for line in ax.lines if line.get_gid()}
    day = pd.Timedelta(days=1)
    for gid, (start, end) in {"range:I01": ("2021-04-01", "2021-04-30"),
                              "range:K01": ("2021-04-24", "2021-04-30")}.items():  # fmt: skip
        ys = [mdates.num2date(mdates.date2num(y)).date() for y in lines[gid].get_ydata()]
        assert (min(ys), max(ys)) == (pd.Timestamp(start).date(), (pd.Timestamp(end) + day).date())
    marked = [i for gid in lines if gid.startswith("marks:") for i in gid[6:].split(",")]
    assert "I02" in marked and "range:I02" not in lines and "I01" not in marked


def test_events_on_one_day_in_one_lane_each_have_a_mark_of_their_own(tmp_path):
    """Two incidents on the same day were drawn on one spot, the later hiding the earlier
    (10 killed on 2 May 2020 had no visible mark): each now has its own."""
    data = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-05-02"},
            {"incident_id": "I02", "date_start": "2021-05-02", "target": "civilians"},
            {"incident_id": "I03", "date_start": "2021-05-02"},
            {"incident_id": "I04", "date_start": "2021-06-20"},
        ],
    )
    ax = plots.chronology(data)
    spots = {}
    for line in ax.lines:
        if (line.get_gid() or "").startswith("marks:"):
            ids = line.get_gid()[6:].split(",")
            for i, x, y in zip(ids, line.get_xdata(), line.get_ydata(), strict=True):
                spots[i] = (float(x), float(mdates.date2num(y)))
    assert sorted(spots) == ["I01", "I02", "I03", "I04"]
    same_day = [spots[i] for i in ("I01", "I02", "I03")]
    assert len(set(same_day)) == 3  # three marks, none on another
    assert len({y for _, y in same_day}) == 1  # all at their date
    plt.close(ax.figure)


# ---- the map -------------------------------------------------------------------------

IRAQ_LON, IRAQ_LAT = (38.8, 48.6), (29.1, 37.4)


def test_map_is_zoomed_to_the_incidents(ds):
    ax = plots.incident_map(ds)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    located = ds.incidents.place_id.map(ds.places.set_index("place_id").lon).dropna()
    lats = ds.incidents.place_id.map(ds.places.set_index("place_id").lat).dropna()
    assert x0 < located.min() and located.max() < x1
    assert y0 < lats.min() and lats.max() < y1
    # every drawn incident inside the view
    for c in ax.collections:
        if isinstance(c, matplotlib.collections.PathCollection):
            for lon, lat in c.get_offsets():
                assert x0 <= lon <= x1 and y0 <= lat <= y1
    area = (x1 - x0) * (y1 - y0)
    assert area < 0.4 * (IRAQ_LON[1] - IRAQ_LON[0]) * (IRAQ_LAT[1] - IRAQ_LAT[0])


def test_map_of_one_place_shows_its_surroundings(tmp_path):
    data = load_package(tmp_path, incidents=[{"incident_id": "I01"}])
    ax = plots.incident_map(data)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < 44.3922 < x1 and y0 < 35.4681 < y1
    assert 1 <= x1 - x0 <= 3 and 1 <= y1 - y0 <= 3


def test_map_has_an_inset_showing_the_zoomed_area(ds):
    ax = plots.incident_map(ds)
    (inset,) = [a for a in ax.child_axes if a.get_gid() == "inset"]
    (zoom,) = [p for p in inset.patches if p.get_gid() == "zoom-extent"]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert zoom.get_x() == pytest.approx(x0) and zoom.get_width() == pytest.approx(x1 - x0)
    assert zoom.get_y() == pytest.approx(y0) and zoom.get_height() == pytest.approx(y1 - y0)
    ix, iy = inset.get_xlim(), inset.get_ylim()  # the inset shows all of Iraq
    assert ix[0] <= IRAQ_LON[0] and ix[1] >= IRAQ_LON[1]
    assert iy[0] <= IRAQ_LAT[0] and iy[1] >= IRAQ_LAT[1]


def test_map_names_its_places_without_collisions(ds):
    ax = plots.incident_map(ds)
    ax.figure.canvas.draw()
    found = boxes(ax, "place:")
    names = set(ds.places.set_index("place_id").name[ds.incidents.place_id.unique()])
    assert {gid.removeprefix("place:") for gid in found} >= names
    assert_apart_and_inside(found, ax.get_window_extent())
    inset = next(a for a in ax.child_axes if a.get_gid() == "inset").get_window_extent()
    assert not any(box.overlaps(inset) for box in found.values())


def test_map_names_stand_clear_of_the_dark_boundaries(tmp_path):
    """A place beside the Kurdistan Region's boundary (as Kifri is) is named on the side the
    line leaves free: no dark line (that boundary, Iraq's border) crosses a name, where a
    stroke would read as part of it."""
    from matplotlib.path import Path as MplPath
    from matplotlib.transforms import Bbox

    _, kurdistan, _ = plots._boundaries()
    line = max(kurdistan, key=len)
    # fictional places just off the boundary, spread along its stretch in the disputed belt
    inside = line[(line[:, 0] > 43.6) & (line[:, 0] < 45.6) & (line[:, 1] > 34.6)]
    chosen = inside[:: max(1, len(inside) // 6)][:6]
    places = [
        {"place_id": f"p{i}", "name": f"Place number {i}", "lon": f"{lon - 0.02:.4f}",
         "lat": f"{lat - 0.02:.4f}"}
        for i, (lon, lat) in enumerate(chosen)
    ]  # fmt: skip
    assert len(places) >= 4
    data = load_package(
        tmp_path,
        places=places,
        incidents=[{"place_id": p["place_id"]} for p in places],
    )
    ax = plots.incident_map(data)
    ax.figure.canvas.draw()
    names = {f"place:{p['name']}" for p in places}
    found = {gid: box for gid, box in boxes(ax, "place:").items() if gid in names}
    assert set(found) == names  # every place named
    dark = [
        MplPath(segment)
        for c in ax.collections
        if c.get_gid() in ("kurdistan-boundary", "iraq-border")
        for segment in c.get_segments()
    ]
    assert dark
    to_data = ax.transData.inverted()
    for gid, box in found.items():
        area = Bbox(to_data.transform([[box.x0, box.y0], [box.x1, box.y1]]))
        assert not any(path.intersects_bbox(area, filled=False) for path in dark), gid


def test_map_tells_province_and_kurdistan_boundaries_apart(ds):
    ax = plots.incident_map(ds)
    labels = [t.get_text() for legend in _legends_of(ax) for t in legend.get_texts()]
    assert "province boundary" in labels
    assert any(t.startswith("Kurdistan Region boundary") for t in labels)
    (kri,) = [c for c in ax.collections if c.get_gid() == "kurdistan-boundary"]
    provinces = governorates(ax)
    assert kri.get_linestyle()[0][1] is not None  # dashed
    assert provinces.get_linestyle()[0][1] is None  # solid
    assert kri.get_linewidth()[0] > provinces.get_linewidth()[0]


def _legends_of(ax) -> list:
    return [a for a in ax.get_children() if isinstance(a, matplotlib.legend.Legend)]


@pytest.mark.parametrize("parties", [3, 12])
def test_map_key_stays_inside_its_figure(tmp_path, parties):
    """Every part of the map's key (targets, sizes, lines) is drawn whole inside the figure,
    also when many targets make it taller than the map (the figure grows), and the size
    key's large markers space only their own rows."""
    targets = list(read_vocabulary().parties)[:parties]
    ds = load_package(
        tmp_path,
        incidents=[{"target": t, "date_start": f"2021-01-{i + 1:02d}"} for i, t in
                   enumerate(targets)],
        casualties=[{"incident_id": f"I{i + 1:02d}", "party": t, "best": 5 * i + 1}
                    for i, t in enumerate(targets)],
    )  # fmt: skip
    ax = plots.incident_map(ds)
    fig = ax.figure
    fig.canvas.draw()
    legends = sorted(_legends_of(ax), key=lambda lg: -lg.get_window_extent().y1)  # top down
    assert [lg.get_title().get_text() for lg in legends] == ["target", "killed", "map"]
    assert ax.get_legend() is legends[0]
    page = fig.bbox
    boxes = [lg.get_window_extent() for lg in legends]
    for box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 + 0.5
        assert page.y0 <= box.y0 and box.y1 <= page.y1 + 0.5
    # a tight bounding box (an inline figure's, bbox_inches="tight") keeps each part whole:
    # legends added as artists are clipped to the axes, and it cut them at the map's edge
    tight = fig.get_tightbbox(fig.canvas.get_renderer()).transformed(fig.dpi_scale_trans)
    assert all(tight.x1 >= box.x1 - 0.5 and tight.y0 <= box.y0 + 0.5 for box in boxes)
    for upper, lower in itertools.pairwise(boxes):  # stacked, never overlapping
        assert lower.y1 <= upper.y0
    # the size key's largest marker reaches below its legend's box, never into the next
    radius = max(h.get_markersize() for h in legends[1].legend_handles) / 2 * fig.dpi / 72
    assert boxes[2].y1 <= boxes[1].y0 - radius
    assert page.y0 <= boxes[1].y0 - radius
    assert boxes[0].x0 >= ax.get_window_extent().x1  # beside the map, hiding no place
    rows = legends[0].get_texts()
    gaps = [a.get_window_extent().y0 - b.get_window_extent().y1 for a, b in
            itertools.pairwise(rows)]  # fmt: skip
    assert max(gaps) < 7 * fig.dpi / 72  # the classes' rows stay close
    plt.close(fig)


def test_the_timeline_counts_context_items_apart_from_coordination_steps(ds):
    """As the key figures do (report.steps_and_context): a base handover is no step."""
    kinds = ds.coordination["kind"].astype(str)
    steps, context = int((kinds != "context").sum()), int((kinds == "context").sum())
    words = plots.describe(plots.chronology(ds).figure)
    if steps:
        assert f"{steps} coordination step{'s' if steps != 1 else ''}" in words
    if context:
        assert f"{context} context item{'s' if context != 1 else ''}" in words
    assert f"{len(kinds)} coordination steps" not in words or not context
    plt.close("all")


def test_figures_say_what_they_show(tmp_path):
    """describe(): each figure of the brief in words, from the rows drawn (its alt text)."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-03-04"},
            {"incident_id": "I02", "date_start": "2021-05-20", "target": "civilians"},
        ],
        casualties=[
            {"incident_id": "I01", "best": 10},
            {"incident_id": "I02", "party": "civilians", "best": 3},
        ],
    )
    month = plots.describe(plots.monthly_casualties(ds))
    assert month.startswith("Bar chart of recorded killed per month, by party, March 2021 to May")
    assert "13 killed in 2 months, the most (10) in March 2021" in month
    chronology = plots.describe(plots.chronology(ds).figure)  # a Figure or its Axes
    assert chronology.startswith("Timeline of 2 incidents")
    assert "4 March 2021" in chronology
    places = ds.places.set_index("place_id").loc[ds.incidents.place_id]
    located = places.dropna(subset=["lon", "lat"])
    where = ", ".join(sorted(located.province.astype(str).unique()))
    assert plots.describe(plots.incident_map(ds)).startswith(
        f"Map of {len(located)} incident{'s' if len(located) != 1 else ''} at "
    ) and f"({where})" in plots.describe(plots.incident_map(ds))
    empty = select(ds, "2019-01-01", "2019-12-31")
    assert plots.describe(plots.monthly_casualties(empty)).endswith("no figure in this selection.")
    fig, ax = plt.subplots()
    ax.set_title("A researcher's own chart")
    assert plots.describe(fig) == "A researcher's own chart."  # its title, when nothing else
    assert plots.describe(plt.subplots()[0]) == ""
    plt.close("all")


def test_svg_text_is_measured_drawn_and_named_in_one_face(tmp_path):
    """Labels are placed with the widths of the face they are drawn in (DejaVu Sans, which
    matplotlib ships), and an SVG names it first, then only faces no wider."""
    from matplotlib.font_manager import FontProperties, findfont

    with plt.rc_context(plots.theme()):
        measured = findfont(FontProperties(family=["sans-serif"]))
    assert Path(measured).name == "DejaVuSans.ttf"
    ax = plots.monthly_casualties(load())
    with plt.rc_context(plots._SVG_RC):
        ax.figure.savefig(tmp_path / "f.svg")
    families = set(re.findall(r"font-family: ([^;\"]+)", (tmp_path / "f.svg").read_text()))
    assert families and all(f.startswith("'DejaVu Sans', 'Bitstream Vera Sans'") for f in families)
    assert not any(wide in f for f in families for wide in ("Verdana", "Lucida", "Geneva"))
    plt.close(ax.figure)


def test_monthly_chart_spans_the_selected_period_with_distinct_month_ticks(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2021-05-20"}],
        casualties=[{"incident_id": "I01", "best": 4}],
    )
    for start, end, first, after in (
        ("2021-01-01", "2021-12-31", "2021-01-01", "2022-01-01"),  # quiet months shown
        ("2021-05-01", "2021-05-31", "2021-05-01", "2021-06-01"),  # one month
        ("2020-01-01", "2024-12-31", "2020-01-01", "2025-01-01"),  # the default brief
    ):
        # the brief's figure and margins
        fig, ax = plt.subplots(figsize=(plots.PRINT_WIDTH, 2.2))
        fig.subplots_adjust(left=0.09, right=0.98, top=0.87, bottom=0.13)
        plots.monthly_casualties(select(ds, start, end), ax=ax)
        lo, hi = (mdates.num2date(x).date().isoformat() for x in ax.get_xlim())
        assert (lo, hi) == (first, after)
        ax.figure.canvas.draw()
        ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        # no "2021-05" seven times: each tick its own month, no label twice in a row
        assert len(ticks) == len(set(ax.get_xticks())) >= 1
        assert all(a != b for a, b in itertools.pairwise(ticks))
        assert all(mdates.num2date(x).day == 1 for x in ax.get_xticks())
        # every label whole, inside the figure (the axis' end, the month after the last,
        # is not labelled: centred on the edge, it was cut to "Jan 20")
        edge = ax.figure.bbox
        for label in ax.get_xticklabels():
            box = label.get_window_extent()
            assert edge.x0 <= box.x0 and box.x1 <= edge.x1, label.get_text()
        assert max(ax.get_xticks()) < ax.get_xlim()[1]
        plt.close(ax.figure)


def test_every_month_of_the_monthly_chart_has_a_tick_mark_at_its_start(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2021-05-20"}],
        casualties=[{"incident_id": "I01", "best": 4}],
    )
    ax = plots.monthly_casualties(select(ds, "2020-01-01", "2024-12-31"))
    (marks,) = [line for line in ax.lines if line.get_gid() == "month-starts"]
    starts = [mdates.num2date(x).date() for x in mdates.date2num(marks.get_xdata())]
    assert len(starts) == 60 and all(d.day == 1 for d in starts)
    assert [(d.year, d.month) for d in starts] == [(y, m) for y in range(2020, 2025)
                                                   for m in range(1, 13)]  # fmt: skip
    assert list(marks.get_ydata()) == [0] * 60  # on the axis (axes coordinates)
    assert marks.get_transform() == ax.get_xaxis_transform()
    plt.close(ax.figure)


def test_a_party_selection_labels_its_killed_as_that_party_s(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2021-05-20"}],
        casualties=[
            {"incident_id": "I01", "best": 4},
            {"incident_id": "I01", "party": "civilians", "best": 2},
        ],
    )
    pesh = plots.party_label(ds, "peshmerga")
    ax = plots.chronology(select(ds, "2021-01-01", "2021-12-31", parties=["peshmerga"]))
    labels = " ".join(t.get_text() for t in ax.texts)
    assert f"4 killed ({pesh})" in labels and "6 killed" not in labels
    ax = plots.chronology(ds)
    assert "6 killed" in " ".join(t.get_text() for t in ax.texts)
    plt.close("all")


def test_the_map_names_places_its_boundaries_put_elsewhere(ds):
    """drawn_elsewhere: exactly the incident places not inside their coded province's
    polygon; the note under the map names each, so map and tables are not read as at odds."""
    import json

    from matplotlib.path import Path as Polygon

    from kirkuk_analysis import _paths

    geo = json.loads((_paths.geo_dir() / "iraq_admin1.geojson").read_text(encoding="utf-8"))
    shapes = {}
    for f in geo["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        shapes.setdefault(f["properties"]["name"], []).extend(Polygon(p[0]) for p in polys)
    used = ds.places[ds.places.place_id.isin(ds.incidents.place_id)].dropna(subset=["lon"])
    inside = {
        str(r.name): any(s.contains_point((r.lon, r.lat)) for s in shapes.get(r.province, []))
        for r in used.itertuples()
    }
    odd = plots.drawn_elsewhere(ds)
    assert set(odd.place) == {name for name, yes in inside.items() if not yes}
    note = plots.map_note(ds)
    assert all(f"{r.place}, coded in {r.province} province" in note for r in odd.itertuples())
    assert (note == "") == odd.empty


def test_an_unknown_toll_is_drawn_hollow_on_the_map(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02", "date_start": "2021-06-01"}],
        casualties=[{"incident_id": "I01", "best": 3}],
    )
    ax = plots.incident_map(ds)
    (hollow,) = [c for c in ax.collections if c.get_gid() == "killed-unknown"]
    assert len(hollow.get_offsets()) == 1
    # and only hollow: no filled dot beneath the ring, which read as "1 killed"
    from matplotlib.collections import PathCollection

    filled = [
        tuple(point) for c in ax.collections
        if isinstance(c, PathCollection) and c.get_gid() != "killed-unknown"
        for point in np.asarray(c.get_offsets())
    ]  # fmt: skip
    assert len(filled) == 1 and tuple(hollow.get_offsets()[0]) not in filled[1:]
    labels = [t.get_text() for lg in _legends_of(ax) for t in lg.get_texts()]
    assert "no figure (hollow)" in labels
    plt.close(ax.figure)


def test_incidents_at_one_place_all_stay_visible_on_the_map(tmp_path):
    """At a shared place a small dot is drawn over a large one, never under it, and a
    hollow ring (no figure) is an outline only: it never hides a dot with a figure
    (a white-filled ring hid the 1 killed at Kirkuk city)."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01"},  # no figure: hollow
            {"incident_id": "I02", "date_start": "2021-06-01"},
            {"incident_id": "I03", "date_start": "2021-07-01", "target": "civilians"},
        ],
        casualties=[
            {"incident_id": "I02", "best": 1},
            {"incident_id": "I03", "party": "civilians", "best": 13},
        ],
    )
    ax = plots.incident_map(ds)
    (hollow,) = [c for c in ax.collections if c.get_gid() == "killed-unknown"]
    assert all(face[3] == 0 for face in hollow.get_facecolors())  # an outline only
    # the order matplotlib draws in: by zorder, then as added; within a collection, by row
    from matplotlib.collections import PathCollection

    drawn = sorted(
        (c for c in ax.collections
         if isinstance(c, PathCollection) and c.get_gid() != "killed-unknown"),
        key=lambda c: c.get_zorder(),
    )  # fmt: skip
    sizes = [
        float(size) for c in drawn
        for size in np.broadcast_to(c.get_sizes(), len(c.get_offsets()))
    ]  # fmt: skip
    filled = [s for s in sizes if s > 0]
    assert len(filled) >= 2 and filled == sorted(filled, reverse=True)  # large first
    assert max(c.get_zorder() for c in drawn) < hollow.get_zorder()
    plt.close(ax.figure)


def test_chronology_year_ticks_sit_between_the_years_labels(tmp_path, ds):
    """The time axis bends to the labels: each year's tick lies below every label of the
    years before it and above every label of its own year and later, so no label sits
    beside another year's tick (on a linear axis, 2021's labels sat beside '2023')."""
    for name, (data, start, end) in chronology_cases(tmp_path, ds).items():
        ax = plots.chronology(data, start=start, end=end)
        ax.figure.canvas.draw()
        table = pd.concat([data.incidents.rename(columns={"incident_id": "id"}),
                           data.coordination.rename(columns={"step_id": "id"})])  # fmt: skip
        mid = table.date_start + (table.date_end + pd.Timedelta(days=1) - table.date_start) / 2
        year_of = dict(zip(table.id, mid.dt.year, strict=True))
        labels = boxes(ax, "label:")
        to_display = ax.transData.transform
        for tick in ax.get_yticks():
            when = mdates.num2date(tick)
            lo, hi = sorted(ax.get_ylim())
            if not (lo <= tick <= hi) or (when.month, when.day) != (1, 1):
                continue
            y = to_display((0, tick))[1]  # display y grows upwards; time runs down
            for gid, box in labels.items():
                years = {year_of[i] for i in gid.removeprefix("label:").split(",")}
                if max(years) < when.year:
                    assert box.y0 >= y - 1, (name, gid, when.year)
                elif min(years) >= when.year:
                    assert box.y1 <= y + 1, (name, gid, when.year)
        plt.close(ax.figure)


def test_chronology_sets_overlapping_ranges_side_by_side_and_marks_them_on_the_axis(tmp_path):
    """Two steps over overlapping ranges are two bars side by side (one drawn over the
    other hid it); two over the very same range stay one bar; a range reaching beyond
    the chart is marked at the middle of its part on it, not off the axis."""
    from kirkuk_analysis.analysis import select

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2021-05-05"}],
        coordination=[
            {"step_id": "K01", "kind": "agreement", "date_start": "2021-05-01",
             "date_end": "2021-05-21", "date_precision": "month"},
            {"step_id": "K02", "kind": "implementation", "date_start": "2021-05-10",
             "date_end": "2021-05-16", "date_precision": "week"},
            {"step_id": "K03", "kind": "implementation", "date_start": "2021-05-10",
             "date_end": "2021-05-16", "date_precision": "week"},
            {"step_id": "K04", "kind": "implementation", "date_start": "2021-01-01",
             "date_end": "2021-12-31", "date_precision": "year"},
        ],
    )  # fmt: skip
    ax = plots.chronology(ds, start="2021-05-01", end="2021-05-31")
    x = {line.get_gid()[6:]: line.get_xdata()[0] for line in ax.lines
         if str(line.get_gid()).startswith("range:")}  # fmt: skip
    assert x["K01"] != x["K02"] and x["K02"] == x["K03"]
    may = select(ds, start="2021-05-01", end="2021-05-31")
    _, _, events = plots._events_in(may, None, None)
    mid = events.set_index("id").loc["K04", "mid"]
    assert pd.Timestamp("2021-05-01") <= mid <= pd.Timestamp("2021-06-01")


def test_under_a_party_selection_marker_sizes_say_whose_dead_they_show(ds):
    """A party selection sizes the markers by that party's killed: the title, the key and
    the description say so, lest a Peshmerga-coloured dot sized by civilians' deaths read as
    Peshmerga killed."""
    from kirkuk_analysis.analysis import select

    chosen = select(ds, parties=["civilians"])
    ax = plots.incident_map(chosen)
    texts = {t.get_text() for t in ax.figure.findobj(matplotlib.text.Text)}
    assert "killed (Civilians)" in texts
    assert "size: killed (Civilians)" in ax.get_title()
    assert "marker size shows the killed (Civilians)" in plots.describe(ax.figure)
    assert "size: killed (Civilians)" in plots.timeline(chosen).get_title()
    assert "size: killed (Civilians)" in plots.province_swimlane(chosen).get_title()
    plt.close("all")
    assert "(Civilians)" not in plots.incident_map(ds).get_title()


def test_the_chronology_says_when_a_toll_is_the_largest_of_differing_sources(tmp_path):
    """Two outlets give 2 and 3 dead: the label shows 3 and says it is the largest of the
    sources' figures (its summary may quote the 2); an agreed toll says nothing more."""
    ds = load_package(
        tmp_path,
        sources=[{"source_id": "a"}, {"source_id": "b"}],
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02", "date_start": "2021-12-20"}],
        casualties=[
            {"source_id": "a", "best": 2, "evidence": "killing two soldiers"},
            {"source_id": "b", "best": 3, "evidence": "three soldiers were killed"},
            {"incident_id": "I02", "best": 4, "evidence": "four soldiers were killed"},
        ],
    )
    words = plots._killed_words(ds)
    assert words["I01"] == "3 killed (the largest of the sources' figures)"
    assert words["I02"] == "4 killed"


def test_map_names_a_point_only_near_its_place_as_near_it(tmp_path):
    """An incident placed only near a town (geo_precision 2: a district seat standing in for
    a village not located) is named "near ..." on the map, as in the tables; one at the
    place itself by its name alone."""
    ds = load_package(
        tmp_path,
        places=[
            {"place_id": "kirkuk-city"},
            {"place_id": "daquq", "name": "Daquq", "kind": "town", "district": "Daquq",
             "lat": 35.14, "lon": 44.45},
        ],
        incidents=[
            {"incident_id": "I01", "place_id": "kirkuk-city", "geo_precision": 1},
            {"incident_id": "I02", "place_id": "daquq", "geo_precision": 2},
        ],
    )  # fmt: skip
    ax = plots.incident_map(ds)
    texts = {t.get_text() for t in ax.texts}
    assert "near Daquq" in texts and "Kirkuk" in texts and "near Kirkuk" not in texts


@pytest.mark.parametrize("period", [("2021-05-01", "2021-05-31"), (None, None)])
def test_the_monthly_key_lies_over_no_bar(ds, period):
    """At the brief's size, one month's bar fills most of the chart and a long key covered
    the last bar: the key is moved, in more columns if need be, and the axis raised, so
    that it covers no bar (and every bar keeps its height)."""
    from kirkuk_analysis.analysis import select

    chosen = select(ds, *period) if period[0] else ds
    fig, ax = plt.subplots(figsize=(plots.PRINT_WIDTH, 2.2))
    plots.monthly_casualties(chosen, ax=ax)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.87, bottom=0.13)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    key = ax.get_legend().get_window_extent(renderer)
    assert ax.patches and not any(key.overlaps(p.get_window_extent(renderer)) for p in ax.patches)
    plt.close(fig)


def test_the_monthly_chart_draws_on_any_canvas(ds):
    """A Figure made without pyplot, or on the pdf or svg canvas, has no get_renderer():
    the chart still draws (its key's placement asks the figure for a renderer)."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    for canvas in (None, FigureCanvasPdf, FigureCanvasSVG):
        fig = Figure(figsize=(plots.PRINT_WIDTH, 2.2))
        if canvas is not None:
            canvas(fig)
        ax = plots.monthly_casualties(ds, ax=fig.add_subplot())
        assert ax.patches


def test_a_toll_one_source_gives_alone_is_not_called_the_largest(tmp_path):
    """One article gives 3, another reports the dead without a number: 3 is the only
    figure, no largest of several."""
    ds = load_package(
        tmp_path,
        sources=[{"source_id": "a"}, {"source_id": "b"}],
        incidents=[{"incident_id": "I01"}],
        casualties=[
            {"source_id": "a", "best": 3, "evidence": "three soldiers were killed"},
            {"source_id": "b", "best": "", "evidence": "soldiers were killed"},
        ],
    )
    assert plots._killed_words(ds)["I01"] == "3 killed"
