"""The shipped data package: schema, columns, places, precision, and the audit against articles.

Most tests read the CSVs with the standard library, independently of ``kirkuk_analysis.load``,
so that a bug in the loader cannot hide a bug in the data (and the other way round). Evidence,
hashes, printed dates, dates re-derived from their phrases and claims' overlaps are checked by
the project's audit (``kirkuk_analysis.audit``, itself tested on broken copies in
tests/test_audit.py) and by the shared reference checker. Nothing here pins today's figures: a
correct new article keeps these tests green.
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


@pytest.mark.parametrize("table", sorted(CONTRACT_COLUMNS))
def test_columns_follow_the_contract_and_the_descriptor(table):
    with (DATA / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    expected = CONTRACT_COLUMNS[table].split()
    assert header[: len(expected)] == expected
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == table)
    assert header == [field["name"] for field in resource["schema"]["fields"]]


def test_the_project_audit_passes_on_the_shipped_data(articles_dir):
    """Evidence verbatim, hashes, printed dates, dates re-derived, overlaps: all of it."""
    from kirkuk_analysis.audit import audit

    problems = audit(DATA, articles_dir)
    assert not problems, "\n".join(map(str, problems))


def test_the_shared_evidence_checker_agrees(articles_dir, evidence_checker):
    checker = evidence_checker
    run = subprocess.run(
        [sys.executable, str(checker), str(DATA), str(articles_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 problems" in run.stdout


def test_every_dated_row_precision_is_the_narrowest_that_holds_its_range():
    for table, id_col in (("incidents", "incident_id"), ("coordination", "step_id")):
        for r in read(table):
            start, end = date.fromisoformat(r["date_start"]), date.fromisoformat(r["date_end"])
            assert r["date_precision"] == dates.precision_of(start, end), (table, r[id_col])


def test_incidents_fall_in_2020_to_2024_and_before_their_article():
    for r in INCIDENTS:
        start, end = date.fromisoformat(r["date_start"]), date.fromisoformat(r["date_end"])
        assert date(2020, 1, 1) <= start <= end <= date(2024, 12, 31), r["incident_id"]
        assert end <= PUBLISHED[r["source_id"]], r["incident_id"]


def test_casualty_figures_are_ordered_and_never_zero_for_unknown():
    for r in CASUALTIES:
        best, low, high = (int(r[k]) if r[k] else None for k in ("best", "low", "high"))
        assert best is not None or low is not None, r
        if best is not None and low is not None:
            assert low <= best
        if best is not None and high is not None:
            assert best <= high


@pytest.mark.parametrize("place_id", sorted(PLACES))
def test_coordinates_are_given_to_four_decimals(place_id):
    # the point against its province's polygon is the audit's rule (audit.check_places)
    place = PLACES[place_id]
    assert re.fullmatch(r"-?\d+\.\d{4}", place["lat"]) and re.fullmatch(
        r"-?\d+\.\d{4}", place["lon"]
    )


def test_every_referenced_place_and_source_exists_and_every_place_is_used():
    used = {r["place_id"] for r in INCIDENTS} | {
        r["place_id"] for r in COORDINATION + CLAIMS if r["place_id"]
    }
    assert used <= set(PLACES)
    assert set(PLACES) <= used, f"unused places: {sorted(set(PLACES) - used)}"
    for r in INCIDENTS + CASUALTIES + COORDINATION + CLAIMS:
        assert r["source_id"] in SOURCES
    documents = [r["document"] for r in SOURCES.values()]
    assert len(set(documents)) == len(documents)


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


def test_the_codebook_lists_the_loaders_and_the_audits_rules():
    from kirkuk_analysis.audit import ARTICLE_RULES
    from kirkuk_analysis.data import CROSS_FIELD_RULES

    codebook = CODEBOOK.read_text(encoding="utf-8")
    for rule in CROSS_FIELD_RULES + ARTICLE_RULES:
        assert f"- {rule}" in codebook, rule


def test_a_selections_repr_says_what_it_was_narrowed_to():
    """Printed in a notebook, a selection says it is one, and of what: its counts are not
    the package's."""
    from kirkuk_analysis import analysis, load

    ds = load()
    chosen = analysis.select(ds, start="2021-01-01", end="2021-12-31", provinces=["Kirkuk"])
    assert "selection (2021-01-01 to 2021-12-31; Kirkuk)" in repr(chosen)
    assert f"incidents={len(chosen.incidents)}" in repr(chosen)
    assert "selection" not in repr(ds)
