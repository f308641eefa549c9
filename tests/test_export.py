"""ACLED, UCDP GED and GeoJSON exports, checked against the CSVs and the formats' rules."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kirkuk_analysis import load
from kirkuk_analysis.export import ACLED_EVENT_TYPES, ACTORS, to_acled, to_geojson, to_ucdp

DATA = Path(__file__).resolve().parents[1] / "data"
EXE = Path(sys.executable).with_name("kirkuk-analysis")


def rows(table):
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def killed_by_incident():
    out = {}
    for r in rows("casualties"):
        if r["outcome"] == "killed":
            out[r["incident_id"]] = out.get(r["incident_id"], 0) + int(r["best"] or r["low"] or 0)
    return out


@pytest.fixture(scope="module")
def ds():
    return load()


def test_acled_columns_and_codes(ds):
    a = to_acled(ds)
    for column in (
        "event_date",
        "time_precision",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor2",
        "admin1",
        "admin2",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "source",
        "notes",
        "fatalities",
    ):
        assert column in a.columns
    incidents = {i["incident_id"]: i for i in rows("incidents")}
    killed = killed_by_incident()
    assert list(a.event_id_cnty) == list(incidents)
    for row in a.itertuples():
        inc = incidents[row.event_id_cnty]
        assert row.event_date == inc["date_start"]
        assert (
            row.time_precision
            == {"day": 1, "week": 2, "month": 3, "year": 3}[inc["date_precision"]]
        )
        assert row.fatalities == killed.get(row.event_id_cnty, 0)
        assert row.actor1 == ACTORS[inc["perpetrator"]]
        if inc["target"] != "civilians" or inc["event_type"] not in (
            "armed_clash",
            "armed_assault",
            "ambush",
        ):
            assert (row.event_type, row.sub_event_type) == ACLED_EVENT_TYPES[inc["event_type"]]
        assert inc["date_start"] in row.notes and inc["date_end"] in row.notes
    assert a.set_index("event_id_cnty").loc["I08", "sub_event_type"] == "Arrests"
    assert a.set_index("event_id_cnty").loc["I10", "admin1"] == "Nineveh"


def test_ucdp_columns_and_deaths(ds):
    u = to_ucdp(ds).set_index("id")
    for column in (
        "date_start",
        "date_end",
        "date_prec",
        "where_prec",
        "best",
        "low",
        "high",
        "deaths_a",
        "deaths_b",
        "deaths_civilians",
        "deaths_unknown",
        "source_article",
        "source_headline",
        "type_of_violence",
    ):
        assert column in u.columns
    assert (u.best == u.deaths_a + u.deaths_b + u.deaths_civilians + u.deaths_unknown).all()
    assert (u.low <= u.best).all() and (u.best <= u.high).all()
    killed = killed_by_incident()
    for incident_id, value in killed.items():
        assert u.loc[incident_id, "best"] == value
    assert (u.loc["I10", ["deaths_a", "deaths_civilians"]] == [10, 3]).all()
    assert u.loc["I12", "deaths_a"] == 1 and u.loc["I12", "deaths_b"] == 1
    assert u.loc["I06", "type_of_violence"] == 3  # bombing that wounded a civilian
    assert u.loc["I01", "date_prec"] == 4 and u.loc["I10", "date_prec"] == 1
    assert u.loc["I08", "date_prec"] == 2  # four days
    assert not u.loc["I08", "ucdp_eligible"] and u.loc["I10", "ucdp_eligible"]
    assert u.loc["I11", "where_prec"] == 4 and u.loc["I06", "where_prec"] == 1


def test_geojson_is_rfc7946(ds):
    fc = json.loads(json.dumps(to_geojson(ds), allow_nan=False))
    assert fc["type"] == "FeatureCollection"
    places = {p["place_id"]: p for p in rows("places")}
    incidents = rows("incidents")
    assert len(fc["features"]) == len(incidents)
    for feature, inc in zip(fc["features"], incidents, strict=True):
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["geometry"]["type"] == "Point"
        assert (lon, lat) == (
            float(places[inc["place_id"]]["lon"]),
            float(places[inc["place_id"]]["lat"]),
        )
        assert feature["properties"]["date_start"] == inc["date_start"]
    i01 = next(f for f in fc["features"] if f["id"] == "I01")
    assert i01["properties"]["killed"] is None  # unknown, not 0


def test_geojson_reads_in_gdal(ds, tmp_path):
    """GDAL's GeoJSON driver (through pyogrio, as geopandas reads files) reads every point."""
    import struct

    pyogrio = pytest.importorskip("pyogrio")  # a dev dependency: present in `make test`
    path = tmp_path / "incidents.geojson"
    path.write_text(json.dumps(to_geojson(ds)), encoding="utf-8")
    meta, _, geometry, fields = pyogrio.raw.read(path)
    assert meta["geometry_type"] == "Point"
    assert meta["crs"] == "EPSG:4326"
    assert len(geometry) == len(ds.incidents)
    columns = dict(zip(meta["fields"], fields, strict=True))
    places = ds.places.set_index("place_id")
    for incident_id, wkb in zip(columns["incident_id"], geometry, strict=True):
        lon, lat = struct.unpack("<dd", bytes(wkb)[5:21])  # little-endian WKB point
        place = places.loc[ds.incidents.set_index("incident_id").place_id[incident_id]]
        assert (lon, lat) == (place.lon, place.lat)


@pytest.mark.parametrize("fmt", ["acled", "ucdp", "geojson"])
def test_cli_export(fmt, tmp_path, ds):
    out = tmp_path / f"out.{fmt}"
    run = subprocess.run(
        [str(EXE), "export", "--format", fmt, "--output", str(out)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    text = out.read_text(encoding="utf-8")
    if fmt == "geojson":
        assert len(json.loads(text)["features"]) == len(ds.incidents)
    else:
        frame = pd.read_csv(io.StringIO(text))
        assert len(frame) == len(ds.incidents)
        expected = to_acled(ds) if fmt == "acled" else to_ucdp(ds)
        assert list(frame.columns) == list(expected.columns)
