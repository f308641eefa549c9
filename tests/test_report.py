"""Tests for kirkuk_analysis.report: figures recomputed independently from the CSV files, and
behaviour on small fixture packages whose rows fix the answer."""

from __future__ import annotations

import csv
import doctest
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from packages import load_package

import kirkuk_analysis
from kirkuk_analysis import report

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def ds():
    return kirkuk_analysis.load()


def _rows(name):
    with open(DATA / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _max_figures(incident_ids=None):
    """(incident, party, outcome) -> the largest figure (best, else low) over the sources."""
    best = {}
    for r in _rows("casualties"):
        if incident_ids is not None and r["incident_id"] not in incident_ids:
            continue
        if r["best"] == "" and r["low"] == "":
            continue
        key = (r["incident_id"], r["party"], r["outcome"])
        best[key] = max(best.get(key, 0), int(r["best"] or r["low"]))
    return best


def _expected_totals(incident_ids=None):
    """Party x outcome totals straight from casualties.csv: max per incident/party/outcome."""
    totals = defaultdict(int)
    for (_, party, outcome), n in _max_figures(incident_ids).items():
        totals[(party, outcome)] += n
        totals[("total", outcome)] += n
    return dict(totals)


def _kirkuk_2021_ids():
    kirkuk = {r["place_id"] for r in _rows("places") if r["province"] == "Kirkuk"}
    return {
        r["incident_id"]
        for r in _rows("incidents")
        if r["place_id"] in kirkuk
        and r["date_end"] >= "2021-01-01"
        and r["date_start"] <= "2021-12-31"
    }


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
        for outcome in ("killed", "wounded", "captured"):
            if (party, outcome) not in expected:
                assert pd.isna(table.loc[party, outcome]), (party, outcome)


@pytest.fixture
def two_reports(tmp_path):
    """Two incidents; a second source gives a higher Peshmerga toll for the first."""
    return load_package(
        tmp_path,
        sources=[{"source_id": "a"}, {"source_id": "b"}],
        incidents=[
            {"incident_id": "I01", "date_start": "2021-12-02"},
            {"incident_id": "I02", "date_start": "2021-12-05", "target": "asayish"},
        ],
        casualties=[
            {"incident_id": "I01", "source_id": "a", "best": 10},
            {"incident_id": "I01", "source_id": "b", "best": 12},
            {"incident_id": "I01", "source_id": "a", "party": "civilians", "best": 3},
            {"incident_id": "I01", "source_id": "a", "outcome": "wounded", "best": 2},
            {"incident_id": "I02", "source_id": "b", "party": "asayish", "best": 1, "high": ""},
            {"incident_id": "I02", "source_id": "b", "party": "isis", "best": 1},
        ],
    )


def test_captured_figures_have_a_column_with_their_notes_where_there_are_any(tmp_path):
    """An arrest's captured figure is a figure like the others: its own column in the
    Incidents table, citing its note; a selection without captured rows keeps the table
    narrow (killed and wounded only)."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"event_type": "arrest", "target": "isis"},
            {"date_start": "2021-12-07"},
        ],
        casualties=[
            {"incident_id": "I01", "party": "isis", "outcome": "captured", "best": "4",
             "evidence": "four militants were arrested in the raid"},
            {"incident_id": "I02", "best": "2"},
        ],
    )  # fmt: skip
    table = report.incidents_table(ds).set_index("ID")
    assert list(table.columns)[-3:] == ["Killed", "Wounded", "Captured"]
    assert table.loc["I01", "Captured"] == 4 and pd.isna(table.loc["I02", "Captured"])
    html = report.incidents_html(ds)
    notes = report.evidence_notes(ds)
    number = int(
        notes.loc[notes.evidence.astype(str).str.contains("arrested in the raid"), "note"].iloc[0]
    )
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    assert any(c.startswith("4") and f'href="#ev-{number}"' in c for c in cells), cells
    killed_only = kirkuk_analysis.analysis.select(ds, "2021-12-07", "2021-12-07")
    assert "Captured" not in report.incidents_table(killed_only).columns


def test_a_headline_total_that_adds_up_an_at_least_figure_says_so(two_reports):
    """The key figures' big numbers keep the floor the Summary and the table keep: "at
    least 17 killed" is "≥ 17" there, never a bare 17."""
    box = report.key_figures_html(two_reports)
    values = dict(
        zip(
            re.findall(r'class="kf-label"[^>]*>([^<]*)<', box),
            re.findall(r'class="kf-value"[^>]*>([^<]*)<', box),
            strict=True,
        )
    )
    assert values["killed"] == "\u2265\u200917"  # the Asayish figure is "at least one"
    assert values["wounded"] == "2"  # every wounded figure is exact
    assert "marks a total that is a floor" in box


def test_a_selection_citing_no_article_says_so_in_words(tmp_path):
    """A period with nothing in it: no "0 news articles ()", no table of headers alone,
    no "Sources lists the 0 articles"; one inferred date is "1 article prints"."""
    ds = load_package(
        tmp_path, sources=[{"published_basis": "inferred"}], incidents=[{}], casualties=[{}]
    )
    nothing = kirkuk_analysis.analysis.select(ds, "1999-01-01", "1999-12-31")
    note = report.method_note(nothing)
    assert note.startswith("No article is cited by this selection") and "()" not in note
    assert "No article is cited" in report.sources_html(nothing)
    assert "<table" not in report.sources_html(nothing)
    said = " ".join(report.selection_notes(nothing))
    assert "0 articles" not in said and "No article is cited by the rows shown" in said
    assert "1 article prints no publication date" in report.method_note(ds)


def test_a_party_selection_says_which_coordination_and_claims_it_keeps(tmp_path):
    """A party selection keeps the steps naming its parties: the Summary says "no
    coordination step naming civilians", not that the articles record none, and the notes
    count the steps left out and the claims of other measures kept."""
    ds = load_package(
        tmp_path,
        incidents=[{}],
        casualties=[{}],
        coordination=[{"parties": "peshmerga;iraqi_army"},
                      {"kind": "context", "parties": "coalition;iraqi_army"}],
        claims=[{"metric": "attacks", "party": "isis", "best": "5", "low": "5"},
                {"metric": "killed", "party": "peshmerga"}],
    )  # fmt: skip
    civilians = kirkuk_analysis.analysis.select(ds, "2021-12-01", "2021-12-31", parties="civilians")
    text = report.narrative(civilians, "2021-12-01", "2021-12-31", parties=["civilians"])
    assert "no coordination step naming civilians in this period" in text
    notes = report.selection_notes(civilians)
    assert (
        "Coordination is shown where it names civilians: 1 coordination step and 1 context "
        "item of this period and area name none of them and are not shown." in notes
    )
    assert any(n.startswith("1 claim of another measure") for n in notes)
    every = report.selection_notes(kirkuk_analysis.analysis.select(ds, "2021-12-01", "2021-12-31"))
    assert not any("names" in n or "another measure" in n for n in every)


def test_an_incident_reaching_beyond_the_period_is_said_to_be_shown_whole(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[
            {"date_start": "2021-11-20", "date_end": "2021-12-10", "date_precision": "month"}
        ],
        casualties=[{}],
    )  # fmt: skip
    december = kirkuk_analysis.analysis.select(ds, "2021-12-01", "2021-12-31")
    notes = " ".join(report.selection_notes(december))
    assert "1 incident dated only to a range reaching beyond the selected period (I01: " in notes
    assert "counts it twice" in notes
    inside = kirkuk_analysis.analysis.select(ds, "2021-11-01", "2021-12-31")
    assert "reaching beyond" not in " ".join(report.selection_notes(inside))


def test_each_gap_width_cites_its_note_and_the_notebook_lists_it(tmp_path):
    ds = load_package(
        tmp_path,
        claims=[{"metric": "gap_width_km", "best": "40", "low": "40", "high": "40",
                 "evidence": "a security gap some 40 km wide"}],
    )  # fmt: skip
    html = report.gap_widths_html(ds)
    (number,) = re.findall(r'href="#ev-(\d+)"', html)
    listed = report.evidence_html(ds, cited_only=True)
    assert f'id="ev-{number}"' in listed and "a security gap some 40 km wide" in listed


def test_a_province_the_package_places_nothing_in_is_said_to_be_empty(tmp_path):
    ds = load_package(tmp_path, incidents=[{}], casualties=[{}], coordination=[{}])
    basra = kirkuk_analysis.analysis.select(ds, "2021-01-01", "2021-12-31", provinces="Basra")
    notes = report.selection_notes(basra)
    assert notes[0].startswith("The data package places nothing in Basra province")
    kirkuk = kirkuk_analysis.analysis.select(ds, "2021-01-01", "2021-12-31", provinces="Kirkuk")
    assert not any("places nothing" in n for n in report.selection_notes(kirkuk))


def test_the_monthly_table_shows_only_months_of_the_selection(tmp_path):
    """An attack of 20 April .. 6 May: a May selection's table has a May row, never April."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"date_start": "2021-04-20", "date_end": "2021-05-06", "date_precision": "month"}
        ],
        casualties=[{"best": 3}],
    )
    may = kirkuk_analysis.analysis.select(ds, "2021-05-01", "2021-05-31")
    assert list(report.monthly_table(may).Month) == ["May 2021"]
    assert "April" not in report.monthly_html(may)
    april = kirkuk_analysis.analysis.select(ds, "2021-04-01", "2021-04-30")
    assert list(report.monthly_table(april).Month) == ["April 2021"]
    assert "May" not in report.monthly_html(april)


def test_two_sources_take_the_largest_never_the_sum(two_reports):
    per = report.incident_casualties(two_reports).set_index(["incident_id", "party", "outcome"])
    assert per.loc[("I01", "peshmerga", "killed"), "best"] == 12
    table = report.casualty_totals(two_reports)
    assert table.loc["peshmerga", "killed"] == 12
    assert table.loc["total", "killed"] == 12 + 3 + 1 + 1
    assert pd.isna(table.loc["civilians", "wounded"])  # no figure: unknown, never 0
    kf = report.key_figures(two_reports)
    assert (kf["killed"], kf["wounded"], kf["captured"]) == (17, 2, None)
    rows = report.incidents_table(two_reports).set_index("ID")
    assert (rows.loc["I01", "Killed"], rows.loc["I01", "Wounded"]) == (15, 2)
    assert (rows.loc["I02", "Killed"], pd.isna(rows.loc["I02", "Wounded"])) == (2, True)
    text = report.narrative(two_reports, "2021-12-01", "2021-12-31")
    # the Asayish figure is "at least one": the sentences keep it a floor
    assert "at least 17 killed (12 Peshmerga, 3 civilians, at least 1 Asayish and 1 ISIS)" in text
    assert "deadliest incident was" in text and ", with 15 killed" in text  # its figures exact


def test_open_ended_figures_are_flagged(two_reports):
    table = report.casualty_totals(two_reports)
    assert bool(table.loc["asayish", "open_ended"])  # "at least one", high empty
    assert not bool(table.loc["peshmerga", "open_ended"])
    assert bool(table.loc["total", "open_ended"])
    assert "(and * after a party) marks a total that is a floor" in report.key_figures_html(
        two_reports
    )


def test_open_ended_flags_follow_the_csv(ds):
    table = report.casualty_totals(ds)
    for party in table.index.drop("total"):
        exact = [r for r in _rows("casualties") if r["party"] == party and r["best"] and r["high"]]
        if len(exact) == sum(r["party"] == party for r in _rows("casualties")):
            assert not bool(table.loc[party, "open_ended"]), party  # every figure exact


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
    ids = _kirkuk_2021_ids()
    assert ids  # the shipped data has incidents there; more may be added
    sub = _subset(ds, ids)
    kf = report.key_figures(sub)
    expected = _expected_totals(ids)
    assert kf["incidents"] == len(ids)
    assert kf["killed"] == expected.get(("total", "killed"))
    assert kf["provinces"] == ["Kirkuk"]
    text = report.narrative(sub, "2021-01-01", "2021-12-31", ["Kirkuk"])
    assert f"{len(ids)} incident{'s' if len(ids) != 1 else ''} in Kirkuk province" in text
    if ("peshmerga", "killed") in expected:
        assert f"{expected[('peshmerga', 'killed')]} Peshmerga" in text
    table = report.incidents_table(sub).set_index("ID")
    assert set(table.index) == ids
    figures = _max_figures(ids)
    places = {r["place_id"]: r["name"] for r in _rows("places")}
    for r in _rows("incidents"):
        if r["incident_id"] not in ids:
            continue
        row = table.loc[r["incident_id"]]
        assert places[r["place_id"]] in row["Place"]
        for outcome in ("killed", "wounded"):
            want = [n for (i, _, o), n in figures.items() if (i, o) == (r["incident_id"], outcome)]
            got = row[outcome.capitalize()]
            assert (pd.isna(got) and not want) or got == sum(want), (r["incident_id"], outcome)


def test_the_narrative_names_only_its_own_selection(ds):
    """narrative() on a selection names the selection's own period and provinces: left
    out, they are the selection's; given and different, refused (the text would say
    "in Diyala province" over Kirkuk's figures); a start after the end is refused."""
    from kirkuk_analysis.analysis import select
    from kirkuk_analysis.selection import SelectionError

    kirkuk = select(ds, "2021-01-01", "2021-12-31", provinces="Kirkuk")
    assert report.narrative(kirkuk) == report.narrative(
        kirkuk, "2021-01-01", "2021-12-31", ["kirkuk"]
    )
    assert report.narrative(kirkuk).startswith("From 1 January 2021 to 31 December 2021")
    with pytest.raises(ValueError, match="provinces Diyala is not the selection's"):
        report.narrative(kirkuk, provinces=["Diyala"])
    with pytest.raises(ValueError, match="start 2020-01-01 is not the selection's"):
        report.narrative(kirkuk, "2020-01-01", "2021-12-31")
    with pytest.raises(SelectionError, match="after end"):
        report.narrative(ds, "2022-01-01", "2021-01-01")
    assert report.where("Kirkuk") == "Kirkuk province"
    two = select(ds, provinces=["Kirkuk", "Diyala"])
    assert report.narrative(two, provinces=["diyala", "Kirkuk"]) == report.narrative(two)


def test_no_incident_is_called_the_deadliest_over_incidents_of_unknown_toll(tmp_path):
    """An incident whose toll no article gives may have been deadlier: the narrative names
    the deadliest among those with a figure, and says how many have none."""
    two = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02", "date_start": "2021-06-01"}],
        casualties=[{"incident_id": "I01", "best": 2}],
    )
    text = report.narrative(two, "2021-01-01", "2021-12-31")
    assert "deadliest incident of those with a recorded death toll was" in text
    assert "1 of the 2 incidents has no death toll in the articles." in text
    both = load_package(
        tmp_path / "both",
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02", "date_start": "2021-06-01"}],
        casualties=[{"incident_id": "I01", "best": 2}, {"incident_id": "I02", "best": 1}],
    )
    text = report.narrative(both, "2021-01-01", "2021-12-31")
    assert "The deadliest incident was" in text and "no death toll" not in text


