"""ACLED, UCDP GED and GeoJSON exports, checked against the CSVs (read here, independently of
the library), against the formats' rules, and on a fixture package whose rows fix the answer."""

from __future__ import annotations

import csv
import doctest
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from packages import load_package

from kirkuk_analysis import export, load
from kirkuk_analysis.export import ACLED_EVENT_TYPES, ACTORS, to_acled, to_geojson, to_ucdp

DATA = Path(__file__).resolve().parents[1] / "data"
EXE = Path(sys.executable).with_name("kirkuk-analysis")


def rows(table):
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def killed_by_incident():
    """incident -> killed, all parties: per party the largest figure of the sources."""
    largest = {}
    for r in rows("casualties"):
        if r["outcome"] == "killed":
            key = (r["incident_id"], r["party"])
            if r["best"] or r["low"]:  # a row without a figure gives none
                largest[key] = max(largest.get(key, 0), int(r["best"] or r["low"]))
    out = {}
    for (incident_id, _), n in largest.items():
        out[incident_id] = out.get(incident_id, 0) + n
    return out


def test_doctests():
    failures, tried = doctest.testmod(export, optionflags=doctest.ELLIPSIS)
    assert tried >= 6
    assert failures == 0


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
    assert tuple(a.columns) == export.ACLED_COLUMNS  # ACLED's own order, appendable
    assert set(export.ACLED_INTER) == set(ACTORS)
    incidents = {i["incident_id"]: i for i in rows("incidents")}
    places = {p["place_id"]: p for p in rows("places")}
    outlets = {r["source_id"]: r["outlet"] for r in rows("sources")}
    named = {}  # incident -> every outlet whose rows it has
    for r in [*rows("incidents"), *rows("casualties")]:
        named.setdefault(r["incident_id"], set()).add(outlets[r["source_id"]])
    killed = killed_by_incident()
    assert list(a.event_id_cnty) == list(incidents)
    for row in a.itertuples():
        inc = incidents[row.event_id_cnty]
        place = places[inc["place_id"]]
        assert (row.admin1, row.location) == (place["province"], place["name"])
        assert (row.latitude, row.longitude) == (float(place["lat"]), float(place["lon"]))
        assert row.event_date == inc["date_start"]
        assert (
            row.time_precision
            == {"day": 1, "week": 2, "month": 3, "year": 3}[inc["date_precision"]]
        )
        assert row.fatalities == killed.get(row.event_id_cnty, 0)
        assert row.actor1 == ACTORS[inc["perpetrator"]]
        inters = export.ACLED_INTER[inc["perpetrator"]], export.ACLED_INTER[inc["target"]]
        assert (row.inter1, row.inter2) == inters
        assert row.interaction == 10 * min(inters) + max(inters)
        assert (row.civilian_targeting == "Civilian targeting") == (inc["target"] == "civilians")
        assert set(row.source.split("; ")) == named[row.event_id_cnty]
        if inc["target"] != "civilians" or inc["event_type"] not in (
            "armed_clash",
            "armed_assault",
            "ambush",
        ):
            assert (row.event_type, row.sub_event_type) == ACLED_EVENT_TYPES[inc["event_type"]]
        assert inc["date_start"] in row.notes and inc["date_end"] in row.notes


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
    parts = u[["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]]
    assert u.best.isna().equals(parts.isna().all(axis=1))  # unknown stays empty, never 0
    assert (u.best.dropna() == parts.sum(axis=1).loc[u.best.notna()]).all()
    assert ((u.low <= u.best) & (u.best <= u.high)).dropna().all()
    killed = killed_by_incident()
    for inc in rows("incidents"):
        row = u.loc[inc["incident_id"]]
        if inc["incident_id"] in killed:
            assert row.best == killed[inc["incident_id"]]
            assert bool(row.ucdp_eligible) == (killed[inc["incident_id"]] > 0)
        else:
            assert pd.isna(row.best) and pd.isna(row.low) and not row.ucdp_eligible
        state = set(export.STATE_FORCES)
        state_hit = inc["target"] in state or any(
            r["incident_id"] == inc["incident_id"] and r["party"] in state
            for r in rows("casualties")
        )
        if inc["target"] == "civilians" and not state_hit:
            assert (row.type_of_violence, row.side_b) == (3, "Civilians")
        elif inc["perpetrator"] in state or state_hit:
            assert (row.type_of_violence, row.side_a) == (1, export.UCDP_GOVERNMENT)
            assert (
                row.side_b
                == ACTORS[inc["target"] if inc["perpetrator"] in state else inc["perpetrator"]]
            )
        else:
            assert row.type_of_violence == 2
        assert (row.date_start, row.date_end) == (inc["date_start"], inc["date_end"])
        if inc["geo_precision"] == "1":
            assert row.where_prec == 1


def _makhmour(**cells):
    return {
        "place_id": "makhmour",
        "name": "Makhmour",
        "kind": "town",
        "district": "Makhmour",
        "province": "Nineveh",
        "lat": 35.7766,
        "lon": 43.5800,
    } | cells


@pytest.fixture
def fixture_ds(tmp_path):
    return load_package(
        tmp_path,
        sources=[{"source_id": "a", "outlet": "Outlet A"}, {"source_id": "b"}],
        places=[
            {"place_id": "kirkuk-city"},
            {
                "place_id": "kirkuk-province",
                "name": "Kirkuk province",
                "kind": "province",
                "district": "",
                "lat": 35.3545,
                "lon": 44.1376,
            },
            _makhmour(),
        ],
        incidents=[
            {  # a clash near Makhmour: two sources disagree on the Peshmerga toll
                "incident_id": "I01",
                "date_start": "2021-12-02",
                "place_id": "makhmour",
                "geo_precision": 2,
                "source_id": "a",
            },
            {  # an arrest "in Kirkuk" some day in four
                "incident_id": "I02",
                "date_start": "2021-04-29",
                "date_end": "2021-05-02",
                "date_precision": "week",
                "place_id": "kirkuk-province",
                "geo_precision": 3,
                "event_type": "arrest",
                "perpetrator": "national_security",
                "target": "unknown",
            },
            {  # a bombing that wounded a civilian
                "incident_id": "I03",
                "event_type": "explosive_device",
                "perpetrator": "unknown",
                "target": "civilians",
            },
            {"incident_id": "I04", "target": "civilians"},  # an armed attack on civilians
        ],
        casualties=[
            {"incident_id": "I01", "source_id": "a", "best": 10},
            {"incident_id": "I01", "source_id": "b", "best": 12, "low": 11, "high": 15},
            {"incident_id": "I01", "source_id": "a", "party": "civilians", "best": 3},
            {"incident_id": "I01", "source_id": "b", "party": "isis", "best": 2, "high": ""},
            {"incident_id": "I02", "party": "unknown", "outcome": "captured"},
            {"incident_id": "I03", "party": "civilians", "outcome": "wounded"},
            {"incident_id": "I04", "party": "civilians", "best": 2},
        ],
    )


def test_acled_on_a_fixture(fixture_ds):
    a = to_acled(fixture_ds).set_index("event_id_cnty")
    i01 = a.loc["I01"]
    assert i01.fatalities == 12 + 3 + 2  # the larger Peshmerga toll, never 10 + 12
    assert (i01.event_type, i01.sub_event_type) == ("Battles", "Armed clash")
    assert (i01.actor1, i01.actor2) == (ACTORS["isis"], ACTORS["peshmerga"])
    assert (i01.admin1, i01.admin2, i01.location) == ("Nineveh", "Makhmour", "Makhmour")
    assert (i01.geo_precision, i01.time_precision) == (2, 1)
    assert i01.source.split("; ")[0] == "Outlet A"  # the incident's own article first
    i02 = a.loc["I02"]
    assert (i02.event_date, i02.time_precision, i02.fatalities) == ("2021-04-29", 2, 0)
    assert (i02.disorder_type, i02.sub_event_type) == ("Strategic developments", "Arrests")
    assert a.loc["I03", "event_type"] == "Explosions/Remote violence"
    i04 = a.loc["I04"]
    assert (i04.event_type, i04.sub_event_type) == ("Violence against civilians", "Attack")
    assert i04.fatalities == 2


def test_ucdp_on_a_fixture(fixture_ds):
    u = to_ucdp(fixture_ds).set_index("id")
    i01 = u.loc["I01"]
    assert (i01.deaths_a, i01.deaths_b, i01.deaths_civilians) == (12, 2, 3)
    assert pd.isna(i01.deaths_unknown)  # no figure: empty, never 0
    # best: the larger Peshmerga toll (b's 12); low: the least a source gives (a's 10)
    assert (i01.low, i01.best, i01.high) == (10 + 3 + 2, 17, 15 + 3 + 2)
    assert (i01.type_of_violence, i01.date_prec, i01.where_prec) == (1, 1, 2)
    assert i01.ucdp_eligible
    i02 = u.loc["I02"]
    assert (i02.date_prec, i02.where_prec) == (2, 4) and pd.isna(i02.best)  # four days
    assert not i02.ucdp_eligible  # an arrest, no death
    i03 = u.loc["I03"]
    assert (i03.type_of_violence, i03.side_b, i03.where_prec) == (3, "Civilians", 1)
    assert not i03.ucdp_eligible  # wounded only
    assert u.loc["I04", "ucdp_eligible"] and u.loc["I04", "deaths_civilians"] == 2


def test_geojson_on_a_fixture(fixture_ds):
    fc = to_geojson(fixture_ds)
    features = {f["id"]: f for f in fc["features"]}
    assert features["I02"]["geometry"]["coordinates"] == [44.1376, 35.3545]  # lon, lat
    assert features["I02"]["properties"]["killed"] is None  # unknown, not 0
    assert features["I02"]["properties"]["captured"] == 1
    assert features["I01"]["properties"]["killed"] == 17


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
        if inc["incident_id"] not in killed_by_incident():
            assert feature["properties"]["killed"] is None  # unknown, not 0


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


def test_unknown_deaths_stay_empty_and_reported_ones_count(tmp_path):
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01", "target": "civilians"},  # "several killed": no figure
            {"incident_id": "I02"},  # "no one was killed"
            {"incident_id": "I03", "perpetrator": "unknown"},  # gunmen; one shot dead
            {"incident_id": "I04", "target": "unknown"},  # ISIS against another group
            {"incident_id": "I05"},  # at least two; three to five
        ],
        casualties=[
            {"incident_id": "I01", "party": "civilians", "best": "", "low": "", "high": ""},
            {"incident_id": "I02", "best": 0, "evidence": "no one was killed in the attack"},
            {"incident_id": "I03", "party": "unknown", "best": 1},
            {"incident_id": "I03", "best": 2},
            {"incident_id": "I04", "party": "unknown", "best": 3},
            {"incident_id": "I05", "best": 2, "high": ""},
            {"incident_id": "I05", "party": "isis", "best": "", "low": 3, "high": 5},
        ],
    )
    u = to_ucdp(ds).set_index("id")
    assert pd.isna(u.loc["I01", "best"]) and u.loc["I01", "ucdp_eligible"]  # deaths reported
    assert u.loc["I02", "best"] == 0 and not u.loc["I02", "ucdp_eligible"]
    # the unidentified gunman is side b: his death is with ISIS's, not of unknown status
    assert (u.loc["I03", "deaths_a"], u.loc["I03", "deaths_b"]) == (2, 1)
    assert pd.isna(u.loc["I03", "deaths_unknown"])
    assert u.loc["I04", "type_of_violence"] == 2  # no state force: non-state
    assert (u.loc["I05", "low"], u.loc["I05", "best"], u.loc["I05", "high"]) == (5, 5, 7)
    notes = to_acled(ds).set_index("event_id_cnty").notes
    assert notes["I01"].endswith("Deaths reported without a figure.")
    assert notes["I05"].endswith("Killed: at least 5 (a floor).")
    assert "Killed:" not in notes["I03"]


