"""Tests for kirkuk_analysis.report: figures recomputed independently from the CSV files."""

from __future__ import annotations

import csv
import doctest
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

import kirkuk_analysis
from kirkuk_analysis import report

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def ds():
    return kirkuk_analysis.load()


def _rows(name):
    with open(DATA / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _expected_totals(incident_ids=None):
    """Party x outcome totals straight from casualties.csv: max best per incident/party/outcome."""
    best = {}
    for r in _rows("casualties"):
        if incident_ids is not None and r["incident_id"] not in incident_ids:
            continue
        if r["best"] == "":
            continue
        key = (r["incident_id"], r["party"], r["outcome"])
        best[key] = max(best.get(key, 0), int(r["best"]))
    totals = defaultdict(int)
    for (_, party, outcome), n in best.items():
        totals[(party, outcome)] += n
        totals[("total", outcome)] += n
    return dict(totals)


def _subset(ds, ids):
    """The dataset narrowed to some incidents (and their casualty rows)."""
    return ds.replace(
        incidents=ds.incidents[ds.incidents["incident_id"].isin(ids)],
        casualties=ds.casualties[ds.casualties["incident_id"].isin(ids)],
    )


def _empty(ds):
    return ds.replace(
        incidents=ds.incidents.iloc[0:0],
        casualties=ds.casualties.iloc[0:0],
        coordination=ds.coordination.iloc[0:0],
        claims=ds.claims.iloc[0:0],
    )


def test_doctests():
    failures, tried = doctest.testmod(report, optionflags=doctest.ELLIPSIS)
    assert tried > 10
    assert failures == 0


def test_casualty_totals_match_the_csv(ds):
    expected = _expected_totals()
    table = report.casualty_totals(ds)
    for (party, outcome), n in expected.items():
        assert table.loc[party, outcome] == n, (party, outcome)
    # A party/outcome with no row is unknown (NA), never 0.
    for party in table.index:
        for outcome in report.OUTCOMES:
            if (party, outcome) not in expected:
                assert pd.isna(table.loc[party, outcome]), (party, outcome)


def test_two_sources_take_the_largest_never_the_sum(ds):
    cas = ds.casualties
    extra = cas[(cas["incident_id"] == "I09") & (cas["outcome"] == "killed")].copy()
    extra["source_id"] = "rudaw-2021-05-22"
    extra["best"] = pd.array([5], dtype=cas["best"].dtype)
    doubled = ds.replace(casualties=pd.concat([cas, extra], ignore_index=True))
    table = report.casualty_totals(doubled)
    assert (
        table.loc["peshmerga", "killed"]
        == report.casualty_totals(ds).loc["peshmerga", "killed"] - 3 + 5
    )


def test_open_ended_figures_are_flagged(ds):
    table = report.casualty_totals(ds)
    assert bool(table.loc["asayish", "open_ended"])  # "at least one member ... (Asayish)"
    assert not bool(table.loc["peshmerga", "open_ended"])


def test_key_figures(ds):
    kf = report.key_figures(ds)
    incidents = _rows("incidents")
    expected = _expected_totals()
    assert kf["incidents"] == len(incidents)
    assert kf["attacks"] == sum(r["event_type"] != "arrest" for r in incidents)
    assert kf["killed"] == expected[("total", "killed")]
    assert kf["wounded"] == expected[("total", "wounded")]
    assert kf["captured"] == expected[("total", "captured")]
    assert kf["coordination_steps"] == len(_rows("coordination"))
    assert kf["claims"] == len(_rows("claims"))
    assert sum(kf["coordination_by_kind"].values()) == kf["coordination_steps"]


def test_kirkuk_2021_subset(ds):
    ids = {"I07", "I08", "I09", "I11"}
    sub = _subset(ds, ids)
    kf = report.key_figures(sub)
    expected = _expected_totals(ids)
    assert kf["incidents"] == 4
    assert kf["killed"] == expected[("total", "killed")]
    assert kf["provinces"] == ["Kirkuk"]
    text = report.narrative(sub, "2021-01-01", "2021-12-31", ["Kirkuk"])
    assert "4 incidents in Kirkuk province" in text
    assert f"{expected[('peshmerga', 'killed')]} Peshmerga" in text
    table = report.incidents_table(sub)
    row = table.set_index("ID").loc["I09"]
    assert row["Killed"] == 3 and row["Wounded"] == 2
    assert "Altun Kopri" in row["Place"]


def test_empty_selection_says_so(ds):
    empty = _empty(ds)
    kf = report.key_figures(empty)
    assert kf["incidents"] == 0 and kf["killed"] is None
    assert report.EMPTY_MESSAGE in report.narrative(empty, "2020-01-01", "2020-02-01", ["Basra"])
    assert len(report.incidents_table(empty)) == 0
    assert "Key figures" in report.key_figures_html(empty)
    assert report.method_note(empty)


def test_incident_table_is_in_date_order_with_unknown_as_missing(ds):
    table = report.incidents_table(ds)
    assert list(table["ID"]) == sorted(table["ID"])  # ids are in date order
    i01 = table.set_index("ID").loc["I01"]
    assert pd.isna(i01["Killed"]) and pd.isna(i01["Wounded"])  # no figure given: unknown
    assert i01["Date"] == "April 2020"


def test_claims_are_kept_apart_with_the_caveat(ds):
    text = report.narrative(ds, "2020-01-01", "2024-12-31")
    assert report.CLAIMS_CAVEAT in text
    claims = report.claims_table(ds).set_index("ID")
    assert claims.loc["C05", "Includes"] == "I10, I11"
    assert claims.loc["C04", "Figure"] == "5\u201310 km"
    assert claims.loc["C07", "Figure"] == "not given"
    # Claims never change the incident totals.
    no_claims = ds.replace(claims=ds.claims.iloc[0:0])
    assert report.casualty_totals(no_claims).equals(report.casualty_totals(ds))


@pytest.mark.parametrize(
    "start,end,precision,expected",
    [
        ("2021-05-02", "2021-05-02", "day", "2 May 2021"),
        ("2020-04-01", "2020-04-30", "month", "April 2020"),
        ("2020-06-23", "2020-07-20", "month", "23 June\u201320 July 2020"),
        ("2021-05-10", "2021-05-16", "week", "10\u201316 May 2021"),
        ("2023-01-01", "2023-12-31", "year", "2023"),
        ("2020-12-28", "2021-01-03", "week", "28 December 2020\u20133 January 2021"),
    ],
)
def test_format_range(start, end, precision, expected):
    assert report.format_range(start, end, precision) == expected


def test_html_tables_escape_text_and_carry_classes(ds):
    inc = ds.incidents.copy()
    inc["summary"] = (
        inc["summary"].astype(str).str.replace("Gunmen", "<script>alert(1)</script>", regex=False)
    )
    html = report.incidents_html(ds.replace(incidents=inc))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'class="dataframe brief-table incidents"' in html
    for fn, cls in [
        (report.coordination_html, "coordination"),
        (report.claims_html, "claims"),
        (report.sources_html, "sources"),
    ]:
        assert f"brief-table {cls}" in fn(ds)


def test_sources_table_lists_every_article(ds):
    table = report.sources_table(ds)
    assert len(table) == len(_rows("sources"))
    assert "(no headline in the stored text)" in set(table["Headline"])
    assert any(p.endswith("(inferred)") for p in table["Published"])


def test_method_note_counts_precisions(ds):
    note = report.method_note(ds)
    incidents = _rows("incidents")
    n_day = sum(r["date_precision"] == "day" for r in incidents)
    assert f"{n_day} to the day" in note
    assert "never as zero" in note


def test_narrative_names_a_party_selection(ds):
    pesh = ds.replace(casualties=ds.casualties[ds.casualties["party"] == "peshmerga"])
    text = report.narrative(pesh, "2020-01-01", "2024-12-31", parties=["peshmerga"])
    assert "Counting casualties among Peshmerga only" in text
    assert "civilian" not in text.split("\n\n")[0]