def test_one_incident_is_described_in_the_singular(tmp_path):
    """A one-incident selection's Method note and chronology description speak of the one
    incident and the one day, not "of the 1 incident, 1 to the day" or "X to X"."""
    from kirkuk_analysis import plots

    one = load_package(tmp_path, incidents=[{"date_start": "2021-12-05"}])
    note = report.method_note(one)
    assert "Dates: the incident is dated to the day" in note and "of the 1 incident" not in note
    assert "Locations: the incident is placed" in note
    words = plots.describe(plots.chronology(one))
    assert "on 5 December 2021" in words and "to 5 December 2021" not in words


def test_empty_selection_says_so(ds):
    empty = _empty(ds)
    kf = report.key_figures(empty)
    # no incident recorded is no count of none: the articles give no figure, shown as "–"
    assert kf["incidents"] == 0 and (kf["killed"], kf["wounded"], kf["captured"]) == (None,) * 3
    box = report.key_figures_html(empty)
    assert re.search(r">\s*–\s*</\w+>\s*<\w+[^>]*>\s*killed", box), box
    assert report.EMPTY_MESSAGE in report.narrative(empty, "2020-01-01", "2020-02-01", ["Basra"])
    assert len(report.incidents_table(empty)) == 0
    assert "Key figures" in report.key_figures_html(empty)
    assert report.method_note(empty)


