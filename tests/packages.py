"""Small data packages built inside the tests, so a test's expected figures come from rows it
wrote itself and never from the shipped articles (adding a correct article breaks no test).

    ds = load_package(tmp_path, sources=[{"source_id": "a"}, {"source_id": "b"}],
                      incidents=[{"incident_id": "I01", "date_start": "2021-12-02"}],
                      casualties=[{"best": 10}, {"source_id": "b", "best": 12}])

``make_package`` copies the shipped ``datapackage.json`` (the one schema) and writes every
table with the columns that schema lists *at run time*, in its order. A row is a dict of the
cells a test cares about; every other cell comes from :data:`DEFAULTS`, the one place to
change when the schema grows a column. A default is a string, or a function of
``(row, index, tables)`` for cells that depend on the row (``date_end`` = ``date_start``), on
its position (ids) or on the other tables (the first source, the first place).

Fixture rows are fictional: written for the tests, in their own words, about no real event.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from kirkuk_analysis import _paths, load
from kirkuk_analysis.data import TABLES, Dataset


def _first(table: str, column: str) -> Callable:
    return lambda row, i, tables: tables[table][0][column] if tables[table] else ""


def _same_as(column: str) -> Callable:
    return lambda row, i, tables: row[column]


#: Per-table default cells. Only columns present in the schema are written; a schema column
#: missing here and in a row is left empty (and load() says so if it is required).
DEFAULTS: dict[str, dict[str, str | Callable]] = {
    "sources": {
        "source_id": lambda row, i, tables: f"fixture-{i + 1}",
        "outlet": "Fixture Outlet",
        "headline": "A fictional article written for the tests",
        "published": "2021-12-06",
        "published_precision": "day",
        "published_basis": "inferred",
        "dateline": "Kirkuk",
        "document": lambda row, i, tables: f"{row['source_id']}.txt",
        "url": "",
        "notes": "Fictional source written for the tests.",
        "sha256": lambda row, i, tables: hashlib.sha256(row["source_id"].encode()).hexdigest(),
    },
    "places": {
        "place_id": "kirkuk-city",
        "name": "Kirkuk",
        "kind": "city",
        "district": "Kirkuk",
        "province": "Kirkuk",
        "lat": "35.4681",
        "lon": "44.3922",
        "disputed": "true",
        "notes": "",
    },
    "incidents": {
        "incident_id": lambda row, i, tables: f"I{i + 1:02d}",
        "date_start": "2021-12-05",
        "date_end": _same_as("date_start"),
        "date_precision": "day",
        "date_phrase": "",
        "place_id": _first("places", "place_id"),
        "geo_precision": "1",
        "event_type": "armed_clash",
        "perpetrator": "isis",
        "target": "peshmerga",
        "summary": "A fictional attack written for the tests.",
        "notes": "",
        "source_id": _first("sources", "source_id"),
        "date_basis": "inferred",
    },
    "casualties": {
        "incident_id": _first("incidents", "incident_id"),
        "source_id": _first("sources", "source_id"),
        "party": "peshmerga",
        "outcome": "killed",
        "best": "1",
        "low": _same_as("best"),
        "high": _same_as("best"),
        "evidence": "a fictional excerpt written for the tests",
    },
    "coordination": {
        "step_id": lambda row, i, tables: f"K{i + 1:02d}",
        "date_start": "2021-12-06",
        "date_end": _same_as("date_start"),
        "date_precision": "day",
        "date_phrase": "",
        "kind": "meeting",
        "status": "reported",
        "parties": "peshmerga;iraqi_army",
        "place_id": "",
        "summary": "A fictional meeting written for the tests.",
        "source_id": _first("sources", "source_id"),
        "evidence": "a fictional excerpt written for the tests",
        "notes": "",
        "date_basis": "inferred",
    },
    "claims": {
        "claim_id": lambda row, i, tables: f"C{i + 1:02d}",
        "period_start": "",
        "period_end": "2021-12-06",
        "claimant": "Fixture claimant",
        "metric": "killed",
        "party": "peshmerga",
        "best": "1",
        "low": _same_as("best"),
        "high": "",
        "place_id": "",
        "source_id": _first("sources", "source_id"),
        "evidence": "a fictional excerpt written for the tests",
        "overlaps": "",
        "period_phrase": "",
        "notes": "",
        "date_basis": "inferred",
    },
}


def schema_columns(descriptor: Mapping) -> dict[str, list[str]]:
    """Table name -> its column names, in the order of the data package's schema."""
    return {
        r["name"]: [f["name"] for f in r["schema"]["fields"]]
        for r in descriptor["resources"]
        if r.get("name") in TABLES
    }


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _complete(table: str, columns: list[str], rows: Sequence[Mapping], tables: dict) -> list:
    """Fill each row's missing cells from DEFAULTS; return the rows as dicts of strings.

    Cells are filled in schema order, so a default may use any column before it (and any
    column the test gave). ``tables`` holds the tables completed so far (sources, places,
    incidents come first), for defaults that point at them.
    """
    out = []
    for i, given in enumerate(rows):
        unknown = set(given) - set(columns)
        if unknown:
            raise ValueError(f"{table}: no column(s) {sorted(unknown)} in the schema {columns}")
        row = {c: _cell(v) for c, v in given.items()}
        for column in columns:
            if column in row:
                continue
            default = DEFAULTS.get(table, {}).get(column, "")
            row[column] = _cell(default(row, i, tables) if callable(default) else default)
        out.append({c: row[c] for c in columns})
    return out


def make_package(
    folder: Path,
    *,
    sources: Sequence[Mapping] | None = None,
    places: Sequence[Mapping] | None = None,
    incidents: Sequence[Mapping] = (),
    casualties: Sequence[Mapping] = (),
    coordination: Sequence[Mapping] = (),
    claims: Sequence[Mapping] = (),
) -> Path:
    """Write a data package into ``folder / "data"`` and return that folder.

    ``sources`` and ``places`` default to one row each (a fictional source, Kirkuk city), so
    a test that only cares about incidents gives incidents; the other tables default to
    empty (header only). Foreign keys left out point at the first source, place, incident.
    """
    target = Path(folder) / "data"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(_paths.data_dir() / "datapackage.json", target / "datapackage.json")
    descriptor = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    columns = schema_columns(descriptor)
    paths = {r["name"]: r["path"] for r in descriptor["resources"] if r.get("name") in TABLES}
    given = {
        "sources": [{}] if sources is None else sources,
        "places": [{}] if places is None else places,
        "incidents": incidents,
        "casualties": casualties,
        "coordination": coordination,
        "claims": claims,
    }
    tables: dict[str, list[dict[str, str]]] = {}
    for table in TABLES:
        tables[table] = _complete(table, columns[table], given[table], tables)
        with (target / paths[table]).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns[table], lineterminator="\n")
            writer.writeheader()
            writer.writerows(tables[table])
    return target


def load_package(folder: Path, **tables: Sequence[Mapping] | None) -> Dataset:
    """:func:`make_package`, then :func:`kirkuk_analysis.load` on it (validated, typed)."""
    return load(make_package(folder, **tables))
