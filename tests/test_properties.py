"""Property: any single-cell change of a valid table loads identically or raises
DataValidationError naming that cell's line; never another exception, never fewer rows."""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kirkuk_analysis import DataValidationError, load
from kirkuk_analysis.data import TABLES

DATA = Path(__file__).resolve().parents[1] / "data"


def read_rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


ROWS = {t: read_rows(DATA / f"{t}.csv") for t in TABLES}
BASE = load()
# Keys as the data spells them (an existing id, a list of two ids, a place, a source).
INCIDENT_IDS = [r[0] for r in ROWS["incidents"][1:]]
KEYS = [
    INCIDENT_IDS[0],
    ";".join(INCIDENT_IDS[-2:]),
    ROWS["places"][1][0],
    ROWS["sources"][1][0],
    "no-such-id",
]

# Values that stress the checks: vocabulary words, dates, numbers, ids, junk.
INTERESTING = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1",
        "10",
        "999",
        "1.5",
        "abc",
        "2020-01-01",
        "2021-13-01",
        "2020-02-30",
        "day",
        "week",
        "month",
        "year",
        "peshmerga",
        "isis",
        "killed",
        "Kirkuk",
        *KEYS,
        "true",
        "false",
        "40",
        "44.5",
        "  ",
        "a;b",
        "x" * 30,
        "peshmerga;isis",
        "None",
        "nan",
        "NA",
    ]
)
CELL_TEXT = st.one_of(INTERESTING, st.text(max_size=20))


@st.composite
def mutation(draw):
    table = draw(st.sampled_from(TABLES))
    rows = ROWS[table]
    line = draw(st.integers(min_value=2, max_value=len(rows)))
    column = draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
    value = draw(CELL_TEXT.filter(lambda v: "\n" not in v and "\r" not in v))
    return table, line, column, value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation())
def test_single_cell_mutation(m):
    table, line, column, value = m
    rows = [list(r) for r in ROWS[table]]
    original = rows[line - 1][column]
    rows[line - 1][column] = value
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(DATA, folder)
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        try:
            ds = load(folder)
        except DataValidationError as exc:
            name = rows[0][column]
            own = [p for p in exc.problems if p.file == f"{table}.csv" and p.line == line]
            if not own:
                # only a changed key can break the lines that refer to it, not its own line
                assert name.endswith("_id"), [str(p) for p in exc.problems]
            return
        for t in TABLES:
            assert len(getattr(ds, t)) == len(ROWS[t]) - 1
            if t != table:
                assert getattr(ds, t).equals(getattr(BASE, t))
        frame, base = getattr(ds, table), getattr(BASE, table)
        assert frame.drop(index=line - 2).equals(base.drop(index=line - 2))
        assert frame.drop(columns=rows[0][column]).equals(base.drop(columns=rows[0][column]))
        if value == original:
            assert ds == BASE


@pytest.mark.parametrize("table", TABLES)
def test_unchanged_copy_loads_identically(table, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    assert load(folder) == BASE


@pytest.mark.parametrize("arrow", [False, True])
@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(st.sampled_from("abcdef"), unique=True),
    values=st.lists(st.one_of(st.sampled_from("abcdefgh"), st.just(None))),
)
def test_lookup_by_runs_equals_one_lookup_per_value(arrow, keys, values):
    # the foreign-key lookup (runs of repeated values, a guess that each run is the key's
    # next row, a hash for the rest) finds what one lookup per value finds
    import numpy as np

    from kirkuk_analysis.data import _lookup, _pyarrow

    expected = [keys.index(v) if v in keys else -1 for v in values]
    key = np.array(keys, dtype=object)
    array = np.array([np.nan if v is None else v for v in values], dtype=object)
    if arrow:
        pa = _pyarrow()
        if pa is None:
            pytest.skip("pyarrow is not installed")
        key, array = pa.array(keys, pa.large_string()), pa.array(values, pa.large_string())
    assert _lookup(key, array).tolist() == expected