def test_incident_table_is_in_date_order_with_unknown_as_missing(ds):
    table = report.incidents_table(ds).set_index("ID")
    incidents = sorted(_rows("incidents"), key=lambda r: (r["date_start"], r["incident_id"]))
    assert list(table.index) == [r["incident_id"] for r in incidents]  # date order, not id
    with_figure = {(i, o) for (i, _, o) in _max_figures()}
    for r in incidents:
        row = table.loc[r["incident_id"]]
        assert row["Date"] == report.format_range(
            r["date_start"], r["date_end"], r["date_precision"]
        )
        for outcome in ("killed", "wounded"):
            if (r["incident_id"], outcome) not in with_figure:
                assert pd.isna(row[outcome.capitalize()])  # no figure given: unknown, not 0


def test_incident_table_dates_and_unknown_figures(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[
            {  # "in April": a month, shown as such
                "incident_id": "I02",
                "date_start": "2020-04-01",
                "date_end": "2020-04-30",
                "date_precision": "month",
            },
            {"incident_id": "I01", "date_start": "2020-05-02"},  # a lower id, a later date
        ],
        casualties=[{"incident_id": "I01", "outcome": "wounded", "best": 2}],
    )
    table = report.incidents_table(ds)
    assert list(table["ID"]) == ["I02", "I01"]
    assert list(table["Date"]) == ["April 2020", "2 May 2020"]
    assert table["Killed"].isna().all()
    assert pd.isna(table.loc[0, "Wounded"]) and table.loc[1, "Wounded"] == 2


