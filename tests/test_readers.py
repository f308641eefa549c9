"""The three readers behind load() give the same frames and the same problems.

load() reads a small file with the csv module, a larger one with pyarrow's CSV reader when
pyarrow is installed and with pandas' C parser otherwise (``kirkuk_analysis.data``, "Reading").
Here every reader this environment has is forced on the same packages, valid and broken, and
must agree with the csv module's read: same frames (``Dataset.__eq__``, dtypes included), same
``FILE:LINE: COLUMN: reason`` problems in the same order. CI runs this module with and without
pyarrow (``make test``), so the two environments agree too.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kirkuk_analysis import DataValidationError, data, load
from kirkuk_analysis.data import TABLES

DATA = Path(__file__).resolve().parents[1] / "data"
HAS_PYARROW = data._pyarrow() is not None
needs_pyarrow = pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow is not installed")
READERS = ["csv", "pandas", pytest.param("pyarrow", marks=needs_pyarrow)]


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cells(folder: Path, edits: list[tuple[str, int, str, str]]) -> None:
    """Set cells: (file, physical line of a one-line-per-row file, column, value)."""
    for file, line, column, value in edits:
        rows = read_rows(folder / file)
        rows[line - 1][rows[0].index(column)] = value
        write_rows(folder / file, rows)


def outcome(folder: Path, reader: str | None):
    """What load() gives with ``reader`` forced: the Dataset, or the problems as text."""
    saved = data._READER
    data._READER = reader
    try:
        return load(folder)
    except DataValidationError as exc:
        return [str(p) for p in exc.problems]
    finally:
        data._READER = saved


def assert_readers_agree(folder: Path, reader: str) -> None:
    expected, got = outcome(folder, "csv"), outcome(folder, reader)
    assert type(got) is type(expected)
    if isinstance(expected, list):
        assert got == expected
    else:
        assert got == expected
        for table in TABLES:  # Dataset.__eq__ compares values; dtypes too
            assert getattr(got, table).dtypes.equals(getattr(expected, table).dtypes), table


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A package past the csv module's size (incidents.csv and casualties.csv)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_load

    folder = tmp_path_factory.mktemp("large")
    bench_load.write_package(folder, 3_000)
    assert (folder / "incidents.csv").stat().st_size > data._SMALL_FILE
    return folder


# ------------------------------------------------------------------ valid packages


@pytest.mark.parametrize("reader", READERS)
def test_the_shipped_package_reads_the_same(pkg, reader):
    assert_readers_agree(pkg, reader)
    assert outcome(pkg, reader) == load()


@pytest.mark.parametrize("reader", READERS)
def test_a_large_package_reads_the_same(large, reader):
    assert_readers_agree(large, reader)


def test_the_default_reader_of_a_large_file_is_the_fast_one(large, monkeypatch):
    chosen = []
    for name in ("_read_with_pandas", "_read_with_pyarrow"):
        original = getattr(data, name)

        def spy(*args, original=original, name=name):
            chosen.append(name)
            return original(*args)

        monkeypatch.setattr(data, name, spy)
    load(large)
    expected = "_read_with_pyarrow" if HAS_PYARROW else "_read_with_pandas"
    assert chosen == [expected, expected]  # incidents.csv and casualties.csv


def test_text_is_pandas_default_string_dtype(large):
    # pyarrow-backed where pyarrow is installed: the one dtype difference pandas itself makes
    ds = load(large)
    storage = "pyarrow" if HAS_PYARROW else "python"
    for frame, column in ((ds.incidents, "summary"), (ds.incidents, "place_id")):
        assert frame[column].dtype == "str"
        assert frame[column].dtype.storage == storage
    assert ds.casualties.best.dtype == "Int64" and ds.incidents.date_start.dtype == "<M8[us]"


# ------------------------------------------------------------------ broken packages

BROKEN = [
    ("incidents.csv", 2, "event_type", "massacre"),
    ("incidents.csv", 3, "date_start", "2021-02-30"),
    ("incidents.csv", 4, "date_end", "\u0662\u0660\u0662\u0661-01-01"),  # Arabic-Indic digits
    ("incidents.csv", 5, "geo_precision", " 2"),  # pandas' parser would read 2
    ("incidents.csv", 6, "geo_precision", "+02"),  # an integer, as written
    ("incidents.csv", 7, "place_id", "atlantis"),
    ("casualties.csv", 2, "best", "3.0"),
    ("casualties.csv", 3, "low", "99999999999999999999"),
    ("casualties.csv", 4, "party", "Peshmerga"),
    ("casualties.csv", 5, "evidence", "short"),
    ("casualties.csv", 6, "high", "\u0663"),
    ("places.csv", 2, "lat", "29.3759"),
    ("places.csv", 2, "lon", "47.9774"),
    ("places.csv", 3, "disputed", "yes"),
    ("places.csv", 4, "place_id", "bad id"),
    ("sources.csv", 2, "url", "not a url"),
    ("coordination.csv", 2, "parties", "coalition;kurds"),
    ("claims.csv", 2, "overlaps", "I98x"),
]


@pytest.mark.parametrize("reader", READERS)
def test_broken_cells_give_the_same_problems(pkg, reader):
    set_cells(pkg, BROKEN)
    assert_readers_agree(pkg, reader)
    found = outcome(pkg, reader)
    assert "incidents.csv:5: geo_precision: ' 2' is not an integer" in found
    assert not any(p.startswith("incidents.csv:6:") for p in found)
    assert any(p.startswith("incidents.csv:4: date_end: '\u0662") for p in found)
    assert "casualties.csv:3: low: 99999999999999999999 is beyond 9007199254740991" in " ".join(
        found
    )


#: Required text cells of white space only (ASCII, no-break and ideographic spaces).
BLANK = [
    ("incidents.csv", 3, "summary", " \t "),
    ("sources.csv", 2, "outlet", "\u00a0 "),
    ("places.csv", 2, "name", "\u3000"),
]


@pytest.mark.parametrize("reader", READERS)
def test_a_required_value_of_white_space_only_is_blank_for_every_reader(pkg, reader):
    set_cells(pkg, BLANK)
    assert_readers_agree(pkg, reader)
    found = outcome(pkg, reader)
    for file, line, column, value in BLANK:
        assert f"{file}:{line}: {column}: required value is blank: {value!r}" in found, found


@pytest.mark.parametrize("by_hash", [False, True])
@pytest.mark.parametrize("reader", READERS)
def test_broken_cells_of_a_large_package_give_the_same_problems(
    large, tmp_path, monkeypatch, reader, by_hash
):
    if by_hash:  # every foreign key read as text and looked up by hash
        monkeypatch.setattr(data, "_FEW_KEYS", -1)
    folder = tmp_path / "large"
    shutil.copytree(large, folder)
    set_cells(
        folder,
        [
            ("incidents.csv", 2500, "geo_precision", "3 "),
            ("incidents.csv", 2600, "incident_id", "I10"),  # a duplicate id
            ("incidents.csv", 2700, "date_precision", "week"),
            ("casualties.csv", 4000, "incident_id", "I99x"),
            ("casualties.csv", 4100, "outcome", "slain"),
        ],
    )
    assert_readers_agree(folder, reader)
    found = outcome(folder, reader)
    assert "incidents.csv:2600: incident_id: duplicate value 'I10' (first on line 11)" in found
    assert "casualties.csv:4000: incident_id: no incident_id 'I99x' in incidents.csv" in found


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    ("damage", "said"),
    [
        # a row one field longer than the header, the first one (pandas took it for an
        # index column and shifted every column by one)
        (lambda rows: rows[1].append("extra"), "incidents.csv:2: -: 15 fields, the header has 14"),
        # a row one field short (pandas pads it with an empty cell, silently)
        (lambda rows: rows.__setitem__(50, rows[50][:-1]),
         "incidents.csv:51: -: 13 fields, the header has 14"),
        # a blank line (pyarrow reads it as a row of empty cells)
        (lambda rows: rows.insert(500, []), "incidents.csv:501: -: blank line"),
    ],
    ids=["longer-first-row", "short-row", "blank-line"],
)  # fmt: skip
def test_a_ragged_row_of_a_large_file_is_named_by_every_reader(
    large, tmp_path, reader, damage, said
):
    folder = tmp_path / "large"
    shutil.copytree(large, folder)
    rows = read_rows(folder / "incidents.csv")
    damage(rows)
    write_rows(folder / "incidents.csv", rows)
    assert_readers_agree(folder, reader)
    assert said in outcome(folder, reader)


@pytest.mark.parametrize("reader", READERS)
def test_a_stray_quote_that_swallows_rows_is_reported(pkg, reader):
    """A quote typed at a cell's start pairs with the next quote in the file: the rows
    between became one cell, and the package had read as valid with a row missing."""
    text = (pkg / "coordination.csv").read_text(encoding="utf-8").split("\n")
    line = next(i for i, t in enumerate(text) if i > 2 and ',"' not in t.split(",", 1)[1][:40])
    head, sep, rest = text[line].rpartition(",")
    cells = text[line].split(",")
    cells[-3] = '"' + cells[-3]  # a quote at the start of an unquoted cell
    text[line] = ",".join(cells)
    (pkg / "coordination.csv").write_text("\n".join(text), encoding="utf-8")
    found = outcome(pkg, reader)
    assert isinstance(found, list), "a stray quote read as valid"
    assert any(
        p.startswith(f"coordination.csv:{line + 1}: -: a quoted cell") and "closing quote" in p
        for p in found
    ), found


@pytest.mark.parametrize("reader", READERS)
def test_bytes_that_are_not_utf8_are_reported_and_never_crash(pkg, reader):
    set_cells(pkg, [("incidents.csv", 3, "summary", "XX"), ("casualties.csv", 4, "outcome", "XX")])
    for file in ("incidents.csv", "casualties.csv"):
        path = pkg / file
        path.write_bytes(path.read_bytes().replace(b"XX", b"a\xffb"))
    assert_readers_agree(pkg, reader)
    found = outcome(pkg, reader)
    assert "incidents.csv:3: summary: bytes that are not UTF-8: b'\\xff'" in found
    assert "casualties.csv:4: outcome: unknown value 'a\ufffdb' (allowed: killed, wounded, " in (
        " ".join(found)
    )


# What a spreadsheet may save: each said once, for its file, not as a problem per column or
# row; the file's rows are not read (nothing else can be said of them)
SAVED_AS = {
    "semicolons": (
        lambda text: ("\ufeff" + text.replace(",", ";")).encode("utf-8"),
        "columns separated by ';', not commas (a spreadsheet set to a language with decimal",
    ),
    "tabs": (lambda text: text.replace(",", "\t").encode("utf-8"), "columns separated by tabs"),
    "utf-16": (
        lambda text: text.encode("utf-16"),
        "the file is UTF-16 text (it begins with the byte-order mark ff fe), not UTF-8",
    ),
    "utf-16 without a mark": (
        lambda text: text.encode("utf-16-le"),
        "the header has NUL bytes, as UTF-16 text has",
    ),
    "utf-32": (lambda text: text.encode("utf-32"), "the file is UTF-32 text"),
}


@pytest.mark.parametrize("saved_as", SAVED_AS)
@pytest.mark.parametrize("reader", READERS)
def test_a_table_a_spreadsheet_saved_otherwise_is_named_once(pkg, reader, saved_as):
    encode, said = SAVED_AS[saved_as]
    path = pkg / "claims.csv"
    path.write_bytes(encode(path.read_text("utf-8")))
    assert_readers_agree(pkg, reader)
    found = outcome(pkg, reader)
    about_it = [p for p in found if p.startswith("claims.csv")]
    assert len(about_it) == 1 and about_it[0].startswith("claims.csv:1: -: " + said)
    assert about_it[0].endswith('save it as "CSV UTF-8 (comma-delimited)"')


# ------------------------------------------------------------------ hostile bytes


def _hostile_edits(lines: dict[str, int]) -> list[tuple[str, int, str, str]]:
    return [
        ("incidents.csv", lines["incidents"], "summary", "before\x00after"),
        ("incidents.csv", lines["incidents"] + 1, "notes", "bell\x07 and escape \x1b[31m"),
        ("incidents.csv", lines["incidents"] + 3, "notes", "a\ttab is text"),
        ("incidents.csv", lines["incidents"] + 4, "notes", "C1 \x85 next line"),
        ("casualties.csv", lines["casualties"], "best", str(2**63 - 1)),  # fits int64; too big
        ("casualties.csv", lines["casualties"] + 1, "low", str(2**64)),
        ("casualties.csv", lines["casualties"] + 2, "evidence", "x" * 200_000),  # > csv's limit
        ("claims.csv", 2, "best", "1e400"),  # a float beyond range
    ]


def _expect_hostile(found: list[str], lines: dict[str, int]) -> None:
    i, c = lines["incidents"], lines["casualties"]
    text = "\n".join(found)
    nul = "'before\\x00after' contains the control character U+0000 (NUL)"
    assert f"incidents.csv:{i}: summary: {nul}" in text
    assert f"incidents.csv:{i + 1}: notes: " in text and "U+0007" in text
    assert f"incidents.csv:{i + 3}:" not in text
    assert f"incidents.csv:{i + 4}: notes: " in text and "U+0085" in text
    assert f"casualties.csv:{c}: best: {2**63 - 1} is beyond 9007199254740991" in text
    assert f"casualties.csv:{c + 1}: low: {2**64} is beyond" in text
    assert f"casualties.csv:{c + 2}:" not in text  # a long cell is data
    assert "claims.csv:2: best: 1e400 is beyond" in text


@pytest.mark.parametrize("reader", READERS)
def test_hostile_cells_are_reported_by_every_reader(pkg, reader):
    lines = {"incidents": 3, "casualties": 3}
    set_cells(pkg, _hostile_edits(lines))
    assert_readers_agree(pkg, reader)
    _expect_hostile(outcome(pkg, reader), lines)


@pytest.mark.parametrize("reader", READERS)
def test_hostile_cells_of_a_large_package_are_reported_by_every_reader(large, tmp_path, reader):
    folder = tmp_path / "large"
    shutil.copytree(large, folder)
    lines = {"incidents": 2500, "casualties": 4000}
    set_cells(folder, _hostile_edits(lines))
    assert_readers_agree(folder, reader)
    _expect_hostile(outcome(folder, reader), lines)


@pytest.mark.parametrize("reader", READERS)
def test_a_lone_carriage_return_in_a_cell_is_reported_and_crlf_is_not(pkg, reader):
    set_cells(
        pkg, [("incidents.csv", 3, "notes", "CRLFCELL"), ("incidents.csv", 5, "notes", "CRCELL")]
    )
    path = pkg / "incidents.csv"
    raw = path.read_bytes()
    raw = raw.replace(b"CRLFCELL", b'"two\r\nlines"').replace(b"CRCELL", b'"a lone\rreturn"')
    path.write_bytes(raw)
    assert_readers_agree(pkg, reader)
    found = outcome(pkg, reader)
    # the quoted CRLF makes line 3 two physical lines: the fifth row starts on line 6
    assert [p.split(":")[:3] for p in found] == [["incidents.csv", "6", " notes"]]
    assert "U+000D (a carriage return not followed by a line feed)" in found[0]


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
@pytest.mark.parametrize("reader", READERS)
def test_a_lone_carriage_return_outside_quotes_is_named_on_its_own_line(pkg, reader, ending):
    """A CR alone in an unquoted cell of a file whose lines end in LF or CRLF is named on
    the line an editor shows; it splits no row, and the lines after it keep their numbers."""
    set_cells(
        pkg, [("incidents.csv", 2, "notes", "LONECR"), ("incidents.csv", 4, "event_type", "x")]
    )
    path = pkg / "incidents.csv"
    raw = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", ending)
    path.write_bytes(raw.replace(b"LONECR", b"before\rafter"))
    assert_readers_agree(pkg, reader)
    found = outcome(pkg, reader)
    assert [p.split(":")[:3] for p in found] == [
        ["incidents.csv", "2", " notes"],
        ["incidents.csv", "4", " event_type"],
    ]
    assert "U+000D (a carriage return not followed by a line feed)" in found[0]


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
@pytest.mark.parametrize("reader", READERS)
def test_any_line_ending_reads_the_same(pkg, reader, ending):
    for table in TABLES:
        path = pkg / f"{table}.csv"
        raw = path.read_bytes()
        assert b"\r" not in raw.replace(b"\r\n", b"")  # the shipped files have no lone CR
        path.write_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", ending))
    got = outcome(pkg, reader)
    assert not isinstance(got, list), got
    assert got == load()


@pytest.mark.parametrize("reader", READERS)
def test_cr_line_ends_keep_physical_lines(pkg, reader):
    set_cells(pkg, [("incidents.csv", 4, "event_type", "massacre")])
    path = pkg / "incidents.csv"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    found = outcome(pkg, reader)
    assert any(p.startswith("incidents.csv:4: event_type: unknown value 'massacre'") for p in found)


def test_a_long_cell_leaves_the_csv_modules_limit_as_it_was(pkg):
    default = 131072  # the csv module's own limit (frictionless, for one, raises it for good)
    saved = csv.field_size_limit(default)
    try:
        set_cells(pkg, [("incidents.csv", 2, "notes", "y" * (default + 10))])
        ds = outcome(pkg, "csv")
        assert not isinstance(ds, list), ds
        assert (ds.incidents.notes.str.len() == default + 10).any()
        assert csv.field_size_limit() == default
    finally:
        csv.field_size_limit(saved)


# ------------------------------------------------------------------ any single-cell change

ROWS = {t: read_rows(DATA / f"{t}.csv") for t in TABLES}
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " 1",
            "1 ",
            "+1",
            "01",
            "1.0",
            "1e1",
            "-0",
            "true",
            "0",
            "2021-01-01",
            "2021-1-1",
            "peshmerga",
            "isis;pmf",
            "I01",
            "NA",
            "nan",
            '"',
            "a,b",
            "\u0661",
            "x" * 20,
        ]
    ),
    st.text(max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from(TABLES),
    data_=st.data(),
    value=VALUES.filter(lambda v: "\n" not in v and "\r" not in v),
)
def test_any_single_cell_change_reads_the_same_with_every_reader(table, data_, value):
    import tempfile

    rows = [list(r) for r in ROWS[table]]
    line = data_.draw(st.integers(min_value=2, max_value=len(rows)))
    column = data_.draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
    rows[line - 1][column] = value
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(DATA, folder)
        write_rows(folder / f"{table}.csv", rows)
        for reader in ("pandas", "pyarrow") if HAS_PYARROW else ("pandas",):
            assert_readers_agree(folder, reader)


# ------------------------------------------------------------------ the text helpers


def backends(values: list):
    """The same values as each text array load() may hold."""
    out = [np.array([np.nan if v is None else v for v in values], dtype=object)]
    if HAS_PYARROW:
        import pyarrow as pa

        half = len(values) // 2
        out.append(
            pa.chunked_array(
                [
                    pa.array(values[:half], pa.large_string()),
                    pa.array(values[half:], pa.large_string()),
                ]
            )
        )
    return out


def test_joined_fullmatch_agrees_with_re_fullmatch_one_value_at_a_time():
    ids = ["I01", "I02", None, "bad id", "x.y-z"]
    docs = ["a.txt", "b", "c.txt"]
    for values in backends(ids):
        present = ~data._missing_of(values)
        body = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
        assert data._fullmatch(values, body, present).tolist() == [True, True, True, False, True]
    for values in backends(docs):  # a negated class can match a newline: value by value
        present = ~data._missing_of(values)
        ok = data._fullmatch(values, r"[^/\\]+\.txt", present)
        assert ok.tolist() == [True, False, True]
    for values in backends(["a\nb", "ab"]):  # a value holding a newline: value by value
        present = ~data._missing_of(values)
        assert data._fullmatch(values, r"[ab]+", present).tolist() == [False, True]


@pytest.mark.parametrize(
    "body", [r"[A-Za-z]+", r"\d+", r"a\sb", r"(?s).+", "[\x00-z]+", r"[^;]+", r"\w+(;\w+)*"]
)
def test_fullmatch_scan_never_lets_a_line_borrow_from_the_next(body):
    values = ["ab", "1", "a b", "x;y", "a", "b"]
    import re

    expected = [re.fullmatch(body, v) is not None for v in values]
    for array in backends(values):
        present = np.ones(len(values), dtype=bool)
        assert data._fullmatch(array, body, present).tolist() == expected


def test_lengths_count_characters_in_every_backend():
    values = ["twelve chars", "é" * 12, None, "short", "\U0001f600" * 11]
    for array in backends(values):
        present = ~data._missing_of(array)
        assert data._shorter_than(array, 12, present).tolist() == [False, False, False, True, True]


@pytest.mark.parametrize("small_key", [data._SMALL_KEY, 0])  # a dict, or a hashed Index
def test_lookup_with_gaps_repeats_and_mixed_backends(monkeypatch, small_key):
    monkeypatch.setattr(data, "_SMALL_KEY", small_key)
    keys = [f"I{i}" for i in range(50)]
    values = ["I0", "I0", "I1", "I3", "I3", "I4", None, "zz", "I49", "I2", "I2"]
    expected = [keys.index(v) if v in keys else -1 for v in values]
    for key in backends(keys):
        for array in backends(values):
            assert data._lookup(key, array).tolist() == expected
    assert data._lookup(pd.Index(keys, dtype=object), backends(values)[0]).tolist() == expected


@pytest.mark.parametrize("reader", READERS)
def test_bom_crlf_and_a_lone_carriage_return_read_the_same(large, tmp_path, reader):
    folder = tmp_path / "large"
    shutil.copytree(large, folder)

    def bom_and_crlf():
        for table in ("incidents", "casualties"):
            path = folder / f"{table}.csv"
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))

    bom_and_crlf()
    assert_readers_agree(folder, reader)
    assert outcome(folder, reader) == load(large)
    # a carriage return quoted inside a value of a CRLF file: no line break (sed, grep and
    # an editor set to the file's line ends count none), so later rows keep their numbers,
    # whichever reader ran, and the CR itself is named on its line
    shutil.copytree(large, folder, dirs_exist_ok=True)
    set_cells(
        folder, [("incidents.csv", 3, "notes", "oneXXtwo"), ("incidents.csv", 9, "event_type", "x")]
    )
    path = folder / "incidents.csv"
    path.write_bytes(path.read_bytes().replace(b"oneXXtwo", b'"one\rtwo"'))
    bom_and_crlf()
    assert_readers_agree(folder, reader)
    found = outcome(folder, reader)
    assert any(p.startswith("incidents.csv:9: event_type:") for p in found)
    assert any(p.startswith("incidents.csv:3: notes:") and "U+000D" in p for p in found)


@needs_pyarrow
@settings(max_examples=300, deadline=None)
@given(
    body=st.sampled_from(
        [
            r"[A-Za-z0-9][A-Za-z0-9_.-]*",
            r"[0-9a-f]{64}",
            r"(pmf|isis|peshmerga)(;(pmf|isis|peshmerga))*",
            r"[A-Za-z0-9_.-]+(;[A-Za-z0-9_.-]+)*",
            r"[^/\\]+\.txt",
            r"a{,3}",
        ]
    ),
    values=st.lists(
        st.one_of(
            st.text(max_size=8),
            st.sampled_from(["I01", "pmf;isis", "a.txt", "aaa", "I01\n", "\u0661", "x" * 64]),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_pyarrow_pattern_check_agrees_with_re(body, values):
    # pyarrow's engine only confirms that every value matches; re gives every verdict
    import re

    import pyarrow as pa

    expected = [re.fullmatch(body, v) is not None for v in values]
    present = np.ones(len(values), dtype=bool)
    assert data._fullmatch(pa.array(values, pa.large_string()), body, present).tolist() == expected


@needs_pyarrow
@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(
        st.one_of(st.none(), st.sampled_from(["a", "b", "c", "I1", "I2", "I10"])), max_size=12
    ),
    ordered=st.booleans(),
)
def test_distinct_by_sort_or_hash_agrees_with_a_set(ids, ordered):
    import pyarrow as pa

    if ordered:
        ids = sorted(ids, key=lambda v: (v is None, v or ""))
    present = [v for v in ids if v is not None]
    column = pa.chunked_array(
        [pa.array(ids[:5], pa.large_string()), pa.array(ids[5:], pa.large_string())]
    )
    assert data._all_distinct(column) == (len(set(present)) == len(present))
