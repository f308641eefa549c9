"""Figures: each returns the Axes it drew on, and draws what it says."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kirkuk_analysis import load, plots  # noqa: E402
from kirkuk_analysis.analysis import select  # noqa: E402

FIGURES = [plots.timeline, plots.monthly_casualties, plots.province_swimlane, plots.incident_map]


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
def test_empty_selection_draws_without_error(ds, figure):
    figure(select(ds, "2019-01-01", "2019-02-01"))


def spans(ax):
    return {c.get_gid(): c for c in ax.collections if (c.get_gid() or "").startswith("span:")}


def test_timeline_draws_a_span_for_a_month_precise_incident(ds):
    ax = plots.timeline(ds)
    found = spans(ax)
    assert "span:I01" in found  # "in April" 2020
    xs = found["span:I01"].get_paths()[0].vertices[:, 0]
    assert mdates.num2date(xs.min()).date() == pd.Timestamp("2020-04-01").date()
    assert mdates.num2date(xs.max()).date() == pd.Timestamp("2020-05-01").date()
    assert "span:I10" not in found  # a known day is a point
    labelled = [i for t in ax.texts for i in (t.get_gid() or "").removeprefix("steps:").split(",")]
    assert sorted(labelled) == sorted(ds.coordination.step_id)  # every step, once
    texts = {t.get_text() for t in ax.texts}
    assert "K01\u2013K06" in texts  # the six base handovers "in March" share one label
    assert "K31, K32" in texts  # two steps are listed, not ranged


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
    assert heights == ds.casualties.query("outcome == 'killed'").best.sum()
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"Peshmerga", "Civilians", "PMF"} <= labels
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
