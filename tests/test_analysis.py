"""Analyses: on the shipped data with expected values recomputed from the CSVs (read here,
independently of the library), and on small fixture packages whose rows fix the answer."""

from __future__ import annotations

import csv
import doctest
import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from packages import load_package

from kirkuk_analysis import analysis, load
from kirkuk_analysis.analysis import (
    casualty_figures,
    claims_summary,
    incident_table,
    monthly,
    response_lag,
    select,
)

DATA = Path(__file__).resolve().parents[1] / "data"
# The attack types are data too: every event type whose category is not marked "attack": false.
ATTACK_EVENT_TYPES = {
    c["value"]
    for r in json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    if r["name"] == "incidents"
    for f in r["schema"]["fields"]
    if f["name"] == "event_type"
    for c in f["categories"]
    if c.get("attack", True)
}
OUTCOMES = ("killed", "wounded", "captured")
MAKHMOUR = {
    "place_id": "makhmour",
    "name": "Makhmour",
    "kind": "town",
    "district": "Makhmour",
    "province": "Nineveh",
    "lat": 35.7766,
    "lon": 43.5800,
}


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def ds():
    return load()


def figure(row):
    value = row["best"] or row["low"]
    return int(value) if value else None


def max_figures(incident_ids=None) -> dict[tuple[str, str, str], int]:
    """(incident, party, outcome) -> the largest figure any source gives (never the sum)."""
    out: dict[tuple[str, str, str], int] = {}
    for r in rows("casualties"):
        if figure(r) is None or (incident_ids is not None and r["incident_id"] not in incident_ids):
            continue
        key = (r["incident_id"], r["party"], r["outcome"])
        out[key] = max(out.get(key, 0), figure(r))
    return out


def test_doctests():
    failures, tried = doctest.testmod(analysis, optionflags=doctest.ELLIPSIS)
    assert tried >= 8
    assert failures == 0


# ------------------------------------------------------------------ the shipped data


def test_incident_table_one_row_per_incident_with_place(ds):
    t = incident_table(ds)
    incidents, places = rows("incidents"), {p["place_id"]: p for p in rows("places")}
    assert list(t.incident_id) == [i["incident_id"] for i in incidents]
    for inc, got in zip(incidents, t.itertuples(), strict=True):
        place = places[inc["place_id"]]
        assert got.province == place["province"] and got.place == place["name"]
        assert got.lat == float(place["lat"]) and got.lon == float(place["lon"])


def test_incident_figures_match_the_csv(ds):
    t = incident_table(ds).set_index("incident_id")
    expected = max_figures()
    for (incident_id, party, outcome), n in expected.items():
        assert t.loc[incident_id, f"{outcome}_{party}"] == n, (incident_id, party, outcome)
    per_incident = defaultdict(int)
    for (incident_id, _, outcome), n in expected.items():
        per_incident[incident_id, outcome] += n
    for incident_id in t.index:
        for outcome in OUTCOMES:
            if (incident_id, outcome) in per_incident:
                assert t.loc[incident_id, outcome] == per_incident[incident_id, outcome]
            else:  # no source gives a figure: unknown, not zero
                assert pd.isna(t.loc[incident_id, outcome]), (incident_id, outcome)


def test_totals_equal_casualty_rows_and_claims_never_added(ds):
    t = incident_table(ds)
    expected = defaultdict(int)
    for (_, _, outcome), n in max_figures().items():
        expected[outcome] += n
    for outcome in OUTCOMES:
        assert int(t[outcome].sum()) == expected[outcome]
    # by party: the wide columns add up to the totals
    killed_cols = [c for c in t.columns if c.startswith("killed_")]
    assert int(t[killed_cols].sum().sum()) == expected["killed"]
    no_claims = incident_table(ds.replace(claims=ds.claims.iloc[:0]))
    pd.testing.assert_frame_equal(no_claims, t)