def test_claims_are_kept_apart_with_the_caveat(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02"}],
        casualties=[{"incident_id": "I01", "best": 10}, {"incident_id": "I02", "best": 4}],
        claims=[
            {"claim_id": "C01", "best": 22, "overlaps": "I01;I02"},  # "at least 22"
            {
                "claim_id": "C02",
                "metric": "gap_width_km",
                "party": "",
                "best": "",
                "low": 5,
                "high": 10,
            },
            {"claim_id": "C03", "metric": "wounded", "best": "", "low": ""},  # "several"
        ],
    )
    text = report.narrative(ds, "2021-01-01", "2021-12-31")
    assert report.CLAIMS_CAVEAT in text and "3 aggregate figures" in text
    claims = report.claims_table(ds).set_index("ID")
    assert claims.loc["C01", "Includes"] == "I01, I02"
    assert claims.loc["C01", "Figure"] == "at least 22"
    assert claims.loc["C02", "Figure"] == "5\u201310 km"
    assert claims.loc["C03", "Figure"] == "not given"
    # Claims never change the incident totals.
    no_claims = ds.replace(claims=ds.claims.iloc[0:0])
    assert report.casualty_totals(no_claims).equals(report.casualty_totals(ds))
    assert report.key_figures(ds)["killed"] == 14


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
    inc.loc[0, "summary"] = "<script>alert(1)</script> " + str(inc.loc[0, "summary"])
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
    sources = sorted(_rows("sources"), key=lambda r: (r["published"], r["source_id"]))
    assert len(table) == len(sources)
    for r, row in zip(sources, table.itertuples(), strict=True):
        assert row.Outlet == r["outlet"]
        assert row.Headline == (r["headline"] or "(no headline in the stored text)")
        assert row.Published.endswith("(inferred)") == (r["published_basis"] == "inferred")


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


def _styled_elements(markup: str) -> list[tuple[str, dict]]:
    """(tag, attributes) of every start tag in ``markup``."""
    from html.parser import HTMLParser

    found: list[tuple[str, dict]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(markup)
    return found


def test_key_figures_box_carries_its_layout_inline(ds):
    # JupyterLab has none of the brief's CSS, and strips <style> blocks (and inline values
    # naming CSS variables) from outputs of a notebook that is not trusted: the box's layout
    # must travel on its elements. tests/test_lab.py measures the result in a browser.
    markup = report.key_figures_html(ds)
    elements = _styled_elements(markup)
    assert "<style" not in markup and "var(" not in markup
    grid = [a for _, a in elements if "kf-grid" in a.get("class", "")]
    assert len(grid) == 1 and "display: flex" in grid[0]["style"]
    cells = [(t, a) for t, a in elements if t in ("th", "td")]
    assert cells
    for tag, attrs in cells:
        assert "text-align:" in attrs.get("style", ""), (tag, attrs)
    # text colours are left to the page (Lab's light or dark theme, the brief's stylesheet)
    assert not any("color:" in a.get("style", "").replace("background", "") for _, a in elements)


def test_an_at_least_total_is_marked_in_the_incidents_table(two_reports):
    """I02: Asayish "at least 1" plus ISIS 1 is "at least 2", shown as "≥ 2"; I01 is exact."""
    floors = report.incident_floors(two_reports)
    assert bool(floors.loc["I02", "killed"]) and not bool(floors.loc["I01", "killed"])
    assert not bool(floors.loc["I01", "wounded"])
    page = report.incidents_html(two_reports)
    assert "\u2265\u20092" in page and "\u2265\u200915" not in page


def test_a_party_selection_says_whose_casualties_it_counts(two_reports):
    from kirkuk_analysis.analysis import select

    pesh = select(two_reports, "2021-12-01", "2021-12-31", parties=["peshmerga"])
    scope = report.casualty_scope(pesh)
    assert "only the casualties of the parties chosen (Peshmerga)" in scope
    # a plural label is not made an attributive noun ("civilians casualties")
    both = select(two_reports, "2021-12-01", "2021-12-31", parties=["peshmerga", "civilians"])
    assert "(Peshmerga and civilians)" in report.casualty_scope(both)
    assert "civilians casualties" not in report.casualty_scope(both)
    box = report.key_figures_html(pesh)
    assert "All selected parties" in box and scope in box
    assert "All parties" in report.key_figures_html(two_reports)
    assert "every party" in report.casualty_scope(two_reports)


def test_claims_running_past_the_period_are_said_to(tmp_path):
    from kirkuk_analysis.analysis import select

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2021-12-02"}],
        claims=[
            {"claim_id": "C01", "period_start": "2021-12-01", "period_end": "2024-07-14"},
            {"claim_id": "C02", "period_start": "2021-12-01", "period_end": "2021-12-20"},
        ],
    )
    sel = select(ds, "2021-12-01", "2021-12-31")
    scope = report.claim_scope(sel).set_index("claim_id")
    assert bool(scope.loc["C01", "ends_after"]) and not bool(scope.loc["C02", "ends_after"])
    notes = " ".join(report.selection_notes(sel))
    assert "1 claim covers a period ending after 31 December 2021" in notes
    assert "may include attacks after the selected period" in notes
    periods = report.claims_table(sel).set_index("ID")["Period"]
    assert periods["C01"].endswith("(ends after the selection)")
    assert "selection" not in periods["C02"]


