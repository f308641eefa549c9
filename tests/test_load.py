"""load(): typed frames from the shipped package, and every bad input named by FILE:LINE: COLUMN."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kirkuk_analysis
from kirkuk_analysis import DataValidationError, load
from kirkuk_analysis.data import TABLES, Problem

DATA = Path(__file__).resolve().parents[1] / "data"
DESCRIPTOR = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
SCHEMAS = {r["name"]: r["schema"] for r in DESCRIPTOR["resources"]}


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


def set_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one cell; ``line`` is the physical line (header = 1) of a one-line-per-row file."""
    rows = read_rows(folder / file)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(folder / file, rows)


def first_row(file: str, test) -> tuple[int, dict[str, str]]:
    """The first row of a shipped table that passes ``test`` (a dict -> bool): its physical
    line (one line per row) and its cells. Tests pick rows this way, not by id, so that rows
    added by a new article never change what they check."""
    rows = read_rows(DATA / file)
    for i, row in enumerate(rows[1:], start=2):
        cells = dict(zip(rows[0], row, strict=True))
        if test(cells):
            return i, cells
    pytest.fail(f"no row of {file} to test with")


def day_before(iso: str) -> str:
    return (date.fromisoformat(iso) - timedelta(days=1)).isoformat()


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        load(folder)
    assert all(isinstance(p, Problem) for p in info.value.problems)
    return [str(p) for p in info.value.problems]


def assert_problem(folder: Path, prefix: str, contains: str = "") -> list[str]:
    found = problems_of(folder)
    hits = [p for p in found if p.startswith(prefix) and contains in p]
    assert hits, f"no problem starting {prefix!r} containing {contains!r} in:\n" + "\n".join(found)
    return found


# ------------------------------------------------------------------ the shipped package


@pytest.fixture(scope="module")
def ds():
    return load()


@pytest.mark.parametrize("table", TABLES)
def test_every_row_and_column_is_loaded(ds, table):
    rows = read_rows(DATA / f"{table}.csv")
    frame = getattr(ds, table)
    assert list(frame.columns) == rows[0]
    assert len(frame) == len(rows) - 1


@pytest.mark.parametrize("table", TABLES)
def test_dtypes_follow_the_descriptor(ds, table):
    frame = getattr(ds, table)
    for fd in SCHEMAS[table]["fields"]:
        s = frame[fd["name"]]
        kind = fd.get("type", "string")
        enum = fd.get("constraints", {}).get("enum")
        if kind == "date":
            assert pd.api.types.is_datetime64_dtype(s), fd["name"]
        elif kind == "integer":
            assert s.dtype == "Int64", fd["name"]
        elif kind == "number":
            assert pd.api.types.is_float_dtype(s), fd["name"]
        elif kind == "boolean":
            assert pd.api.types.is_bool_dtype(s), fd["name"]
        elif enum:
            assert isinstance(s.dtype, pd.CategoricalDtype), fd["name"]
            assert list(s.dtype.categories) == enum  # unused categories too
        else:
            assert pd.api.types.is_string_dtype(s), fd["name"]


@pytest.mark.parametrize("table", TABLES)
def test_values_match_the_csv_cells(ds, table):
    rows = read_rows(DATA / f"{table}.csv")
    header, body = rows[0], rows[1:]
    frame = getattr(ds, table)
    for j, column in enumerate(header):
        for i, row in enumerate(body):
            value = frame[column].iat[i]
            if row[j] == "":
                assert pd.isna(value), (table, column, i)
            elif isinstance(value, pd.Timestamp):
                assert value.strftime("%Y-%m-%d") == row[j]
            elif isinstance(value, bool | float | int | np.bool_ | np.number):
                if row[j] in ("true", "false"):
                    assert value == (row[j] == "true")
                else:
                    assert float(value) == float(row[j])
            else:
                assert str(value) == row[j], (table, column, i)


def test_empty_cell_is_missing_not_zero(ds):
    # an open-ended toll ("at least N"): high is empty in the CSV
    line, cells = first_row("casualties.csv", lambda r: r["best"] != "" and r["high"] == "")
    row = ds.casualties.iloc[line - 2]
    assert pd.isna(row["high"]) and row["best"] == int(cells["best"])


def test_dataset_repr_and_version(ds):
    assert ds.version == DESCRIPTOR["version"]
    assert "incidents=" in repr(ds)
    assert set(ds.tables) == set(TABLES)


def test_load_from_a_copy_equals_the_shipped(pkg, ds):
    assert load(pkg) == ds
    assert load(str(pkg)) == ds


def test_problem_string_format():
    assert str(Problem("a.csv", 3, "col", "why")) == "a.csv:3: col: why"


# ------------------------------------------------------------------ files and headers


def test_missing_file(pkg):
    (pkg / "casualties.csv").unlink()
    assert_problem(pkg, "casualties.csv:1: -: missing file")


def test_missing_descriptor(pkg):
    (pkg / "datapackage.json").unlink()
    assert_problem(pkg, "datapackage.json:1: -: missing file")


def test_broken_descriptor_names_its_line(pkg):
    text = (pkg / "datapackage.json").read_text(encoding="utf-8").splitlines()
    text[2] = text[2].rstrip(",")  # drop a comma on line 3
    (pkg / "datapackage.json").write_text("\n".join(text), encoding="utf-8")
    found = problems_of(pkg)
    assert found[0].startswith("datapackage.json:") and ": -: " in found[0]