def test_a_range_is_exported_as_a_range_and_state_deaths_make_a_side(tmp_path):
    """ "3 to 5 killed" is a range in ACLED's notes, not a floor; an attack on civilians
    that also killed policemen is state-based in UCDP, their deaths side a's (the
    government's), never the attackers'."""
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[
            {"incident_id": "I01"},  # three to five soldiers killed
            {"incident_id": "I02", "target": "civilians"},  # and two policemen killed
            {"incident_id": "I03", "target": "civilians"},  # civilians alone
            {"incident_id": "I04", "perpetrator": "iraqi_army", "target": "civilians"},
        ],
        casualties=[
            {"incident_id": "I01", "party": "iraqi_army", "best": "", "low": 3, "high": 5},
            {"incident_id": "I02", "party": "local_police", "best": 2},
            {"incident_id": "I02", "party": "civilians", "best": 3},
            {"incident_id": "I03", "party": "civilians", "best": 1},
            {"incident_id": "I04", "party": "civilians", "best": 1},
        ],
    )
    notes = to_acled(ds).set_index("event_id_cnty").notes
    assert notes["I01"].endswith("Killed: 3 to 5.")
    u = to_ucdp(ds).set_index("id")
    i02 = u.loc["I02"]
    assert (i02.type_of_violence, i02.side_a, i02.side_b) == (
        1, export.UCDP_GOVERNMENT, ACTORS["isis"]
    )  # fmt: skip
    assert (i02.deaths_a, i02.deaths_b, i02.deaths_civilians) == (2, None, 3) or (
        i02.deaths_a == 2 and pd.isna(i02.deaths_b) and i02.deaths_civilians == 3
    )
    assert (u.loc["I03", "type_of_violence"], u.loc["I03", "side_a"]) == (3, ACTORS["isis"])
    # the government attacking civilians is one-sided, the government side a
    assert (u.loc["I04", "type_of_violence"], u.loc["I04", "side_a"]) == (
        3, export.UCDP_GOVERNMENT
    )  # fmt: skip