def test_the_narrative_names_where_things_happened_and_counts_right(two_reports, tmp_path):
    text = report.narrative(two_reports, "2021-12-01", "2021-12-31")
    province = report._places(two_reports).loc[
        str(two_reports.incidents.place_id.iloc[0]), "province"
    ]
    # no province chosen: the provinces where incidents happened, never "in all provinces"
    assert f"2 incidents in {province} province" in text and "all provinces" not in text
    empty = report.narrative(_empty(two_reports), "2023-01-01", "2023-12-31")
    assert "no incident in any province" in empty
    one = load_package(tmp_path, incidents=[{"incident_id": "I01"}],
                       casualties=[{"incident_id": "I01", "best": 4}])  # fmt: skip
    single = report.narrative(one, "2021-01-01", "2021-12-31")
    assert "The incident was" in single and "deadliest" not in single


def test_a_period_beyond_the_recorded_events_says_so(tmp_path):
    """The Method note gives the span of the events the package records; a period wholly
    outside it says so among the selection's notes: no record there is not evidence that
    nothing happened."""
    from kirkuk_analysis.analysis import select

    ds = load_package(
        tmp_path,
        incidents=[{"date_start": "2021-03-04"}, {"date_start": "2021-09-20"}],
        coordination=[{"date_start": "2021-10-02"}],
    )
    span = "The articles record events from 4 March 2021 to 2 October 2021; the selected period"
    for start, end, side in [
        ("2019-01-01", "2019-12-31", "before"),
        ("2022-01-01", "2022-03-01", "after"),
    ]:
        sel = select(ds, start, end)
        assert f"{span} lies {side} that span" in " ".join(report.selection_notes(sel))
        assert "from 4 March 2021 to 2 October 2021" in report.method_note(sel)
    for start, end in [("2020-01-01", "2022-12-31"), ("2021-03-04", "2021-10-02")]:
        sel = select(ds, start, end)
        assert span not in " ".join(report.selection_notes(sel))
        assert "Coverage: the articles record events from 4 March 2021 to 2 October 2021" in (
            report.method_note(sel)
        )


def test_a_one_day_period_is_named_once(two_reports):
    day = two_reports.incidents.date_start.iloc[0].strftime("%Y-%m-%d")
    words = report.format_period(day, day)
    assert " to " not in words
    text = report.narrative(two_reports, day, day)
    assert text.startswith(f"On {words}, the source articles report")
    empty = report.narrative(_empty(two_reports), day, day)
    assert f"on {words}, the source articles report no incident" in empty


def test_the_narrative_keeps_an_at_least_figure_a_floor(tmp_path):
    """An "at least" figure stays "at least" in the Summary's sentences: in the toll, in the
    party it counts and in the deadliest incident; an exact figure beside it does not."""
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02", "date_start": "2021-12-01"}],
        casualties=[
            {"incident_id": "I01", "party": "peshmerga", "best": 5, "high": ""},  # at least 5
            {"incident_id": "I02", "party": "civilians", "best": 2},
            {"incident_id": "I02", "party": "civilians", "outcome": "wounded", "best": 3},
        ],
    )
    text = report.narrative(ds, "2021-01-01", "2021-12-31")
    assert "at least 7 killed (at least 5 Peshmerga and 2 civilians)" in text
    assert "3 wounded" in text and "at least 3 wounded" not in text
    assert re.search(r"deadliest incident was .* with at least 5 killed", text)


def test_a_range_is_shown_as_a_range_and_counted_as_its_floor(tmp_path):
    """ "Between three and five" is 3–5 in the incident's row and its chronology label, never
    "≥ 3" (a range has a ceiling the article gives); totals over it stay "at least"."""
    from kirkuk_analysis import plots

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02", "date_start": "2021-12-01"}],
        casualties=[
            {"incident_id": "I01", "best": "", "low": 3, "high": 5},  # between three and five
            {"incident_id": "I01", "party": "isis", "best": 1},
            {"incident_id": "I02", "best": 2, "high": ""},  # at least two
        ],
    )
    cells = re.findall(r'<td class="right"[^>]*>([^<]*)', report.incidents_html(ds))
    assert "4\u20136" in cells and "\u2265\u20092" in cells  # killed of I01, then of I02
    assert not any(c.startswith("\u2265") and "\u2013" in c for c in cells)
    assert plots._killed_words(ds) == {"I01": "4\u20136 killed", "I02": "at least 2 killed"}
    assert report.incident_floors(ds).loc["I01", "killed"] == False  # noqa: E712
    assert "at least 6 killed" in report.narrative(ds, "2021-01-01", "2021-12-31")