def _set_path(pkg: Path, resource: str, path: str) -> int:
    """Point ``resource`` at ``path`` in the descriptor; return the line of its ``path``."""
    descriptor = pkg / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    for r in package["resources"]:
        if r["name"] == resource:
            r["path"] = path
    text = json.dumps(package, indent=2)
    descriptor.write_text(text, encoding="utf-8")
    return text[: text.index(f'"path": {json.dumps(path)}')].count("\n") + 1


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/etc/passwd", "is absolute"),
        ("../../../../../../etc/passwd", "climbs out of the package folder"),
        ("tables/../../sources.csv", "climbs out of the package folder"),
        ("C:/Windows/win.ini", "is absolute"),
        ("\\\\server\\share\\x.csv", "is absolute"),
        ("file:///etc/passwd", "is a URL"),
        ("https://example.org/sources.csv", "is a URL"),
    ],
)
def test_a_resource_path_outside_the_package_is_refused_unread(pkg, path, why):
    line = _set_path(pkg, "sources", path)
    found = problems_of(pkg)
    assert found == [
        f"datapackage.json:{line}: sources.path: {path!r} {why}" + found[0].split(why, 1)[1]
    ]
    assert "root:" not in "".join(found)  # nothing of the file was read or echoed


def test_a_resource_path_in_a_subfolder_is_read(pkg, ds):
    (pkg / "tables").mkdir()
    (pkg / "sources.csv").rename(pkg / "tables" / "sources.csv")
    _set_path(pkg, "sources", "tables/sources.csv")
    assert load(pkg) == ds