def test_ucdp_sides_never_put_the_government_on_both_sides_or_civilians_in_a_battle(tmp_path):
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[
            # an Iraqi force attacking civilians, with losses of its own: one-sided still
            {"incident_id": "I01", "perpetrator": "iraqi_army", "target": "civilians"},
            # the coalition alone against civilians: not the Government of Iraq
            {"incident_id": "I02", "perpetrator": "coalition", "target": "civilians"},
            # state forces against each other: both named
            {"incident_id": "I03", "perpetrator": "coalition", "target": "iraqi_army"},
        ],
        casualties=[
            {"incident_id": "I01", "party": "iraqi_army", "best": 1},
            {"incident_id": "I01", "party": "civilians", "best": 2},
            {"incident_id": "I02", "party": "civilians", "best": 1},
            {"incident_id": "I03", "party": "iraqi_army", "best": 1},
        ],
    )
    u = to_ucdp(ds).set_index("id")
    assert tuple(u.loc["I01", ["type_of_violence", "side_a", "side_b"]]) == (
        3, export.UCDP_GOVERNMENT, "Civilians"
    )  # fmt: skip
    assert tuple(u.loc["I02", ["type_of_violence", "side_a"]]) == (3, ACTORS["coalition"])
    assert tuple(u.loc["I03", ["side_a", "side_b"]]) == (ACTORS["coalition"], ACTORS["iraqi_army"])
    battles = u[u.type_of_violence == 1]
    assert not (battles.side_b == "Civilians").any()
    assert not ((u.side_a == export.UCDP_GOVERNMENT) & (u.side_b == export.UCDP_GOVERNMENT)).any()