def test_a_notebook_s_evidence_lists_the_notes_it_cites(ds):
    """A notebook showing some of the brief's tables lists the notes they cite, with the
    brief's numbers, and no note nothing shown cites; the brief lists them all."""
    notes = report.evidence_notes(ds)

    def listed(page):
        return {int(n) for n in re.findall(r'<li id="ev-(\d+)"', page)}

    sel = ds.replace()  # a fresh dataset: nothing shown for it yet
    cited = set()
    for html in (report.incidents_html(sel), report.claims_html(sel)):
        cited |= {int(n) for n in re.findall(r'href="#ev-(\d+)"', html)}
    wanted = set(notes["note"][notes["table"].isin(["casualties", "claims"])])
    assert cited == wanted
    assert listed(report.evidence_html(sel, cited_only=True)) == wanted
    assert listed(report.evidence_html(sel)) == set(notes["note"])  # the brief's: all
    text = report.narrative(sel, None, None, (), ())  # a sentence cites too
    steps = ds.replace()
    report.coordination_html(steps)
    report.narrative(steps, None, None, (), ())
    deadliest = {int(n) for n in re.findall(r"\(#ev-(\d+)\)", text)}
    expected = set(notes["note"][notes["table"] == "coordination"]) | deadliest
    assert listed(report.evidence_html(steps, cited_only=True)) == expected


def test_context_items_are_counted_apart_from_the_coordination_steps(ds):
    """Context items (base handovers, statements) are rows of the coordination table but no
    Baghdad-Erbil step: no headline or sentence counts them as steps."""
    kinds = ds.coordination["kind"].astype(str)
    for table in (ds, ds.replace(coordination=ds.coordination[kinds != "context"])):
        k = table.coordination["kind"].astype(str)
        steps, context = int((k != "context").sum()), int((k == "context").sum())
        assert report.steps_and_context(report.key_figures(table)) == (steps, context)
        cells = re.findall(
            r'kf-value[^>]*>([^<]*)</div><div class="kf-label"[^>]*>([^<]*)',
            report.key_figures_html(table),
        )
        assert (str(steps), "coordination steps") in cells
        assert ((str(context), "context items") in cells) == (context > 1)
        text = report.narrative(table, None, None, (), ())
        assert f"record {steps} coordination steps between" in text
        assert (f"and {context} context items" in text) == (context > 1)


def test_a_context_item_is_never_the_step_that_followed_an_attack(ds):
    kinds = ds.coordination["kind"].astype(str)
    table = report.response_lag_table(ds)
    assert not table["Next step"].str.endswith(f"({report.CONTEXT})").any()
    only_context = ds.replace(coordination=ds.coordination[kinds == report.CONTEXT])
    table = report.response_lag_table(only_context)
    assert len(table) and (table["Within 30 days"] == "no step after it").all()


def test_the_response_lag_of_a_step_dated_to_a_range_is_a_range(tmp_path):
    """A step dated only to its month or year followed an attack by a range of days, not by
    the days to its first possible day: the table keeps both bounds, "Within N days" says
    "perhaps" where the range straddles N, and a selection's last attack has "no step after
    it in this selection" (a step may follow outside it)."""
    from kirkuk_analysis.analysis import select

    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-05-02"},
            {"incident_id": "I02", "date_start": "2021-09-20"},
        ],
        coordination=[
            {"step_id": "K01", "kind": "meeting", "date_start": "2021-05-20",
             "date_end": "2021-06-19", "date_precision": "month"},
            {"step_id": "K02", "kind": "meeting", "date_start": "2022-01-01",
             "date_end": "2022-12-31", "date_precision": "year"},
        ],
    )  # fmt: skip

    def cells(page):
        return re.findall(r'<td class="right"[^>]*>([^<]*)', page)

    table = report.response_lag_table(ds).set_index("Attack")
    assert table.loc["I01", "Days later"] == 18
    assert table.loc["I01", "Within 30 days"] == "perhaps (dates uncertain)"  # 18 to 48 days
    assert table.loc["I02", "Within 30 days"] == "no"  # 103 days at the least
    assert "18\u201348" in cells(report.response_lag_html(ds))
    first = report.response_lag_table(select(ds, "2021-09-01", "2021-12-31"))
    assert list(first["Within 30 days"]) == ["no step after it in this selection"]


def test_every_table_keeps_an_at_least_figure_a_floor(tmp_path):
    """The monthly and response-lag tables mark an "at least" total as the incidents table
    does ("≥ N"), and a range as "N–M"; an exact figure is unmarked."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-05-02"},
            {"incident_id": "I02", "date_start": "2021-06-02"},
            {"incident_id": "I03", "date_start": "2021-07-02"},
        ],
        casualties=[
            {"incident_id": "I01", "party": "peshmerga", "best": 2, "high": ""},  # at least 2
            {"incident_id": "I02", "party": "peshmerga", "best": 4},
            {"incident_id": "I03", "party": "peshmerga", "best": "", "low": 3, "high": 5},
        ],
    )

    def cells(page):
        return re.findall(r'<td class="right"[^>]*>([^<]*)', page)

    monthly = cells(report.monthly_html(ds))
    assert "\u2265\u20092" in monthly and "4" in monthly and "\u2265\u20093" in monthly
    lag = cells(report.response_lag_html(ds))
    assert "\u2265\u20092" in lag and "4" in lag and "3\u20135" in lag


def test_sources_that_disagree_are_said_not_smoothed_over(tmp_path):
    """Two outlets give one attack's toll differently: the table shows the largest, marked,
    and the Method note gives each outlet's figure; agreeing sources are not marked."""
    ds = load_package(
        tmp_path,
        sources=[
            {"source_id": "a", "outlet": "Outlet A", "published": "2021-12-06"},
            {"source_id": "b", "outlet": "Outlet B", "published": "2021-12-08"},
        ],
        incidents=[{"incident_id": "I01", "source_id": "a"}],
        casualties=[
            {"source_id": "a", "best": 10},
            {"source_id": "b", "best": 11},
            {"source_id": "a", "party": "civilians", "best": 3},
            {"source_id": "b", "party": "civilians", "best": 3},
            {"source_id": "a", "outcome": "wounded", "best": 2},
        ],
    )
    cells = re.findall(r'<td class="right"[^>]*>([^<]*)', report.incidents_html(ds))
    assert cells[:2] == ["14" + report.DIFFER_MARK, "2"]  # killed: 11 + 3; wounded agree
    note = report.method_note(ds)
    assert (
        "I01 Peshmerga killed: 10 (Outlet A, 6 December 2021), 11 (Outlet B, 8 December 2021)"
        in note
    )
    assert "civilians killed" not in note


