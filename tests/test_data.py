"""The shipped data package: schema, keys, dates, evidence, places and the no-double-count rule.

These tests read the CSVs with the standard library, independently of ``kirkuk_analysis.load``,
so that a bug in the loader cannot hide a bug in the data (and the other way round).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kirkuk_analysis import dates

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
ARTICLES = SHARED / "articles"
CHECK_EVIDENCE = SHARED / "tools" / "check_evidence.py"
GEO = ROOT / "kirkuk_analysis" / "geo" / "iraq_admin1.geojson"
CODEBOOK = ROOT / "docs" / "codebook.md"

# Column order fixed by ../shared/CONTRACT.md ("more may follow").
CONTRACT_COLUMNS = {
    "sources": "source_id outlet headline published published_precision published_basis"
    " dateline document url notes",
    "places": "place_id name kind district province lat lon disputed notes",
    "incidents": "incident_id date_start date_end date_precision date_phrase place_id"
    " geo_precision event_type perpetrator target summary notes",
    "casualties": "incident_id source_id party outcome best low high evidence",
    "coordination": "step_id date_start date_end date_precision date_phrase kind status parties"
    " place_id summary source_id evidence",
    "claims": "claim_id period_start period_end claimant metric party best low high place_id"
    " source_id evidence overlaps",
}
CASUALTY_METRICS = {
    "killed": {"killed"},
    "wounded": {"wounded"},
    "captured": {"captured"},
    "casualties": {"killed", "wounded"},
}


def read(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


SOURCES = {r["source_id"]: r for r in read("sources")}
PLACES = {r["place_id"]: r for r in read("places")}
INCIDENTS = read("incidents")
CASUALTIES = read("casualties")
COORDINATION = read("coordination")
CLAIMS = read("claims")
PUBLISHED = {sid: date.fromisoformat(r["published"]) for sid, r in SOURCES.items()}


def dated_rows():
    """(table, id, start, end, precision, phrase, source_id, direction, notes) per dated row."""
    for r in INCIDENTS:
        yield (
            "incidents",
            r["incident_id"],
            r["date_start"],
            r["date_end"],
            r["date_precision"],
            r["date_phrase"],
            r["source_id"],
            "past",
            r["notes"],
        )
    for r in COORDINATION:
        yield (
            "coordination",
            r["step_id"],
            r["date_start"],
            r["date_end"],
            r["date_precision"],
            r["date_phrase"],
            r["source_id"],
            "future" if r["status"] == "planned" else "past",
            r["notes"],
        )
    for r in CLAIMS:
        yield (
            "claims",
            r["claim_id"],
            r["period_start"],
            r["period_end"],
            None,
            r["period_phrase"],
            r["source_id"],
            "past",
            r["notes"],
        )


DATED = list(dated_rows())
WITH_PHRASE = [row for row in DATED if row[5]]
WITHOUT_PHRASE = [row for row in DATED if not row[5]]


def test_frictionless_validates_the_package():
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(DATA / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("table", sorted(CONTRACT_COLUMNS))
def test_columns_follow_the_contract_and_the_descriptor(table):
    with (DATA / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    expected = CONTRACT_COLUMNS[table].split()
    assert header[: len(expected)] == expected
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == table)
    assert header == [field["name"] for field in resource["schema"]["fields"]]


@pytest.mark.parametrize("row", WITH_PHRASE, ids=[f"{r[0]}:{r[1]}" for r in WITH_PHRASE])
def test_dates_are_what_the_resolver_gives_for_the_phrase(row):
    table, _id, start, end, precision, phrase, source_id, direction, _ = row
    resolved = dates.resolve(phrase, PUBLISHED[source_id], direction)
    assert (start, end) == (resolved.start.isoformat(), resolved.end.isoformat())
    if precision is not None:
        assert precision == resolved.precision


@pytest.mark.parametrize("row", WITHOUT_PHRASE, ids=[f"{r[0]}:{r[1]}" for r in WITHOUT_PHRASE])
def test_undated_rows_explain_their_inference_and_stay_before_publication(row):
    table, _id, start, end, precision, _phrase, source_id, direction, notes = row
    assert notes.strip(), (
        f"{table} {_id}: no date phrase, so notes must say how the date was inferred"
    )
    assert date.fromisoformat(end) <= PUBLISHED[source_id]
    if start:
        assert date.fromisoformat(start) <= date.fromisoformat(end)
    if precision is not None:
        assert dates.fits_precision(date.fromisoformat(start), date.fromisoformat(end), precision)


def test_every_dated_row_precision_is_the_narrowest_that_holds_its_range():
    for table, _id, start, end, precision, *_ in DATED:
        if precision is not None:
            assert precision == dates.precision_of(
                date.fromisoformat(start), date.fromisoformat(end)
            ), (table, _id)


def test_incidents_fall_in_2020_to_2024_and_before_their_article():
    for r in INCIDENTS:
        start, end = date.fromisoformat(r["date_start"]), date.fromisoformat(r["date_end"])
        assert date(2020, 1, 1) <= start <= end <= date(2024, 12, 31), r["incident_id"]
        assert end <= PUBLISHED[r["source_id"]], r["incident_id"]


def test_printed_publication_dates_match_the_article_text():
    for sid, r in SOURCES.items():
        if r["published_basis"] == "printed":
            text = (
                (ARTICLES / r["document"]).read_text(encoding="utf-8")
                if ARTICLES.is_dir()
                else None
            )
            if text is None:
                pytest.skip(f"{ARTICLES} is absent: cannot read the printed dates")
            d = PUBLISHED[sid]
            assert f"{d:%d-%m-%Y}" in text, sid
        else:
            assert r["notes"].strip(), f"{sid}: an inferred date must say how it was inferred"


def _norm(text: str) -> str:
    quotes = str.maketrans(
        {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " "}
    )
    return re.sub(r"\s+", " ", text.translate(quotes)).strip()


EVIDENCE = (
    [("casualties", f"{r['incident_id']}/{r['party']}/{r['outcome']}", r) for r in CASUALTIES]
    + [("coordination", r["step_id"], r) for r in COORDINATION]
    + [("claims", r["claim_id"], r) for r in CLAIMS]
)


@pytest.mark.parametrize("table,key,row", EVIDENCE, ids=[f"{t}:{k}" for t, k, _ in EVIDENCE])
def test_evidence_is_verbatim_in_its_article(table, key, row):
    if not ARTICLES.is_dir():
        pytest.skip(f"the shared articles folder {ARTICLES} is absent")
    article = _norm((ARTICLES / SOURCES[row["source_id"]]["document"]).read_text(encoding="utf-8"))
    assert len(_norm(row["evidence"])) >= 12
    assert _norm(row["evidence"]) in article


def test_the_shared_evidence_checker_reports_no_problems():
    if not CHECK_EVIDENCE.is_file() or not ARTICLES.is_dir():
        pytest.skip(f"{CHECK_EVIDENCE} or {ARTICLES} is absent")
    run = subprocess.run(
        [sys.executable, str(CHECK_EVIDENCE), str(DATA), str(ARTICLES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 problems" in run.stdout


def test_casualty_figures_are_ordered_and_never_zero_for_unknown():
    for r in CASUALTIES:
        best, low, high = (int(r[k]) if r[k] else None for k in ("best", "low", "high"))
        assert best is not None or low is not None, r
        if best is not None and low is not None:
            assert low <= best
        if best is not None and high is not None:
            assert best <= high


def _casualties_of(incident_id: str, parties: set[str], outcomes: set[str]) -> list[dict[str, str]]:
    return [
        c
        for c in CASUALTIES
        if c["incident_id"] == incident_id and c["party"] in parties and c["outcome"] in outcomes
    ]


def test_no_casualty_is_counted_in_a_claim_without_overlaps():
    """A casualty claim must list every incident of its own article that it can include."""
    incidents = {r["incident_id"]: r for r in INCIDENTS}
    for claim in CLAIMS:
        outcomes = CASUALTY_METRICS.get(claim["metric"])
        if outcomes is None:
            continue
        parties = set(filter(None, claim["party"].split(";")))
        listed = set(filter(None, claim["overlaps"].split(";")))
        start = date.fromisoformat(claim["period_start"]) if claim["period_start"] else date.min
        end = date.fromisoformat(claim["period_end"])
        for iid, inc in incidents.items():
            if inc["source_id"] != claim["source_id"]:
                continue
            inside = (
                date.fromisoformat(inc["date_start"]) <= end
                and date.fromisoformat(inc["date_end"]) >= start
            )
            place_ok = (
                not claim["place_id"]
                or PLACES[claim["place_id"]]["province"] == PLACES[inc["place_id"]]["province"]
            )
            if inside and place_ok and _casualties_of(iid, parties, outcomes):
                assert iid in listed, (
                    f"{claim['claim_id']} can include {iid} but does not list it in overlaps"
                )


def test_overlaps_name_incidents_the_claim_really_covers_and_do_not_exceed_it():
    incidents = {r["incident_id"] for r in INCIDENTS}
    for claim in CLAIMS:
        listed = [i for i in claim["overlaps"].split(";") if i]
        if not listed:
            continue
        outcomes = CASUALTY_METRICS[claim["metric"]]
        parties = set(claim["party"].split(";"))
        covered = 0
        for iid in listed:
            assert iid in incidents, f"{claim['claim_id']}: unknown incident {iid}"
            rows = _casualties_of(iid, parties, outcomes)
            assert rows, f"{claim['claim_id']}: {iid} has no {claim['metric']} of {sorted(parties)}"
            covered += sum(int(r["best"] or r["low"]) for r in rows)
        floor = claim["best"] or claim["low"]
        if floor:
            assert covered <= int(floor), (
                f"{claim['claim_id']}: its incidents hold {covered}, more than the claim's {floor}"
            )


def _inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    hit = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit


# Places whose de jure province differs from the Natural Earth polygon they fall in (codebook §6):
# Makhmour district lies in NE's Erbil polygon; NE's old Baghdad polygon covers only the city area,
# so the governorate's northern and western districts fall in its Salahaddin and Anbar polygons.
DE_JURE_EXCEPTIONS = {
    "makhmour": "Erbil",
    "qarachogh": "Erbil",
    "tarmiyah": "Salahaddin",
    "taji-camp": "Salahaddin",
    "abu-ghraib": "Anbar",
}


@pytest.mark.parametrize("place_id", sorted(PLACES))
def test_coordinates_fall_in_their_province(place_id):
    place = PLACES[place_id]
    lon, lat = float(place["lon"]), float(place["lat"])
    assert re.fullmatch(r"-?\d+\.\d{4}", place["lat"]) and re.fullmatch(
        r"-?\d+\.\d{4}", place["lon"]
    )
    features = json.loads(GEO.read_text(encoding="utf-8"))["features"]
    polygon = [
        f["properties"]["name"]
        for f in features
        if _inside(lon, lat, f["geometry"]["coordinates"][0])
    ]
    assert polygon == [DE_JURE_EXCEPTIONS.get(place_id, place["province"])]


def test_every_referenced_place_and_source_exists_and_every_place_is_used():
    used = {r["place_id"] for r in INCIDENTS} | {
        r["place_id"] for r in COORDINATION + CLAIMS if r["place_id"]
    }
    assert used <= set(PLACES)
    assert set(PLACES) <= used, f"unused places: {sorted(set(PLACES) - used)}"
    for r in INCIDENTS + CASUALTIES + COORDINATION + CLAIMS:
        assert r["source_id"] in SOURCES
    assert {r["document"] for r in SOURCES.values()} == (
        {p.name for p in ARTICLES.glob("*.txt")}
        if ARTICLES.is_dir()
        else {r["document"] for r in SOURCES.values()}
    )


def test_the_codebook_defines_every_column_and_vocabulary_value():
    codebook = CODEBOOK.read_text(encoding="utf-8")
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            assert f"`{field['name']}`" in codebook, (
                f"{resource['name']}.{field['name']} is not in the codebook"
            )
            for value in field.get("constraints", {}).get("enum", []):
                assert (
                    f"`{value}`" in codebook if isinstance(value, str) else str(value) in codebook
                ), f"{resource['name']}.{field['name']}: {value!r} is not in the codebook"


def test_the_codebook_lists_the_loaders_cross_field_rules():
    from kirkuk_analysis.data import CROSS_FIELD_RULES

    codebook = CODEBOOK.read_text(encoding="utf-8")
    for rule in CROSS_FIELD_RULES:
        assert f"- {rule}" in codebook, rule