def test_select_kirkuk_province(ds):
    kirkuk_places = {p["place_id"] for p in rows("places") if p["province"] == "Kirkuk"}
    expected = sorted(i["incident_id"] for i in rows("incidents") if i["place_id"] in kirkuk_places)
    sel = select(ds, provinces=["Kirkuk"])
    assert sorted(sel.incidents.incident_id) == expected
    assert set(sel.casualties.incident_id) <= set(expected)
    assert sel.coordination.place_id.isna().any()  # Baghdad-Erbil-wide steps kept
    assert set(sel.coordination.place_id.dropna()) <= kirkuk_places


def test_select_parties_limits_casualty_rows(ds):
    hit = {r["incident_id"] for r in rows("casualties") if r["party"] == "peshmerga"}
    expected = {
        i["incident_id"]
        for i in rows("incidents")
        if "peshmerga" in (i["perpetrator"], i["target"]) or i["incident_id"] in hit
    }
    sel = select(ds, parties="peshmerga")
    assert set(sel.incidents.incident_id) == expected
    assert set(sel.casualties.party) == {"peshmerga"}
    assert len(sel.casualties) == sum(r["party"] == "peshmerga" for r in rows("casualties"))
    steps = {r["step_id"] for r in rows("coordination") if "peshmerga" in r["parties"].split(";")}
    assert set(sel.coordination.step_id) == steps
    # casualty claims naming the party, and every claim of another metric (no party's dead)
    claims = {
        r["claim_id"]
        for r in rows("claims")
        if "peshmerga" in r["party"].split(";")
        or r["metric"] not in ("killed", "wounded", "captured", "casualties")
    }
    assert set(sel.claims.claim_id) == claims


def test_a_selection_of_a_selection_records_both(ds):
    """select() on a selection narrows it further and records what both chose: the later
    start, the earlier end, the names both chose (either's where the other chose all)."""
    first = select(ds, "2021-01-01", None, provinces=["Kirkuk", "Diyala"], parties="peshmerga")
    then = select(first, None, "2022-06-30", provinces="diyala")
    chosen = then.selection
    assert (chosen.start.isoformat(), chosen.end.isoformat()) == ("2021-01-01", "2022-06-30")
    assert chosen.provinces == ("Diyala",) and chosen.parties == ("peshmerga",)
    assert then.whole is ds
    once = select(ds, "2021-01-01", "2022-06-30", provinces="Diyala", parties="peshmerga")
    for table in ("incidents", "casualties", "coordination", "claims"):
        pd.testing.assert_frame_equal(getattr(then, table), getattr(once, table))


def test_a_selection_of_a_selection_that_shares_nothing_is_refused(ds):
    """Kirkuk then Diyala, 2020 then 2021, ISIS then the Peshmerga leave nothing: refused,
    not narrated as the later choice over none of its rows; a Selection passed to select()
    is checked and spelled as keyword arguments are."""
    from kirkuk_analysis.selection import Selection, SelectionError

    with pytest.raises(SelectionError, match="share none"):
        select(select(ds, provinces="Kirkuk"), provinces="Diyala")
    with pytest.raises(SelectionError, match="do not overlap"):
        select(select(ds, "2020-01-01", "2020-12-31"), "2021-01-01", "2021-12-31")
    with pytest.raises(SelectionError, match="share none"):
        select(select(ds, parties="isis"), parties="peshmerga")
    assert select(ds, Selection(provinces=("kirkuk",))).selection.provinces == ("Kirkuk",)
    with pytest.raises(SelectionError, match="after end"):
        select(ds, Selection(start=date(2021, 6, 1), end=date(2021, 1, 1)))


def test_select_rejects_bad_parameters(ds):
    with pytest.raises(ValueError, match="Kirkuk"):
        select(ds, provinces=["Kurdistan"])
    with pytest.raises(ValueError, match="after"):
        select(ds, "2021-01-01", "2020-01-01")
    with pytest.raises(ValueError, match="peshmerga"):
        select(ds, parties=["kurds"])


def test_select_empty_result_keeps_columns(ds):
    sel = select(ds, "1900-01-01", "1900-12-31")
    assert len(sel.incidents) == 0 and list(sel.incidents.columns) == list(ds.incidents.columns)
    assert len(incident_table(sel)) == 0
    assert len(monthly(sel)) == 0