def test_a_package_of_headers_only_renders_every_section(tmp_path):
    """A valid package with no rows at all (validate accepts it): every section renders,
    saying there is nothing, rather than failing in the Evidence cell."""
    from kirkuk_analysis.data import TABLES

    ds = load_package(tmp_path, **{table: [] for table in TABLES})
    assert all(len(getattr(ds, table)) == 0 for table in TABLES)
    for render in (
        report.key_figures_html, report.incidents_html, report.coordination_html,
        report.claims_html, report.sources_html, report.evidence_html, report.method_note,
        report.monthly_html, report.response_lag_html, report.gap_widths_html,
    ):  # fmt: skip
        assert isinstance(render(ds), str)
    assert "no incident" in report.narrative(ds, None, None, (), ())


def test_the_narrative_says_what_a_selection_cannot_place_or_cover(tmp_path):
    """A province selection says how many of the steps it counts are placed there (most
    have no place); a period the articles do not cover says so at once; a year that does
    not stand out is not called the most frequent."""
    from kirkuk_analysis import analysis

    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-05-02"},
            {"incident_id": "I02", "date_start": "2022-05-02"},
        ],
        coordination=[
            {"step_id": "K01", "place_id": ""},
            {"step_id": "K02", "place_id": ""},
            {"step_id": "K03", "place_id": "kirkuk-city"},
            {"step_id": "K04", "place_id": "", "kind": "context"},
        ],
    )
    kirkuk = analysis.select(ds, provinces=["Kirkuk"])
    text = report.narrative(kirkuk, None, None, ["Kirkuk"], ())
    assert "Of the steps, 1 is placed in Kirkuk province; 2 have no place given" in text
    # the note on what the selection shows counts them alike, the context item apart
    assert report.selection_notes(kirkuk)[0].startswith(
        "2 coordination steps and 1 context item shown have no place"
    )
    assert "most frequent" not in text  # one incident in each year
    before = analysis.select(ds, "2019-01-01", "2019-12-31")
    first = report.narrative(before, "2019-01-01", "2019-12-31").split("\n\n")[0]
    assert first.endswith("The articles record events from 2 May 2021 to 2 May 2022 only.")
    during = analysis.select(ds, "2021-06-01", "2021-06-30")
    assert "only." not in report.narrative(during, "2021-06-01", "2021-06-30").split("\n\n")[0]


def test_a_party_selection_says_how_many_incidents_it_leaves_out(tmp_path):
    """An incident of the period and area in which no chosen party is perpetrator, target
    or casualty is not shown; the selection says how many there are, not silently fewer."""
    from kirkuk_analysis.analysis import select

    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "target": "civilians"},
            {"incident_id": "I02", "target": "peshmerga"},
            {"incident_id": "I03", "target": "iraqi_army"},
        ],
        casualties=[{"incident_id": "I01", "party": "civilians", "best": 1}],
    )
    note = report.selection_markdown(select(ds, parties=["civilians"]))
    assert "2 incidents of this period and area concern none of them" in note
    assert "concern none" not in report.selection_markdown(
        select(ds, parties=["peshmerga", "civilians", "iraqi_army"])
    )


def test_the_summary_names_only_the_kinds_of_claims_it_has(tmp_path):
    """The Summary says what the selection's aggregate figures are, not a stock list: one
    claim of the security gap's width is no casualty total, and is one figure."""
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        claims=[
            {"claim_id": "C01", "metric": "gap_width_km", "party": "", "best": 40,
             "evidence": "a security gap 40 km wide"},
        ],
    )  # fmt: skip
    text = report.narrative(ds)
    assert "1 aggregate figure (the width of the security gap); it is listed apart" in text
    assert "casualty totals" not in text and "attack" not in text.split("aggregate")[1]


def test_one_implementation_step_is_named_as_a_step(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        coordination=[{"step_id": "K01", "kind": "implementation", "status": "implemented"}],
    )
    assert "1 implementation step" in report.key_figures_html(ds)
    assert "1 implementation step" in report.narrative(ds)


def test_casualties_reported_without_a_number_make_the_totals_floors(tmp_path):
    """ "Several police officers were wounded" gives no figure, yet says some were: a total
    that leaves that incident out is a floor (≥, "at least"), and the party is named, not
    dropped; where no incident gives a number at all the toll is an unknown number."""
    incidents = [{"incident_id": "I01"}, {"incident_id": "I02", "date_start": "2021-03-01"}]
    numbered = {"incident_id": "I01", "party": "iraqi_army", "outcome": "wounded", "best": 4,
                "evidence": "four soldiers were wounded"}  # fmt: skip
    vague = {"incident_id": "I02", "party": "federal_police", "outcome": "wounded",
             "best": "", "evidence": "Several police officers were wounded"}  # fmt: skip
    ds = load_package(tmp_path / "a", incidents=incidents, casualties=[numbered, vague])
    totals = report.casualty_totals(ds)
    assert bool(totals.loc["federal_police", "open_ended"]) and pd.isna(
        totals.loc["federal_police", "wounded"]
    )
    assert bool(totals.loc["total", "open_ended"]) and totals.loc["total", "wounded"] == 4
    text = report.narrative(ds)
    assert "at least 4 wounded (4 Iraqi Army and an unknown number of Federal Police)" in text
    box = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", report.key_figures_html(ds)))
    assert "\u2265 4 wounded" in box and "Federal Police*" in box  # \s+ took the thin space
    alone = load_package(tmp_path / "b", incidents=incidents, casualties=[vague])
    assert "an unknown number wounded (Federal Police)" in report.narrative(alone)
    assert report.key_figures(alone)["wounded"] is None