def test_a_value_the_crosswalk_lacks_is_refused_not_exported_empty(tmp_path, capsys):
    from packages import make_package

    from kirkuk_analysis import cli
    from kirkuk_analysis.export import ExportError

    folder = make_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "event_type": "rocket_attack"}],
        casualties=[{"party": "yazidi_militia", "best": 2}],
    )
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            enum = field.get("constraints", {}).get("enum")
            added = {"event_type": "rocket_attack", "party": "yazidi_militia"}
            added |= {"perpetrator": "yazidi_militia", "target": "yazidi_militia"}
            if field["name"] in added and enum:
                enum.append(added[field["name"]])
                if "categories" in field:
                    field["categories"].append(added[field["name"]])
    (folder / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")
    ds = load(folder)
    with pytest.raises(ExportError, match="event_type 'rocket_attack'.*party 'yazidi_militia'"):
        to_acled(ds)
    with pytest.raises(ExportError, match="party 'yazidi_militia'"):
        to_ucdp(ds)
    assert cli.main(["export", "--format", "ucdp", "--data-dir", str(folder)]) == 2
    assert "no UCDP crosswalk for party 'yazidi_militia'" in capsys.readouterr().err


def test_ucdp_names_every_article_its_figures_come_from(fixture_ds):
    u = to_ucdp(fixture_ds).set_index("id")
    # I01's Peshmerga toll is the larger of two outlets': both are named, the incident's first
    assert u.loc["I01", "number_of_sources"] == 2
    assert u.loc["I01", "source_article"].split("; ")[0].startswith("Outlet A, ")
    assert u.loc["I04", "number_of_sources"] == 1


def test_a_party_selection_chooses_events_and_keeps_their_whole_tolls(fixture_ds):
    from kirkuk_analysis import analysis

    sel = analysis.select(fixture_ds, parties="civilians")
    whole_acled = to_acled(fixture_ds).set_index("event_id_cnty")
    acled = to_acled(sel).set_index("event_id_cnty")
    assert set(acled.index) == set(sel.incidents.incident_id)
    assert (acled.fatalities == whole_acled.fatalities.loc[acled.index]).all()
    ucdp = to_ucdp(sel).set_index("id")
    assert ucdp.loc["I01", "best"] == to_ucdp(fixture_ds).set_index("id").loc["I01", "best"]
    features = {f["id"]: f["properties"] for f in to_geojson(sel)["features"]}
    assert features["I01"]["killed"] == 17


def test_geojson_properties_are_the_same_for_every_selection(ds):
    """One schema for every export (GIS layers append): the properties do not depend on
    which parties have casualty rows in the selection."""
    from kirkuk_analysis import analysis

    def keys(fc):
        return {tuple(f["properties"]) for f in fc["features"]}

    (whole,) = keys(to_geojson(ds))
    for party in sorted(set(ds.casualties.party.astype(str))):
        assert keys(to_geojson(analysis.select(ds, parties=party))) <= {whole}
    assert {f"killed_{p}" for p in ds.vocab.parties} <= set(whole)


def test_a_selection_of_a_selection_exports_as_the_one_selection(ds):
    """Narrowing a party selection again (by province, period or party) keeps its events'
    whole tolls: the export equals that of the same choices made at once."""
    from kirkuk_analysis import analysis

    parties = sorted(set(ds.casualties.party.astype(str)))[:4]
    places = ds.places[ds.places.place_id.isin(ds.incidents.place_id)]
    provinces = sorted(set(places.province.astype(str)))[:2]
    for party in parties:
        first = analysis.select(ds, parties=party)
        for province in provinces:
            chained = analysis.select(first, provinces=province)
            at_once = analysis.select(ds, parties=party, provinces=province)
            for export_to in (to_acled, to_ucdp):
                pd.testing.assert_frame_equal(export_to(chained), export_to(at_once))
        later = analysis.select(first, start="2021-06-01", end="2023-12-31")
        pd.testing.assert_frame_equal(
            to_acled(later),
            to_acled(analysis.select(ds, "2021-06-01", "2023-12-31", parties=party)),
        )


@pytest.mark.parametrize("export_to", [to_acled, to_ucdp])
def test_an_empty_export_has_the_columns_types_of_a_full_one(ds, export_to):
    from kirkuk_analysis import analysis

    empty = export_to(analysis.select(ds, "1999-01-01", "1999-01-31"))  # before any record
    full = export_to(ds)
    assert empty.empty and list(empty.columns) == list(full.columns)
    assert empty.dtypes.astype(str).to_dict() == full.dtypes.astype(str).to_dict()


def _differing(tmp_path):
    """Two outlets giving 2 and 3 dead for one attack, a range, and a floor."""
    return load_package(
        tmp_path,
        sources=[{"source_id": "a", "outlet": "Rudaw"}, {"source_id": "b", "outlet": "KirkukNow"}],
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02"}, {"incident_id": "I03"}],
        casualties=[
            {"source_id": "a", "party": "iraqi_army", "best": 2, "low": 2, "high": 2,
             "evidence": "killing two soldiers"},
            {"source_id": "b", "party": "iraqi_army", "best": 3, "low": 3, "high": 3,
             "evidence": "three soldiers were killed"},
            {"incident_id": "I02", "source_id": "a", "party": "civilians", "best": "", "low": 3,
             "high": 5, "evidence": "between three and five civilians were killed"},
            {"incident_id": "I03", "source_id": "a", "party": "civilians", "best": 4, "low": 4,
             "high": "", "evidence": "at least four civilians were killed"},
        ],
    )  # fmt: skip


def test_exports_say_when_sources_differ_and_keep_ranges_and_floors(tmp_path):
    """One number per event, the largest a source gives (codebook §4 rule 5), yet the
    exports keep what it stands for: ACLED's notes and the GeoJSON name each outlet's
    figure; UCDP's low is the least any source gives; GeoJSON keeps a range's ceiling and a
    floor's open end (killed_high null), and lists every outlet."""
    ds = _differing(tmp_path)
    notes = export.to_acled(ds).set_index("event_id_cnty")["notes"]
    first = notes[notes.index.str.endswith("I01")].iloc[0]
    assert "Sources differ on the killed: Iraqi Army: Rudaw 2, KirkukNow 3" in first
    ucdp = export.to_ucdp(ds).set_index("id")
    assert (ucdp.loc["I01", "low"], ucdp.loc["I01", "best"], ucdp.loc["I01", "high"]) == (2, 3, 3)
    props = {f["id"]: f["properties"] for f in export.to_geojson(ds)["features"]}
    assert (props["I01"]["killed"], props["I01"]["killed_low"], props["I01"]["killed_high"]) == (
        3,
        2,
        3,
    )
    assert props["I01"]["outlets"] == "Rudaw; KirkukNow" and props["I01"]["sources"] == "a; b"
    assert "Rudaw 2, KirkukNow 3" in props["I01"]["killed_note"]
    assert (props["I02"]["killed_low"], props["I02"]["killed_high"]) == (3, 5)
    assert props["I03"]["killed_high"] is None and "at least 4" in props["I03"]["killed_note"]
    assert set(props["I01"]) == set(props["I03"])  # one schema


def test_geojson_has_no_ceiling_where_a_partys_dead_have_no_number(tmp_path):
    """Two soldiers killed and civilians killed without a number: at least 2, so no
    killed_high, as its note says."""
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[
            {"party": "iraqi_army", "best": 2, "evidence": "killing two soldiers"},
            {"party": "civilians", "best": "", "evidence": "civilians were also killed"},
        ],
    )
    (feature,) = export.to_geojson(ds)["features"]
    props = feature["properties"]
    assert props["killed"] == 2 and props["killed_high"] is None
    assert "at least 2" in props["killed_note"]