def expected_monthly():
    """month -> counts and recorded figures, each incident in the month of its range's middle."""
    figures = defaultdict(int)
    for (incident_id, _, outcome), n in max_figures().items():
        figures[incident_id, outcome] += n
    # a month whose incidents give no figure of an outcome: unknown (None), not 0
    out = defaultdict(
        lambda: (
            dict.fromkeys(("incidents", "attacks", "uncertain"), 0) | dict.fromkeys(OUTCOMES, None)
        )
    )
    for i in rows("incidents"):
        start, end = date.fromisoformat(i["date_start"]), date.fromisoformat(i["date_end"])
        month = out[pd.Period(start + (end - start) / 2, "M")]
        month["incidents"] += 1
        month["attacks"] += i["event_type"] in ATTACK_EVENT_TYPES
        month["uncertain"] += end > start
        for outcome in OUTCOMES:
            if (i["incident_id"], outcome) in figures:
                month[outcome] = (month[outcome] or 0) + figures[i["incident_id"], outcome]
    return out


def test_monthly_matches_the_csv(ds):
    m = monthly(ds).set_index("month")
    expected = expected_monthly()
    assert list(m.index) == list(pd.period_range(min(expected), max(expected), freq="M"))
    for month in m.index:  # months without incidents are there, with zeros
        want = expected.get(month, dict.fromkeys(m.columns, 0))
        got = {k: None if pd.isna(v) else v for k, v in m.loc[month].to_dict().items()}
        assert got == want, month


def test_monthly_by_province_and_party(ds):
    p = monthly(ds, by="province")
    assert p.incidents.sum() == len(rows("incidents"))
    kirkuk = p[p.province == "Kirkuk"].incidents.sum()
    assert kirkuk == len(select(ds, provinces="Kirkuk").incidents)
    q = monthly(ds, by="party")
    for party in ("peshmerga", "civilians"):
        killed = sum(n for (_, pa, o), n in max_figures().items() if (pa, o) == (party, "killed"))
        assert q[q.party == party].killed.sum() == killed
        assert q[q.party == party].incidents.sum() == sum(
            i["target"] == party for i in rows("incidents")
        )
    with pytest.raises(ValueError):
        monthly(ds, by="district")


def test_response_lag_covers_every_step_and_attack(ds):
    lag = response_lag(ds, window_days=30)
    assert list(lag.steps.step_id) == [r["step_id"] for r in rows("coordination")]
    attacks = [i["incident_id"] for i in rows("incidents") if i["event_type"] in ATTACK_EVENT_TYPES]
    assert list(lag.attacks.incident_id) == attacks  # an arrest is not an attack
    only = response_lag(ds, kinds=["meeting"]).steps
    assert set(only.kind) <= {"meeting"}
    assert len(only) == sum(r["kind"] == "meeting" for r in rows("coordination"))


def test_incident_rows_point_each_casualty_at_its_incident(ds):
    sel = select(ds, provinces=["Kirkuk"])  # a new Dataset: its own rows, not the parent's
    for d in (ds, sel):
        ids = d.incidents.incident_id.to_numpy()[d.incident_rows()]
        assert (ids == d.casualties.incident_id.to_numpy()).all()


def test_rows_found_by_the_loaders_foreign_key_check_give_the_same_monthly(monkeypatch):
    from kirkuk_analysis import data

    monkeypatch.setattr(data, "_FEW_KEYS", -1)  # every foreign key looked up by hash
    prefilled = load()
    assert prefilled._incident_rows is not None  # handed over by load()
    recomputed = prefilled.replace()  # same frames, cache dropped
    assert recomputed._incident_rows is None
    pd.testing.assert_frame_equal(monthly(prefilled), monthly(recomputed))
    assert (prefilled.incident_rows() == recomputed.incident_rows()).all()


# ------------------------------------------------------------------ fixture packages