def test_a_link_out_of_the_package_is_refused(pkg, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    shutil.copy(pkg / "places.csv", outside)
    (pkg / "places.csv").unlink()
    (pkg / "places.csv").symlink_to(outside)
    assert_problem(pkg, "places.csv:1: -: is a link to a file outside the package folder")


def test_a_link_inside_the_package_is_followed(pkg, ds):
    (pkg / "places.csv").rename(pkg / "places-2024.csv")
    (pkg / "places.csv").symlink_to("places-2024.csv")
    assert load(pkg) == ds


def test_a_fifo_or_folder_is_not_read(pkg):
    import os

    (pkg / "claims.csv").unlink()
    os.mkfifo(pkg / "claims.csv")  # reading it would block forever
    (pkg / "coordination.csv").unlink()
    (pkg / "coordination.csv").mkdir()
    found = problems_of(pkg)
    assert "claims.csv:1: -: not a regular file" in found
    assert "coordination.csv:1: -: not a regular file" in found


def test_a_descriptor_nested_too_deeply_is_a_problem_not_a_crash(pkg):
    (pkg / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert problems_of(pkg) == ["datapackage.json:1: -: nested too deeply to be read"]


def _edit_field(pkg: Path, resource: str, field: str, edit) -> None:
    path = pkg / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    r = next(r for r in package["resources"] if r["name"] == resource)
    edit(r, next((f for f in r["schema"]["fields"] if f["name"] == field), None))
    path.write_text(json.dumps(package, indent=1), encoding="utf-8")


MALFORMED = [
    (
        lambda r, f: f["constraints"].update(maximum="5"),
        "casualties.best",
        "maximum must be a number",
    ),
    (
        lambda r, f: f["constraints"].update(minimum=None),
        "casualties.best",
        "minimum must be a number",
    ),
    (lambda r, f: f.update(constraints="x"), "casualties.best", "constraints must be an object"),
    (
        lambda r, f: f["constraints"].update(pattern="([a-"),
        "casualties.evidence",
        "not a regular expression",
    ),
    (
        lambda r, f: f["constraints"].update(pattern=5),
        "casualties.evidence",
        "pattern must be a string",
    ),
    (
        lambda r, f: f["constraints"].update(enum="killed"),
        "casualties.outcome",
        "enum must be a non-empty list",
    ),
    (
        lambda r, f: f["constraints"].update(enum=[["killed"]]),
        "casualties.outcome",
        "enum must be a non-empty list",
    ),
    (lambda r, f: f.update(type="geopoint"), "casualties.best", "type 'geopoint' is not one"),
    (lambda r, f: r["schema"]["fields"].append(dict(f)), "casualties.best", "listed twice"),
    (lambda r, f: r["schema"].update(primaryKey=5), "casualties.primaryKey", "must name fields"),
    (
        lambda r, f: r["schema"].update(primaryKey="nope"),
        "casualties.primaryKey",
        "must name fields",
    ),
    (lambda r, f: r["schema"].update(foreignKeys="x"), "casualties.foreignKeys", "must be a list"),
    (
        lambda r, f: r["schema"]["foreignKeys"][0].pop("reference"),
        "casualties.foreignKeys",
        "is not a table",
    ),
    (
        lambda r, f: r["schema"]["foreignKeys"][0].update(fields=5),
        "casualties.foreignKeys",
        "fields must name",
    ),
    (
        lambda r, f: r["schema"]["foreignKeys"][0]["reference"].update(resource="nope"),
        "casualties.foreignKeys",
        "'nope' is not a table",
    ),
    (
        lambda r, f: r["schema"]["foreignKeys"][0]["reference"].update(fields="nope"),
        "casualties.foreignKeys",
        "reference.fields must name",
    ),
    (lambda r, f: r.update(dialect={"delimiter": ";"}), "casualties.dialect", "not supported"),
    (lambda r, f: r.update(dialect={"header": False}), "casualties.dialect", "not supported"),
    (lambda r, f: r.update(encoding="utf-16"), "casualties.encoding", "must be UTF-8"),
    # a rule the loader would not check is refused, never ignored
    (
        lambda r, f: f["constraints"].update(maxLength=5),
        "casualties.best",
        "constraints.maxLength is not supported",
    ),
    (
        lambda r, f: f["constraints"].update(exclusiveMinimum=0),
        "casualties.best",
        "constraints.exclusiveMinimum is not supported",
    ),
    (
        lambda r, f: r["schema"].update(missingValues=["", "NA"]),
        "casualties.missingValues",
        "not supported",
    ),
]


@pytest.mark.parametrize(("edit", "column", "reason"), MALFORMED)
def test_a_malformed_descriptor_is_listed_never_a_crash(pkg, edit, column, reason):
    part = column.split(".")[1]  # a field's name, or a schema key (the edit then ignores f)
    _edit_field(
        pkg, "casualties", part if part in ("best", "evidence", "outcome") else "best", edit
    )
    found = problems_of(pkg)
    hits = [p for p in found if f": {column}: " in p and reason in p]
    assert hits and all(p.startswith("datapackage.json:") for p in hits), found
    # the line is the one of the field or the key the problem is about, in its resource
    lines = (pkg / "datapackage.json").read_text(encoding="utf-8").splitlines()
    line = int(hits[0].split(":")[1])
    start = next(i for i, t in enumerate(lines) if '"name": "casualties"' in t)
    assert line - 1 >= start and f'"{part}"' in lines[line - 1], (hits[0], lines[line - 1])


def test_a_number_of_thousands_of_digits_in_the_descriptor_is_a_problem(pkg):
    path = pkg / "datapackage.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"version": ', '"version": ' + "9" * 5000 + ', "v": ', 1))
    found = problems_of(pkg)
    assert len(found) == 1 and "a value cannot be read" in found[0], found


def test_a_header_cell_longer_than_the_csv_limit_is_read(pkg):
    path = pkg / "claims.csv"
    lines = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text("x" * 200_000 + "," + lines[0] + "\n" + lines[1], encoding="utf-8")
    found = problems_of(pkg)
    assert any(p.startswith("claims.csv:1: ") and "unknown column" in p for p in found), found[:3]


@pytest.mark.parametrize("where", ["last", "middle"])
def test_a_quote_never_closed_is_named_by_its_row(pkg, where):
    """A quoted cell left open swallows what follows into one cell: at the end of the file
    the csv module's lenient reading accepted that, now named on the line its row starts;
    before other rows, it meets their quotes and the row's fields no longer fit."""
    path = pkg / "casualties.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = len(lines) - 1 if where == "last" else 2
    cells = lines[at].rstrip("\n").split(",")
    cells[-1] = '"' + cells[-1].strip('"')  # opened, never closed
    lines[at] = ",".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    if where == "last":
        assert_problem(
            pkg, f"casualties.csv:{at + 1}: -: ", "a quote opened in this row is never closed"
        )
    else:
        assert_problem(pkg, f"casualties.csv:{at + 1}: ")


@pytest.mark.parametrize("table", ["casualties", "claims", "sources"])
def test_a_descriptor_without_a_contract_column_is_refused(pkg, table):
    """The columns CONTRACT.md fixes are read by every user of the package: a descriptor
    that drops one (its CSV column too) or reorders them is named, not loaded."""
    from kirkuk_analysis.data import CONTRACT_COLUMNS

    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in descriptor["resources"] if r["name"] == table]
    fields = resource["schema"]["fields"]
    dropped = CONTRACT_COLUMNS[table][-1]
    resource["schema"]["fields"] = [f for f in fields if f["name"] != dropped]
    (pkg / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    rows = read_rows(pkg / f"{table}.csv")
    j = rows[0].index(dropped)
    write_rows(pkg / f"{table}.csv", [r[:j] + r[j + 1 :] for r in rows])
    assert_problem(pkg, f"datapackage.json:1: {table}.schema: no column {dropped}: ")
    resource["schema"]["fields"] = [fields[1], fields[0], *fields[2:]]
    (pkg / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert_problem(pkg, f"datapackage.json:1: {table}.schema: the columns are out of order")


def test_missing_column(pkg):
    rows = read_rows(pkg / "casualties.csv")
    j = rows[0].index("outcome")
    write_rows(pkg / "casualties.csv", [r[:j] + r[j + 1 :] for r in rows])
    assert_problem(pkg, "casualties.csv:1: outcome: missing column")


def test_renamed_column(pkg):
    rows = read_rows(pkg / "casualties.csv")
    rows[0][rows[0].index("best")] = "best_estimate"
    write_rows(pkg / "casualties.csv", rows)
    found = assert_problem(pkg, "casualties.csv:1: best: missing column")
    assert "casualties.csv:1: best_estimate: unknown column (column 5 should be 'best')" in found


def test_unknown_extra_column(pkg):
    rows = read_rows(pkg / "incidents.csv")
    write_rows(
        pkg / "incidents.csv", [r + (["extra"] if i == 0 else ["x"]) for i, r in enumerate(rows)]
    )
    assert_problem(pkg, "incidents.csv:1: extra: unknown column")


def test_empty_file(pkg):
    (pkg / "claims.csv").write_bytes(b"")
    assert_problem(pkg, "claims.csv:1: -: empty file")


def test_header_only_file_is_valid_and_empty(pkg):
    (pkg / "claims.csv").write_text((DATA / "claims.csv").read_text().splitlines()[0] + "\n")
    ds = load(pkg)
    assert len(ds.claims) == 0
    assert list(ds.claims.columns) == [f["name"] for f in SCHEMAS["claims"]["fields"]]
    assert (
        list(ds.claims["metric"].dtype.categories)
        == next(f for f in SCHEMAS["claims"]["fields"] if f["name"] == "metric")["constraints"][
            "enum"
        ]
    )


def test_bom_and_crlf_are_accepted(pkg, ds):
    for table in TABLES:
        path = pkg / f"{table}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert load(pkg) == ds


def test_bytes_that_are_not_utf8(pkg):
    set_cell(pkg, "incidents.csv", 5, "summary", "A convoy hit XX an explosive device.")
    path = pkg / "incidents.csv"
    path.write_bytes(path.read_bytes().replace(b"XX", b"\xff"))
    line = 5
    found = assert_problem(pkg, f"incidents.csv:{line}: summary: bytes that are not UTF-8")
    assert any("\\xff" in p for p in found)


def test_quoted_newline_keeps_physical_line_numbers(pkg):
    rows = read_rows(pkg / "incidents.csv")
    rows[1][rows[0].index("notes")] = "first line\nsecond line"  # I01, line 2-3
    rows[3][rows[0].index("event_type")] = "massacre"  # I03: physical line 5 now
    write_rows(pkg / "incidents.csv", rows)
    assert_problem(pkg, "incidents.csv:5: event_type: unknown value 'massacre'")


def test_blank_line_is_reported(pkg):
    path = pkg / "places.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(3, "")
    path.write_text("\n".join(lines), encoding="utf-8")
    assert_problem(pkg, "places.csv:4: -: blank line")


def test_ragged_row_is_reported(pkg):
    path = pkg / "casualties.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2] + ",surplus"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert_problem(pkg, "casualties.csv:3: -: 9 fields, the header has 8")


# ------------------------------------------------------------------ cells


def test_malformed_date(pkg):
    set_cell(pkg, "incidents.csv", 3, "date_start", "2020-13-01")
    set_cell(pkg, "coordination.csv", 4, "date_end", "2020-3-31")
    set_cell(pkg, "sources.csv", 2, "published", "20 July 2020")
    found = assert_problem(pkg, "incidents.csv:3: date_start: '2020-13-01' is not a date")
    assert any(
        p.startswith("coordination.csv:4: date_end: '2020-3-31' is not a date") for p in found
    )
    assert any(p.startswith("sources.csv:2: published: '20 July 2020'") for p in found)


def test_date_end_before_date_start(pkg):
    line, row = first_row("incidents.csv", lambda r: r["date_precision"] == "day")
    end = day_before(row["date_start"])
    set_cell(pkg, "incidents.csv", line, "date_end", end)
    assert_problem(
        pkg,
        f"incidents.csv:{line}: date_end: date_end {end} is before date_start {row['date_start']}",
    )


def test_claim_period_end_before_start(pkg):
    line, row = first_row("claims.csv", lambda r: r["period_start"] != "")
    end = day_before(row["period_start"])
    set_cell(pkg, "claims.csv", line, "period_end", end)
    assert_problem(pkg, f"claims.csv:{line}: period_end: period_end {end} is before")


def test_precision_that_does_not_fit_its_range(pkg):
    def days(r):
        return (date.fromisoformat(r["date_end"]) - date.fromisoformat(r["date_start"])).days + 1

    line, row = first_row("incidents.csv", lambda r: days(r) > 7)  # e.g. "in April"
    set_cell(pkg, "incidents.csv", line, "date_precision", "week")
    assert_problem(
        pkg,
        f"incidents.csv:{line}: date_precision: a range of {days(row)} days "
        f"({row['date_start']}..{row['date_end']}) is wider than 'week' allows",
    )


def test_unknown_vocabulary_value(pkg):
    set_cell(pkg, "incidents.csv", 4, "event_type", "massacre")
    set_cell(pkg, "casualties.csv", 2, "party", "Peshmerga")
    found = assert_problem(pkg, "incidents.csv:4: event_type: unknown value 'massacre'")
    assert any(p.startswith("casualties.csv:2: party: unknown value 'Peshmerga'") for p in found)


def test_unknown_province(pkg):
    set_cell(pkg, "places.csv", 2, "province", "Kurdistan")
    assert_problem(pkg, "places.csv:2: province: unknown value 'Kurdistan'", "Sulaymaniyah")


def test_unknown_item_in_a_list(pkg):
    set_cell(pkg, "coordination.csv", 3, "parties", "coalition;kurds")
    assert_problem(pkg, "coordination.csv:3: parties: unknown item(s) 'kurds'")


def test_geo_precision_outside_its_codes(pkg):
    set_cell(pkg, "incidents.csv", 2, "geo_precision", "4")
    set_cell(pkg, "incidents.csv", 3, "geo_precision", "one")
    found = assert_problem(pkg, "incidents.csv:2: geo_precision: unknown value 4")
    assert any(
        p.startswith("incidents.csv:3: geo_precision: 'one' is not an integer") for p in found
    )


def test_negative_count(pkg):
    set_cell(pkg, "casualties.csv", 3, "high", "-3")
    assert_problem(pkg, "casualties.csv:3: high: -3 is below the minimum 0")


def test_low_above_best(pkg):
    line, row = first_row("casualties.csv", lambda r: r["best"] != "")
    best = int(row["best"])
    set_cell(pkg, "casualties.csv", line, "low", str(best + 1))
    assert_problem(pkg, f"casualties.csv:{line}: low: low {best + 1} is above best {best}")


def test_best_above_high(pkg):
    line, row = first_row("casualties.csv", lambda r: r["high"] != "")
    high = int(row["high"])
    set_cell(pkg, "casualties.csv", line, "best", str(high + 3))
    assert_problem(pkg, f"casualties.csv:{line}: high: best {high + 3} is above high {high}")


def test_claim_low_above_high_without_best(pkg):
    # a range with no central figure ("5-10 km"): low and high given, best empty
    line, row = first_row("claims.csv", lambda r: r["best"] == "" and r["high"] != "")
    high = int(row["high"])
    set_cell(pkg, "claims.csv", line, "low", str(high + 2))
    assert_problem(pkg, f"claims.csv:{line}: high: low {high + 2} is above high {high}")


def test_coordinates_outside_the_bounding_box(pkg):
    set_cell(pkg, "places.csv", 2, "lat", "40.1")
    assert_problem(pkg, "places.csv:2: lat: 40.1 is above the maximum 37.5")


def test_coordinates_inside_the_box_but_outside_iraq(pkg):
    # Kuwait City lies inside the descriptor's bounding box but outside Iraq
    set_cell(pkg, "places.csv", 3, "lat", "29.3759")
    set_cell(pkg, "places.csv", 3, "lon", "47.9774")
    assert_problem(pkg, "places.csv:3: lat: coordinates (29.3759, 47.9774) lie outside Iraq")


def test_duplicate_id(pkg):
    first = read_rows(DATA / "incidents.csv")[1][0]
    set_cell(pkg, "incidents.csv", 3, "incident_id", first)
    assert_problem(
        pkg, f"incidents.csv:3: incident_id: duplicate value '{first}' (first on line 2)"
    )


def test_duplicate_composite_key(pkg):
    rows = read_rows(pkg / "casualties.csv")
    rows.append(list(rows[1]))
    write_rows(pkg / "casualties.csv", rows)
    assert_problem(pkg, f"casualties.csv:{len(rows)}: outcome: duplicate key", "first on line 2")


def test_bad_id_pattern(pkg):
    set_cell(pkg, "places.csv", 2, "place_id", "kirkuk city")
    assert_problem(
        pkg,
        "places.csv:2: place_id: 'kirkuk city' does not match the pattern",
        # said in words too, and the slip named: without the space it would match
        "beginning with a letter or digit); it has white space inside",
    )


def test_a_pattern_message_names_the_usual_slip(pkg):
    header, first = read_rows(pkg / "sources.csv")[:2]
    digest = first[header.index("sha256")]
    set_cell(pkg, "sources.csv", 2, "sha256", digest.upper())
    assert_problem(
        pkg,
        "sources.csv:2: sha256:",
        "(64 hexadecimal digits in lower case); in lower case it would match",
    )
    set_cell(pkg, "sources.csv", 2, "sha256", digest[:-1] + "g")  # no slip: just wrong
    found = [p for p in problems_of(pkg) if p.startswith("sources.csv:2: sha256:")]
    assert found and found[0].endswith("(64 hexadecimal digits in lower case)")


def test_every_pattern_put_in_words_is_one_the_schema_uses():
    # a pattern changed in datapackage.json leaves its words unused: they must go with it
    used = {
        field.get("constraints", {}).get("pattern")
        for resource in json.loads((DATA / "datapackage.json").read_text("utf-8"))["resources"]
        for field in resource["schema"]["fields"]
    }
    from kirkuk_analysis.data import _PATTERN_WORDS

    assert set(_PATTERN_WORDS) <= used


def test_foreign_key_to_a_missing_place(pkg):
    set_cell(pkg, "incidents.csv", 2, "place_id", "atlantis")
    set_cell(pkg, "coordination.csv", 2, "place_id", "el-dorado")
    found = assert_problem(pkg, "incidents.csv:2: place_id: no place_id 'atlantis' in places.csv")
    assert any(p.startswith("coordination.csv:2: place_id: no place_id 'el-dorado'") for p in found)


def test_foreign_key_to_a_missing_source(pkg):
    set_cell(pkg, "casualties.csv", 5, "source_id", "nyt-2021")
    assert_problem(pkg, "casualties.csv:5: source_id: no source_id 'nyt-2021' in sources.csv")


def test_foreign_key_to_a_missing_incident(pkg):
    set_cell(pkg, "casualties.csv", 2, "incident_id", "I99x")
    first = read_rows(DATA / "incidents.csv")[1][0]
    set_cell(pkg, "claims.csv", 2, "overlaps", f"{first};I98x")
    found = assert_problem(pkg, "casualties.csv:2: incident_id: no incident_id 'I99x' in")
    assert "claims.csv:2: overlaps: no incident_id 'I98x' in incidents.csv" in found


def test_casualty_row_without_evidence(pkg):
    set_cell(pkg, "casualties.csv", 6, "evidence", "")
    set_cell(pkg, "casualties.csv", 7, "evidence", "killed")
    found = assert_problem(pkg, "casualties.csv:6: evidence: required")
    assert any(
        p.startswith("casualties.csv:7: evidence: 'killed' is shorter than 12") for p in found
    )


def test_required_value_empty(pkg):
    set_cell(pkg, "incidents.csv", 2, "summary", "")
    assert_problem(pkg, "incidents.csv:2: summary: required value is empty")


def test_every_problem_is_reported_at_once(pkg):
    (pkg / "sources.csv").write_bytes(
        (pkg / "sources.csv").read_bytes().replace(b"inferred", b"guessed", 1)
    )
    set_cell(pkg, "incidents.csv", 2, "event_type", "massacre")
    set_cell(pkg, "casualties.csv", 3, "best", "-1")
    set_cell(pkg, "places.csv", 4, "lat", "99")
    set_cell(pkg, "coordination.csv", 5, "kind", "party")
    found = problems_of(pkg)
    for prefix in (
        "sources.csv:2: published_basis:",
        "incidents.csv:2: event_type:",
        "casualties.csv:3: best:",
        "places.csv:4: lat:",
        "coordination.csv:5: kind:",
    ):
        assert any(p.startswith(prefix) for p in found), prefix
    # files in contract order, lines ascending within a file
    order = [TABLES.index(p.split(".csv")[0]) for p in found]
    assert order == sorted(order)


def test_error_message_lists_problems(pkg):
    set_cell(pkg, "incidents.csv", 2, "event_type", "massacre")
    with pytest.raises(DataValidationError, match=r"incidents\.csv:2: event_type:"):
        load(pkg)


# ------------------------------------------------------------------ the CLI and Frictionless


def test_cli_validate_prints_every_problem_and_exits_2(pkg):
    set_cell(pkg, "incidents.csv", 2, "event_type", "massacre")
    set_cell(pkg, "casualties.csv", 3, "best", "-1")
    exe = Path(sys.executable).with_name("kirkuk-analysis")
    run = subprocess.run([str(exe), "validate", str(pkg)], capture_output=True, text=True)
    assert run.returncode == 2
    assert "incidents.csv:2: event_type: unknown value 'massacre'" in run.stdout
    assert "casualties.csv:3: best: -1 is below the minimum 0" in run.stdout
    ok = subprocess.run([str(exe), "validate"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def _frictionless_rows(folder: Path) -> set[tuple[str, int]]:
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(folder / "datapackage.json"))
    return {
        (task.name, err.row_number)
        for task in report.tasks
        for err in task.errors
        if getattr(err, "row_number", None)
    }


def test_frictionless_agrees_on_the_shipped_package():
    assert _frictionless_rows(DATA) == set()
    load()  # and ours raises nothing


@pytest.mark.parametrize(
    ("file", "line", "column", "value"),
    [
        ("incidents.csv", 3, "event_type", "massacre"),
        ("incidents.csv", 4, "date_start", "2020-02-30"),
        ("casualties.csv", 5, "best", "-2"),
        ("places.csv", 6, "lat", "12"),
        ("incidents.csv", 7, "place_id", "atlantis"),
    ],
)
def test_frictionless_flags_the_same_line(pkg, file, line, column, value):
    set_cell(pkg, file, line, column, value)
    ours = {(p.file, p.line) for p in pytest.raises(DataValidationError, load, pkg).value.problems}
    theirs = {(f"{name}.csv", row) for name, row in _frictionless_rows(pkg)}
    assert (file, line) in ours
    assert (file, line) in theirs


def test_import_is_light():
    code = (
        "import sys, kirkuk_analysis; "
        "print(sorted(m for m in ('matplotlib', 'papermill', 'pandas', 'seaborn') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert kirkuk_analysis.__version__


# ------------------------------------------------------------------ how columns are read


def set_column(folder: Path, file: str, column: str, value: str) -> int:
    """Set every cell of a column; return the number of data rows."""
    rows = read_rows(folder / file)
    j = rows[0].index(column)
    for row in rows[1:]:
        row[j] = value
    write_rows(folder / file, rows)
    return len(rows) - 1


@pytest.mark.parametrize("value", ["1", "true", "1.5"])
def test_vocabulary_column_the_parser_would_read_as_numbers(pkg, value):
    # read as categories, such a column would come back as numbers or booleans: the raw
    # spelling must still be what is checked and reported, on every line
    n = set_column(pkg, "coordination.csv", "kind", value)
    found = problems_of(pkg)
    for line in range(2, n + 2):
        assert f"coordination.csv:{line}: kind: unknown value {value!r}" in " ".join(found)


def test_integer_spellings_are_checked_as_written(pkg):
    set_cell(pkg, "casualties.csv", 3, "best", " 3")
    set_cell(pkg, "casualties.csv", 4, "best", "3.0")
    found = assert_problem(pkg, "casualties.csv:3: best: ' 3' is not an integer")
    assert any(p.startswith("casualties.csv:4: best: '3.0' is not an integer") for p in found)


def test_leading_zero_and_plus_sign_are_integers(pkg, ds):
    set_cell(pkg, "casualties.csv", 3, "best", "+03")
    set_cell(pkg, "casualties.csv", 3, "low", "003")
    assert load(pkg) == ds


@pytest.mark.parametrize(("column", "kind"), [("outcome", "vocabulary"), ("best", "integer")])
def test_bytes_that_are_not_utf8_in_a_few_valued_column(pkg, column, kind):
    set_cell(pkg, "casualties.csv", 4, column, "XX")
    path = pkg / "casualties.csv"
    path.write_bytes(path.read_bytes().replace(b"XX", b"\xfe"))
    assert_problem(pkg, f"casualties.csv:4: {column}: bytes that are not UTF-8")


@pytest.fixture
def every_key_by_hash(monkeypatch):
    """Foreign keys into tables of any size read as text and looked up by hash."""
    from kirkuk_analysis import data

    monkeypatch.setattr(data, "_FEW_KEYS", -1)


def test_foreign_keys_by_hash_load_the_same_frames(pkg, ds, every_key_by_hash):
    assert load(pkg) == ds


def test_foreign_keys_by_hash_report_the_same_problems(pkg, monkeypatch):
    from kirkuk_analysis import data

    set_cell(pkg, "casualties.csv", 2, "incident_id", "I99x")
    set_cell(pkg, "casualties.csv", 5, "source_id", "nyt-2021")
    set_cell(pkg, "incidents.csv", 2, "place_id", "atlantis")
    rows = read_rows(pkg / "casualties.csv")
    rows.append(list(rows[2]))  # a repeated composite key
    rows.append(list(rows[1]))  # a repeated key holding an unknown incident_id
    write_rows(pkg / "casualties.csv", rows)
    by_category = problems_of(pkg)
    monkeypatch.setattr(data, "_FEW_KEYS", -1)
    by_hash = problems_of(pkg)
    assert by_hash == by_category
    n = len(rows)
    assert any(p.startswith(f"casualties.csv:{n - 1}: outcome: duplicate key") for p in by_hash)
    assert any(p.startswith(f"casualties.csv:{n}: outcome: duplicate key") for p in by_hash)
    assert f"casualties.csv:{n}: incident_id: no incident_id 'I99x' in incidents.csv" in by_hash


def test_duplicate_key_among_many_rows(tmp_path):
    """The composite-key check on integer codes, past _FEW_KEYS rows."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_load

    bench_load.write_package(tmp_path, 12_000)
    path = tmp_path / "casualties.csv"
    lines = path.read_bytes().split(b"\n")
    lines.append(lines[7000])  # the row on line 7001, repeated
    path.write_bytes(b"\n".join(lines[:-2] + [lines[-1], b""]))
    found = problems_of(tmp_path)
    assert len(found) == 1, found
    assert found[0].startswith(f"casualties.csv:{len(lines) - 1}: outcome: duplicate key")
    assert found[0].endswith("(first on line 7001)")


@pytest.fixture(scope="module")
def large_package(tmp_path_factory):
    """A package whose casualties.csv is large enough (>5 MB) for pandas' threaded read."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_load

    folder = tmp_path_factory.mktemp("large")
    bench_load.write_package(folder, 40_000)
    assert (folder / "casualties.csv").stat().st_size > 5 * 1024 * 1024
    return folder


def _edit_lines(path: Path, edits: dict[int, bytes]) -> None:
    lines = path.read_bytes().split(b"\n")
    for line, text in edits.items():
        lines[line - 1] = text
    path.write_bytes(b"\n".join(lines))


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda b: b.replace(b",killed,", b",slain,"), "outcome: unknown value 'slain'"),
        (lambda b: b + b",surplus", "-: 9 fields, the header has 8"),
        (lambda b: b.rsplit(b",", 1)[0], "-: 7 fields, the header has 8"),
        (lambda b: b.replace(b"militants", b"milit\xffants"), "evidence: bytes that are not UTF-8"),
        (lambda b: b.replace(b",5,5,", b",5.0,5,"), "best: '5.0' is not an integer"),
    ],
)
def test_large_files_report_the_physical_line(large_package, tmp_path, edit, expected):
    # a quoted newline early on shifts every later physical line by one
    shutil.copytree(large_package, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "casualties.csv"
    lines = path.read_bytes().split(b"\n")
    target = next(i for i in range(60_000, len(lines)) if b",killed,5,5," in lines[i])
    first = lines[10].replace(b"militants killed", b'"militants\nkilled', 1)
    first = first.replace(b"officers", b'officers"', 1)
    _edit_lines(path, {11: first, target + 1: edit(lines[target])})
    found = problems_of(tmp_path)
    assert {p.split(": ")[0] for p in found} == {f"casualties.csv:{target + 2}"}, found[:5]
    assert found[0].startswith(f"casualties.csv:{target + 2}: {expected}"), found


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("date_start", "2021-02-30", "date_start: '2021-02-30' is not a date (YYYY-MM-DD)"),
        ("date_end", "2019-01-01", "date_end: date_end 2019-01-01 is before date_start"),
        ("geo_precision", "2.0", "geo_precision: '2.0' is not an integer"),
    ],
)
def test_large_incident_files_report_dates_on_their_physical_line(
    large_package, tmp_path, column, value, expected
):
    # incidents.csv of the large package is read on several threads, its dates as text
    shutil.copytree(large_package, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "incidents.csv"
    rows = read_rows(path)
    assert path.stat().st_size > 5 * 1024 * 1024
    rows[5][rows[0].index("notes")] = "first line\nsecond line"  # one extra physical line
    row = 35_000
    rows[row][rows[0].index(column)] = value
    write_rows(path, rows)
    found = problems_of(tmp_path)
    assert {p.split(": ")[0] for p in found} == {f"incidents.csv:{row + 2}"}, found[:5]
    assert found[0].startswith(f"incidents.csv:{row + 2}: {expected}"), found


def test_load_names_a_wrong_argument_in_words(tmp_path):
    with pytest.raises(TypeError, match="data_dir must be a folder .* not int 5"):
        load(5)
    with pytest.raises(DataValidationError, match="give the folder that holds it"):
        load(DATA / "datapackage.json")
    with pytest.raises(DataValidationError, match="there is no folder"):
        load(tmp_path / "nowhere")
    from kirkuk_analysis import analysis

    with pytest.raises(TypeError, match=r"select takes a Dataset \(kirkuk_analysis.load"):
        analysis.select("data")


def test_a_claim_that_counts_has_whole_numbers(tmp_path):
    """100.5 killed is a typing slip: a metric that counts (its category does not say
    "count": false) takes whole numbers; a measure (gap_width_km) may have a fraction."""
    from packages import make_package

    pkg = make_package(
        tmp_path,
        claims=[
            {"claim_id": "C01", "metric": "killed", "best": "100.5", "low": "100.5", "high": ""},
            {"claim_id": "C02", "metric": "gap_width_km", "best": "2.5", "low": "2.5",
             "high": "2.5"},
        ],
    )  # fmt: skip
    assert_problem(
        pkg,
        "claims.csv:2: best: 100.5 is not a whole number (metric 'killed' counts in whole",
    )
    with pytest.raises(DataValidationError) as raised:
        load(pkg)
    assert not [p for p in raised.value.problems if p.line == 3]


def test_a_one_column_primary_key_is_unique_without_its_field_saying_so(pkg):
    """A primary key is unique (Frictionless), whether or not its field has `unique`."""
    path = pkg / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    claims = next(r for r in package["resources"] if r["name"] == "claims")
    field = next(f for f in claims["schema"]["fields"] if f["name"] == "claim_id")
    field["constraints"].pop("unique", None)
    path.write_text(json.dumps(package, indent=1), encoding="utf-8")
    rows = (pkg / "claims.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (pkg / "claims.csv").write_text("".join([*rows, rows[1]]), encoding="utf-8")
    assert_problem(pkg, f"claims.csv:{len(rows) + 1}: claim_id: duplicate value")


def test_a_foreign_key_of_several_fields_is_checked_whole(pkg):
    """A foreign key of two fields: each row's pair is a row of the referenced table (its
    first field alone existing there is not enough)."""
    path = pkg / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    casualties = next(r for r in package["resources"] if r["name"] == "casualties")
    casualties["schema"]["foreignKeys"].append(
        {"fields": ["incident_id", "source_id"],
         "reference": {"resource": "incidents", "fields": ["incident_id", "source_id"]}}
    )  # fmt: skip
    path.write_text(json.dumps(package, indent=1), encoding="utf-8")
    incidents = {r["incident_id"]: r["source_id"] for r in csv.DictReader(
        (pkg / "incidents.csv").open(encoding="utf-8", newline=""))}  # fmt: skip
    with (pkg / "casualties.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    head = rows[0]
    # the first row whose pair is in incidents.csv gets another (existing) source
    line = next(
        n
        for n, r in enumerate(rows[1:], start=2)
        if incidents.get(r[head.index("incident_id")]) == r[head.index("source_id")]
    )
    other = next(s for s in set(incidents.values()) if s != rows[line - 1][head.index("source_id")])
    rows[line - 1][head.index("source_id")] = other
    with (pkg / "casualties.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    found = problems_of(pkg)
    assert f"casualties.csv:{line}: source_id: no (incident_id, source_id) = " in "\n".join(found)
    flagged = {p.split(":")[1] for p in found if ": source_id: no (incident_id" in p}
    pairs_not_there = {
        str(n) for n, r in enumerate(rows[1:], start=2)
        if incidents.get(r[head.index("incident_id")]) != r[head.index("source_id")]
    }  # fmt: skip
    assert flagged == pairs_not_there


def test_bytes_of_a_descriptor_that_are_not_utf8_are_named_on_their_line(pkg):
    path = pkg / "datapackage.json"
    lines = path.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b'"', b'"\xff', 1)
    path.write_bytes(b"\n".join(lines))
    assert_problem(pkg, "datapackage.json:6: -: not UTF-8")


def test_a_blank_line_before_the_header_is_one_problem(pkg):
    """Not a missing column for every column and a field count for every row: one problem
    saying where the header should be."""
    path = pkg / "casualties.csv"
    path.write_text("\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    found = problems_of(pkg)
    assert [p for p in found if p.startswith("casualties.csv:")] == [
        "casualties.csv:1: -: the file begins with a blank line: the header must be its first line"
    ]
