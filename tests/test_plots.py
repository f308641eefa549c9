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
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from packages import load_package  # noqa: E402

from kirkuk_analysis import load, plots  # noqa: E402
from kirkuk_analysis.analysis import select  # noqa: E402
from kirkuk_analysis.vocab import read_vocabulary  # noqa: E402

ATTACK_EVENT_TYPES = read_vocabulary().attack_types

FIGURES = [plots.timeline, plots.monthly_casualties, plots.province_swimlane, plots.incident_map]
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
    colours = {
        matplotlib.colors.to_hex(c.get_facecolor()[0]).upper()
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


def test_map_draws_the_governorates(ds):
    ax = plots.incident_map(ds)
    assert len(ax.patches) >= 18
    x0, x1 = ax.get_xlim()
    assert x0 <= ds.places.lon.min() and x1 >= ds.places.lon.max()


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
    assert f"{iraqi} / {cts}" in labels
    assert plots.party_label(ds, "peshmerga") in labels
    assert iraqi not in labels and cts not in labels


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


def test_count_axes_have_integer_ticks_and_an_empty_month_chart_says_so(ds):
    ax = plots.monthly_casualties(ds)
    ax.figure.canvas.draw()
    ticks = [t for t in ax.get_yticks() if t >= 0]
    assert all(float(t).is_integer() for t in ticks)
    empty = plots.monthly_casualties(select(ds, "2019-01-01", "2019-01-31"))
    assert [t.get_text() for t in empty.texts] == ["No killed figure recorded in this selection"]
    assert list(empty.get_xticks()) == []


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
    assert mdates.num2date(lo).date().isoformat() == "2021-01-01"