def test_incident_table_adds_up_the_parties_of_one_incident(tmp_path):
    ds = load_package(
        tmp_path,
        places=[MAKHMOUR],
        incidents=[{"incident_id": "I01", "date_start": "2021-12-02"}, {"incident_id": "I02"}],
        casualties=[
            {"party": "peshmerga", "best": 10},
            {"party": "civilians", "best": 3},
            {"party": "peshmerga", "outcome": "wounded", "best": 2},  # the same party again
        ],
    )
    t = incident_table(ds).set_index("incident_id")
    row = t.loc["I01"]
    assert row.date_start == pd.Timestamp("2021-12-02")
    assert (row.killed_peshmerga, row.killed_civilians, row.killed) == (10, 3, 13)
    assert (row.wounded, row.wounded_peshmerga) == (2, 2)
    assert pd.isna(row.captured) and pd.isna(row.wounded_civilians)  # unknown, never 0
    assert (row.province, row.place, row.district) == ("Nineveh", "Makhmour", "Makhmour")
    assert (row.lat, row.lon) == (35.7766, 43.58)
    assert t.loc["I02", ["killed", "wounded", "captured"]].isna().all()  # no casualty rows
    assert {"killed_isis", "killed_asayish"}.isdisjoint(t.columns)  # parties with rows only
    wide = incident_table(ds, all_parties=True)
    assert {"killed_isis", "captured_asayish"} <= set(wide.columns)
    assert wide.killed_isis.isna().all()


def test_several_sources_take_the_maximum_not_the_sum(tmp_path):
    ds = load_package(
        tmp_path,
        sources=[{"source_id": s} for s in ("a", "b", "c")],
        incidents=[{"incident_id": "I01", "date_start": "2021-12-02"}],
        casualties=[
            {"source_id": "a", "best": 10},
            {"source_id": "b", "best": 13},  # a later report, a higher figure
            {"source_id": "c", "best": 7},
            {"source_id": "a", "party": "civilians", "best": 3},
            {"source_id": "c", "party": "civilians", "best": 3},
        ],
    )
    f = casualty_figures(ds).set_index("party")
    assert (f.loc["peshmerga", "figure"], f.loc["peshmerga", "sources"]) == (13, 3)
    assert (f.loc["civilians", "figure"], f.loc["civilians", "sources"]) == (3, 2)
    row = incident_table(ds).iloc[0]
    assert (row.killed_peshmerga, row.killed_civilians, row.killed) == (13, 3, 16)
    assert monthly(ds).killed.sum() == 16
    assert monthly(ds, by="province").killed.sum() == 16
    by_party = monthly(ds, by="party").set_index("party").killed
    assert (by_party["peshmerga"], by_party["civilians"]) == (13, 3)
    assert response_lag(ds).attacks.killed.sum() == 16


def test_best_falls_back_to_low(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[
            {"best": "", "low": 4, "high": ""},  # "at least four"
            {"outcome": "wounded", "best": "", "low": "", "high": ""},  # "several wounded"
        ],
    )
    assert casualty_figures(ds).set_index("outcome").figure.loc["killed"] == 4
    row = incident_table(ds).iloc[0]
    assert row.killed == 4 and pd.isna(row.wounded)  # no figure: unknown, not zero
    m = monthly(ds).iloc[0]
    assert m.killed == 4 and pd.isna(m.wounded)  # a floor; "several wounded": unknown


def test_monthly_keeps_unknown_apart_from_zero(tmp_path):
    """A figure no article gives stays missing in every view of monthly(): by party, a
    party with casualties but not the target has no wounded figure, not 0 wounded; a
    recorded 0 stays 0."""
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "target": "peshmerga"}],
        casualties=[
            {"party": "peshmerga", "best": 3},
            {"party": "civilians", "best": 2},
            {"party": "peshmerga", "outcome": "wounded", "best": 0,
             "evidence": "no Peshmerga were wounded in the attack"},
        ],
    )  # fmt: skip
    q = monthly(ds, by="party").set_index("party")
    assert (q.loc["peshmerga", "killed"], q.loc["peshmerga", "wounded"]) == (3, 0)
    assert q.loc["civilians", "killed"] == 2 and pd.isna(q.loc["civilians", "wounded"])
    assert pd.isna(q.loc["civilians", "captured"]) and pd.isna(q.loc["peshmerga", "captured"])
    m = monthly(ds).iloc[0]
    assert (m.killed, m.wounded) == (5, 0) and pd.isna(m.captured)


