"""Analyses on the shipped data, with expected values computed from the CSVs independently."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from kirkuk_analysis import load
from kirkuk_analysis.analysis import (
    ATTACK_EVENT_TYPES,
    casualty_figures,
    claims_summary,
    incident_table,
    monthly,
    response_lag,
    select,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def ds():
    return load()


def figure(row):
    value = row["best"] or row["low"]
    return int(value) if value else None


def test_incident_table_one_row_per_incident_with_place(ds):
    t = incident_table(ds)
    incidents, places = rows("incidents"), {p["place_id"]: p for p in rows("places")}
    assert list(t.incident_id) == [i["incident_id"] for i in incidents]
    for inc, got in zip(incidents, t.itertuples(), strict=True):
        place = places[inc["place_id"]]
        assert got.province == place["province"] and got.place == place["name"]
        assert got.lat == float(place["lat"]) and got.lon == float(place["lon"])


def test_makhmour_attack(ds):
    row = incident_table(ds).set_index("incident_id").loc["I10"]
    assert row.date_start == pd.Timestamp("2021-12-02")
    assert (row.killed_peshmerga, row.killed_civilians, row.killed) == (10, 3, 13)
    assert row.province == "Nineveh" and row.place == "Makhmour"


def test_totals_equal_casualty_rows_and_claims_never_added(ds):
    t = incident_table(ds)
    expected = defaultdict(int)
    for r in rows("casualties"):
        if figure(r) is not None:
            expected[r["outcome"]] += figure(r)
    for outcome in ("killed", "wounded", "captured"):
        assert int(t[outcome].sum()) == expected[outcome]
    # by party: the wide columns add up to the totals
    killed_cols = [c for c in t.columns if c.startswith("killed_")]
    assert int(t[killed_cols].sum().sum()) == expected["killed"]


def test_incident_without_casualty_rows_is_na_not_zero(ds):
    t = incident_table(ds).set_index("incident_id")
    with_rows = {r["incident_id"] for r in rows("casualties")}
    for incident_id in set(t.index) - with_rows:
        assert t.loc[incident_id, ["killed", "wounded", "captured"]].isna().all()
    # I03 has killed and wounded rows but no captured row
    assert t.loc["I03", "killed"] == 3 and pd.isna(t.loc["I03", "captured"])


def test_several_sources_take_the_maximum_not_the_sum(ds):
    extra = ds.casualties.iloc[[0]].assign(source_id="kirkuknow-2021-05-02", best=7, low=7, high=7)
    doubled = ds.replace(casualties=pd.concat([ds.casualties, extra], ignore_index=True))
    f = casualty_figures(doubled).query("incident_id == 'I02' and outcome == 'killed'")
    assert int(f.figure.item()) == 10 and int(f.sources.item()) == 2
    assert incident_table(doubled).set_index("incident_id").loc["I02", "killed"] == 10


def test_best_falls_back_to_low(ds):
    cas = ds.casualties.copy()
    cas.loc[0, "best"] = pd.NA  # I02 pmf killed: low stays 10
    t = incident_table(ds.replace(casualties=cas)).set_index("incident_id")
    assert t.loc["I02", "killed"] == 10


def test_select_kirkuk_province(ds):
    kirkuk_places = {p["place_id"] for p in rows("places") if p["province"] == "Kirkuk"}
    expected = sorted(i["incident_id"] for i in rows("incidents") if i["place_id"] in kirkuk_places)
    sel = select(ds, provinces=["Kirkuk"])
    assert sorted(sel.incidents.incident_id) == expected
    assert set(sel.casualties.incident_id) <= set(expected)
    assert sel.coordination.place_id.isna().any()  # Baghdad-Erbil-wide steps kept
    assert set(sel.coordination.place_id.dropna()) <= kirkuk_places


def test_select_period_overlap_keeps_uncertain_dates(ds):
    # I01 is "in April" 2020 (2020-04-01..30): a period touching the end of April keeps it
    assert "I01" in set(select(ds, "2020-04-30", "2020-05-01").incidents.incident_id)
    assert "I01" not in set(select(ds, "2020-05-01", "2020-05-31").incidents.incident_id)
    # I05 runs 2020-06-23..2020-07-20
    assert "I05" in set(select(ds, end="2020-06-23").incidents.incident_id)
    assert "I05" not in set(select(ds, end="2020-06-22").incidents.incident_id)


def test_select_parties_limits_casualty_rows(ds):
    sel = select(ds, parties="peshmerga")
    assert set(sel.casualties.party) == {"peshmerga"}
    assert {"I09", "I10", "I11"} <= set(sel.incidents.incident_id)
    assert sel.incidents.shape[0] < ds.incidents.shape[0]


def test_select_rejects_bad_parameters(ds):
    with pytest.raises(ValueError, match="Kirkuk"):
        select(ds, provinces=["Kurdistan"])
    with pytest.raises(ValueError, match="after"):
        select(ds, "2021-01-01", "2020-01-01")
    with pytest.raises(ValueError, match="peshmerga"):
        select(ds, parties=["kurds"])


def test_select_empty_result_keeps_columns(ds):
    sel = select(ds, "2019-01-01", "2019-12-31")
    assert len(sel.incidents) == 0 and list(sel.incidents.columns) == list(ds.incidents.columns)
    assert len(incident_table(sel)) == 0
    assert len(monthly(sel)) == 0


def test_monthly_counts_each_incident_once(ds):
    m = monthly(ds)
    assert m.incidents.sum() == len(rows("incidents"))
    killed = sum(figure(r) or 0 for r in rows("casualties") if r["outcome"] == "killed")
    assert m.killed.sum() == killed
    by_month = m.set_index("month")
    # I01 "in April" 2020 counted once, in April; months are continuous
    assert by_month.loc[pd.Period("2020-04", "M"), "incidents"] == 1
    assert by_month.loc[pd.Period("2020-04", "M"), "uncertain"] == 1
    assert by_month.loc[pd.Period("2021-12", "M"), "killed"] == 10 + 3 + 4
    assert len(m) == len(pd.period_range(m.month.min(), m.month.max(), freq="M"))
    attacks = sum(i["event_type"] in ATTACK_EVENT_TYPES for i in rows("incidents"))
    assert m.attacks.sum() == attacks


def test_monthly_by_province_and_party(ds):
    p = monthly(ds, by="province")
    assert p.incidents.sum() == len(rows("incidents"))
    kirkuk = p[p.province == "Kirkuk"].incidents.sum()
    assert kirkuk == len(select(ds, provinces="Kirkuk").incidents)
    q = monthly(ds, by="party")
    assert q[q.party == "peshmerga"].killed.sum() == 3 + 10 + 4
    with pytest.raises(ValueError):
        monthly(ds, by="district")


def test_response_lag(ds):
    lag = response_lag(ds, window_days=30)
    steps = lag.steps.set_index("step_id")
    assert len(steps) == len(rows("coordination"))
    # K29 (6 Dec 2021): I10 (2 Dec, 13 killed) and I11 (5 Dec, 4 killed) in the window
    assert steps.loc["K29", "attacks_in_window"] == 2
    assert steps.loc["K29", "killed_in_window"] == 17
    assert steps.loc["K29", "days_since_attack"] == 1
    assert steps.loc["K29", "previous_attack"] == "I11"
    assert pd.isna(steps.loc["K01", "days_since_attack"])  # no attack before March 2020
    att = lag.attacks.set_index("incident_id")
    assert "I08" not in att.index  # an arrest is not an attack
    assert att.loc["I10", "next_step"] == "K27" and att.loc["I10", "days_to_next_step"] == 2
    assert pd.isna(att.loc["I12", "days_to_next_step"])
    only = response_lag(ds, kinds=["meeting"]).steps
    assert set(only.kind) == {"meeting"}


def test_claims_summary_keeps_claims_apart(ds):
    s = claims_summary(ds).set_index("claim_id")
    assert len(s) == len(rows("claims"))
    assert s.loc["C05", "incident_figure"] == 14 and s.loc["C05", "beyond_incidents"] == 8
    assert s.loc["C06", "beyond_incidents"] == 0
    # incident totals are unchanged by claims
    before = incident_table(ds).killed.sum()
    assert incident_table(ds.replace(claims=ds.claims.iloc[:0])).killed.sum() == before


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