def test_a_step_dated_beyond_the_period_is_said_to_be_shown_whole(tmp_path):
    """A step dated only "in 2023" is kept by a January-June selection and shown whole: the
    selection says so, as it does of such incidents (adding up two briefs counts it twice)."""
    from kirkuk_analysis.analysis import select

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2023-03-01"}],
        coordination=[{"step_id": "K01", "date_start": "2023-01-01", "date_end": "2023-12-31",
                       "date_precision": "year"}],
    )  # fmt: skip
    note = report.selection_markdown(select(ds, start="2023-01-01", end="2023-06-30"))
    assert (
        "1 coordination step dated only to a range reaching beyond the selected period (K01" in note
    )


def test_claims_of_two_articles_that_cannot_both_hold_are_said_to_contradict(tmp_path):
    """ "12 attacks by 15 March" and "8 attacks by 17 March" (the same measure, place and
    month, two articles): the longer period cannot hold fewer. Both stay as printed, each
    said to contradict the other, and the Method note says so; a gap's width (no total
    over time) and one article's own two figures are not compared."""
    from kirkuk_analysis.analysis import claims_summary

    march = {"metric": "attacks", "party": "", "period_start": "2023-03-01"}
    ds = load_package(
        tmp_path,
        sources=[{"source_id": "a"}, {"source_id": "b"}],
        incidents=[{"incident_id": "I01", "date_start": "2023-03-05"}],
        claims=[
            {**march, "claim_id": "C01", "source_id": "a", "best": 12, "low": 12, "high": 12,
             "period_end": "2023-03-15", "evidence": "12 attacks this month"},
            {**march, "claim_id": "C02", "source_id": "b", "best": 8, "low": 8, "high": 8,
             "period_end": "2023-03-17", "evidence": "8 attacks this month"},
            {**march, "claim_id": "C03", "source_id": "b", "best": 20, "low": 20, "high": 20,
             "period_end": "2023-03-31", "evidence": "20 attacks this month"},
            {"claim_id": "C04", "source_id": "a", "metric": "gap_width_km", "party": "",
             "best": 40, "evidence": "a gap 40 km wide"},
            {"claim_id": "C05", "source_id": "b", "metric": "gap_width_km", "party": "",
             "best": 20, "evidence": "a gap 20 km wide"},
        ],
    )  # fmt: skip
    clash = claims_summary(ds).set_index("claim_id")["contradicts"].to_dict()
    assert clash == {"C01": "C02", "C02": "C01", "C03": "", "C04": "", "C05": ""}
    table = report.claims_table(ds).set_index("ID")
    assert table.loc["C02", "Figure"] == "8 (contradicts C01)"
    assert table.loc["C03", "Figure"] == "20"
    assert "2 claims are contradicted by another article's claim" in report.method_note(ds)


def test_a_party_selection_words_its_toll_among_the_party(ds):
    """ "a death toll among civilians", never "civilians death toll"; a selection with no
    period says "over all the period recorded", not "from the first record to the last"."""
    from kirkuk_analysis.analysis import select

    text = report.narrative(select(ds, parties=["civilians"]))
    assert "civilians death toll" not in text and "first record" not in text
    assert text.startswith("Over all the period recorded")


def test_under_a_party_selection_the_lag_says_no_step_naming_the_party(tmp_path):
    """A party selection keeps the steps naming its parties: an attack followed only by a
    step naming others had "no step after it in this selection", as if none followed."""
    from kirkuk_analysis.analysis import select

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "target": "civilians", "date_start": "2021-05-02"}],
        casualties=[{"party": "civilians", "best": 2}],
        coordination=[{"step_id": "K01", "date_start": "2021-05-09", "parties": "peshmerga"}],
    )
    whole = report.response_lag_table(ds)
    assert whole["Next step"].astype(str).str.contains("K01").any()
    chosen = report.response_lag_table(select(ds, parties=["civilians"]))
    assert chosen["Within 30 days"].tolist() == [
        "no step naming civilians after it in this selection"
    ]


def test_a_claim_without_a_start_contradicts_none(tmp_path):
    """An empty start is one the article does not give: "recent attacks killed 22" cannot
    be said to hold, or be held by, "30 killed so far this year"."""
    from kirkuk_analysis.analysis import claims_summary

    ds = load_package(
        tmp_path,
        sources=[{"source_id": "a"}, {"source_id": "b"}],
        incidents=[{"incident_id": "I01", "date_start": "2023-03-05"}],
        claims=[
            {"claim_id": "C01", "source_id": "a", "metric": "killed", "party": "",
             "best": 22, "low": 22, "high": 22, "period_start": "", "period_end": "2023-06-30",
             "evidence": "recent attacks killed 22"},
            {"claim_id": "C02", "source_id": "b", "metric": "killed", "party": "",
             "best": 30, "low": 30, "high": 30, "period_start": "2023-01-01",
             "period_end": "2023-06-30",
             "evidence": "30 killed so far this year"},
        ],
    )  # fmt: skip
    assert set(claims_summary(ds)["contradicts"]) == {""}