def test_months_without_figure_counts_the_incidents_whose_toll_is_unknown(tmp_path):
    """A month counts the incidents that give no figure of the outcome, whether or not
    other incidents of the month give one (its total in monthly() is then a floor); a
    recorded 0 is a figure; a party selection asks for that party's figure."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-01-10"},  # no casualty rows
            {"incident_id": "I02", "date_start": "2021-03-10", "target": "peshmerga"},
            {"incident_id": "I03", "date_start": "2021-03-20"},
            {"incident_id": "I04", "date_start": "2021-05-10"},
        ],
        casualties=[
            {"incident_id": "I02", "party": "peshmerga", "best": 2},
            {"incident_id": "I03", "outcome": "wounded", "best": 1},
            {"incident_id": "I04", "best": 0, "evidence": "no one was killed in the attack"},
        ],
    )
    lacking = analysis.months_without_figure(ds, "killed")
    assert lacking.to_dict() == {pd.Period("2021-01", "M"): 1, pd.Period("2021-03", "M"): 1}
    assert monthly(ds).set_index("month").loc[pd.Period("2021-03", "M"), "killed"] == 2
    wounded = analysis.months_without_figure(ds, "wounded")
    assert wounded.to_dict() == {
        pd.Period("2021-01", "M"): 1, pd.Period("2021-03", "M"): 1, pd.Period("2021-05", "M"): 1
    }  # fmt: skip
    assert analysis.months_without_figure(select(ds, end="2020-12-31")).empty
    with pytest.raises(ValueError, match="outcome must be one of killed"):
        analysis.months_without_figure(ds, "dead")


def test_select_period_overlap_keeps_uncertain_dates(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[
            {  # "in April"
                "incident_id": "I01",
                "date_start": "2020-04-01",
                "date_end": "2020-04-30",
                "date_precision": "month",
            },
            {  # "in recent weeks"
                "incident_id": "I02",
                "date_start": "2020-06-23",
                "date_end": "2020-07-20",
                "date_precision": "month",
            },
        ],
        casualties=[{"incident_id": "I02", "best": 1}],
        coordination=[{"step_id": "K01", "date_start": "2020-07-20"}],
        claims=[{"claim_id": "C01", "period_start": "", "period_end": "2020-07-20"}],
    )

    def ids(**period):
        return set(select(ds, **period).incidents.incident_id)

    assert ids(start="2020-04-30", end="2020-05-01") == {"I01"}
    assert ids(start="2020-05-01", end="2020-05-31") == set()
    assert ids(end="2020-06-23") == {"I01", "I02"}
    assert ids(end="2020-06-22") == {"I01"}
    assert ids(start="2020-07-20") == {"I02"}
    assert ids(start="2020-07-21") == set()
    assert len(select(ds, end="2020-06-22").casualties) == 0  # I02's row went with it
    later = select(ds, start="2020-07-21")
    assert len(later.coordination) == 0 and len(later.claims) == 0
    early = select(ds, end="2019-01-01")  # an empty period_start is open
    assert list(early.claims.claim_id) == ["C01"] and len(early.coordination) == 0


def test_monthly_places_each_incident_in_the_month_of_its_middle(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[
            {
                "incident_id": "I01",
                "date_start": "2021-01-01",
                "date_end": "2021-01-31",
                "date_precision": "month",
            },
            {  # 29 April .. 2 May: its middle is 30 April
                "incident_id": "I02",
                "date_start": "2021-04-29",
                "date_end": "2021-05-02",
                "date_precision": "week",
                "event_type": "arrest",
            },
            {"incident_id": "I03", "date_start": "2021-05-15"},
        ],
        casualties=[{"incident_id": "I02", "best": 2}, {"incident_id": "I03", "best": 1}],
    )
    m = monthly(ds).set_index("month")
    assert [str(p) for p in m.index] == ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05"]
    assert list(m.incidents) == [1, 0, 0, 1, 1]
    assert list(m.attacks) == [1, 0, 0, 0, 1]  # an arrest is not an attack
    assert list(m.uncertain) == [1, 0, 0, 1, 0]
    # January's incident gives no figure: unknown there; February, March: no incident, 0
    assert [None if pd.isna(k) else k for k in m.killed] == [None, 0, 0, 2, 1]


def test_a_selection_counts_an_incident_in_a_month_inside_its_period(tmp_path):
    """An attack dated 20 April .. 6 May (middle: 28 April) is counted in April by the
    whole package, but a May selection, which keeps it, counts it in May (the middle of
    1..6 May), never in a month the reader did not select (the brief's monthly table
    too: test_report)."""
    ds = load_package(
        tmp_path,
        incidents=[
            {"date_start": "2021-04-20", "date_end": "2021-05-06", "date_precision": "month"}
        ],
        casualties=[{"best": 3}],
    )
    assert [str(p) for p in monthly(ds).month] == ["2021-04"]
    may = select(ds, "2021-05-01", "2021-05-31")
    assert [str(p) for p in monthly(may).month] == ["2021-05"]
    assert [str(p) for p in monthly(may, by="party").month] == ["2021-05"]
    april = select(ds, "2021-04-01", "2021-04-30")
    assert [str(p) for p in monthly(april).month] == ["2021-04"]


@pytest.fixture
def lag_package(tmp_path):
    """Attacks around a meeting on 6 December 2021 (the window: 6 Nov .. 5 Dec)."""
    return load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "date_start": "2021-11-06"},  # first day of the window
            {"incident_id": "I02", "date_start": "2021-11-05"},  # a day too early
            {"incident_id": "I03", "date_start": "2021-12-02"},
            {"incident_id": "I04", "date_start": "2021-12-05"},  # the day before the step
            {  # an arrest the same day: not an attack
                "incident_id": "I05",
                "date_start": "2021-12-05",
                "event_type": "arrest",
                "perpetrator": "asayish",
                "target": "isis",
            },
            {  # "in November": only partly in the window
                "incident_id": "I06",
                "date_start": "2021-11-01",
                "date_end": "2021-11-30",
                "date_precision": "month",
            },
            {"incident_id": "I07", "date_start": "2022-01-10"},  # after the last step
        ],
        casualties=[
            {"incident_id": "I01", "best": 1},
            {"incident_id": "I02", "best": 5},
            {"incident_id": "I03", "best": 10},
            {"incident_id": "I03", "party": "civilians", "best": 3},
            {"incident_id": "I04", "best": 4},
            {"incident_id": "I05", "party": "isis", "outcome": "captured", "best": 1},
            {"incident_id": "I06", "best": 2},
        ],
        coordination=[
            {"step_id": "K01", "date_start": "2021-10-01", "kind": "call"},  # before any attack
            {"step_id": "K02", "date_start": "2021-12-06", "kind": "meeting"},
        ],
    )


def test_response_lag_steps(lag_package):
    steps = response_lag(lag_package, window_days=30).steps.set_index("step_id")
    k02 = steps.loc["K02"]
    assert k02.attacks_in_window == 3  # I01, I03, I04
    assert k02.killed_in_window == 1 + 13 + 4
    assert k02.attacks_maybe_in_window == 1  # I06
    assert (k02.days_since_attack, k02.previous_attack) == (1, "I04")
    k01 = steps.loc["K01"]
    assert pd.isna(k01.days_since_attack) and pd.isna(k01.previous_attack)
    assert (k01.attacks_in_window, k01.killed_in_window) == (0, 0)
    narrow = response_lag(lag_package, window_days=3).steps.set_index("step_id")
    assert narrow.loc["K02", "attacks_in_window"] == 1  # only I04 (3 Dec .. 5 Dec)
    assert list(response_lag(lag_package, kinds=["meeting"]).steps.step_id) == ["K02"]
    with pytest.raises(ValueError):
        response_lag(lag_package, window_days=-1)


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"window_days": "30"}, "window_days must be a whole number of days"),
        ({"window_days": 1.5}, "not 1.5"),
        ({"window_days": True}, "not True"),
        ({"window_days": 10**20}, "from 0 to 36525"),
        ({"kinds": 5}, "kind must be a name or a list of names, not 5"),
        ({"kinds": ["bogus"]}, "unknown kind 'bogus'; valid choices are: meeting"),
    ],
)
def test_response_lag_refuses_bad_arguments_in_words(lag_package, kwargs, said):
    from kirkuk_analysis.selection import SelectionError

    with pytest.raises(SelectionError, match=re.escape(said)):
        response_lag(lag_package, **kwargs)


def test_response_lag_matches_kinds_as_a_selection_matches_names(lag_package):
    every = list(response_lag(lag_package).steps.step_id)
    assert list(response_lag(lag_package, kinds=[" Meeting"]).steps.step_id) == ["K02"]
    assert list(response_lag(lag_package, kinds=[]).steps.step_id) == every  # no limit


def test_response_lag_attacks(lag_package):
    att = response_lag(lag_package).attacks.set_index("incident_id")
    assert "I05" not in att.index  # an arrest is not an attack
    assert att.loc["I04", "next_step"] == "K02" and att.loc["I04", "days_to_next_step"] == 1
    assert att.loc["I03", "days_to_next_step"] == 4 and att.loc["I03", "killed"] == 13
    assert att.loc["I06", "days_to_next_step"] == 6  # from the end of its range
    assert att.loc["I01", "next_step_kind"] == "meeting"
    assert pd.isna(att.loc["I07", "days_to_next_step"]) and pd.isna(att.loc["I07", "next_step"])


def test_claims_summary_keeps_claims_apart(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": i} for i in ("I01", "I02", "I03")],
        casualties=[
            {"incident_id": "I01", "best": 10},
            {"incident_id": "I01", "party": "civilians", "best": 3},
            {"incident_id": "I02", "best": 4},
            {"incident_id": "I03", "best": 5},  # not in any claim's overlaps
        ],
        claims=[
            {"claim_id": "C01", "best": 22, "overlaps": "I01;I02"},
            {"claim_id": "C02", "party": "civilians", "best": 3, "overlaps": "I01"},
            {
                "claim_id": "C03",
                "metric": "gap_width_km",
                "party": "",
                "best": 40,
                "high": 40,
            },
        ],
    )
    s = claims_summary(ds).set_index("claim_id")
    assert (s.loc["C01", "incident_figure"], s.loc["C01", "beyond_incidents"]) == (14, 8)
    assert (s.loc["C02", "incident_figure"], s.loc["C02", "beyond_incidents"]) == (3, 0)
    assert pd.isna(s.loc["C03", "incident_figure"]) and pd.isna(s.loc["C03", "beyond_incidents"])
    # incident totals are unchanged by claims
    assert incident_table(ds).killed.sum() == 10 + 3 + 4 + 5
    assert incident_table(ds.replace(claims=ds.claims.iloc[:0])).equals(incident_table(ds))


def test_a_party_selection_keeps_the_claims_that_count_no_party(tmp_path):
    """--party limits casualty figures: a claim of another metric (the width of the security
    gap) stays; a casualty claim stays only for a chosen party."""
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        claims=[
            {"claim_id": "C01", "metric": "gap_width_km", "party": "", "best": 40},
            {"claim_id": "C02", "metric": "killed", "party": "civilians", "best": 5},
            {"claim_id": "C03", "metric": "killed", "party": "peshmerga", "best": 9},
        ],
    )
    chosen = analysis.select(ds, parties="peshmerga")
    assert list(chosen.claims.claim_id) == ["C01", "C03"]
