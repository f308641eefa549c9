"""Load the data package into typed pandas frames, checking every cell first.

>>> import kirkuk_analysis
>>> ds = kirkuk_analysis.load()          # the shipped data package
>>> ds.incidents.dtypes["date_start"]
dtype('<M8[us]')

The one schema is the package's ``datapackage.json`` (a Frictionless Tabular Data Package).
Every check is derived from its field descriptors (``type``, ``required``, ``enum``,
``pattern``, ``minimum``/``maximum``, ``minLength``, ``unique``, ``primaryKey``,
``foreignKeys``) and run column-wise (a column of few distinct values once per value), never
row by row. The cross-field rules that a Frictionless schema cannot say are listed in
:data:`CROSS_FIELD_RULES`. A large file is parsed by pyarrow when it is installed, else by
pandas' C parser, a small one by the csv module: the frames and the problems are the same.

Nothing is dropped and nothing is repaired: :func:`load` returns every row or raises
:class:`DataValidationError` listing every problem as ``FILE:LINE: COLUMN: reason``, where
LINE is the physical line of the CSV file (the header is line 1) and a whole-file problem
is on line 1 with the column ``-``.

Typed frames: dates are ``datetime64``, integers nullable ``Int64``, numbers ``float64``
(``Float64`` where a value may be missing), booleans ``bool``, vocabularies
``pd.CategoricalDtype(enum)`` (every category exists, used or not), and all other text,
ids included, pandas' default ``str`` (backed by pyarrow when it is installed, as pandas
does: the one difference between the two environments). An empty cell is missing
(``NA``/``NaT``/``NaN``), never 0.
"""

from __future__ import annotations

import concurrent.futures
import csv
import datetime
import functools
import io
import json
import mmap
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from kirkuk_analysis import _json, _paths
from kirkuk_analysis._files import field_size_limit, unreadable
from kirkuk_analysis.dates import PRECISION_DAYS
from kirkuk_analysis.text import CONTROL, CONTROL_RE2, control_character
from kirkuk_analysis.vocab import Vocabulary, descriptor_problems

__all__ = [
    "CROSS_FIELD_RULES",
    "TABLES",
    "DataValidationError",
    "Dataset",
    "Problem",
    "load",
    "require_dataset",
]

#: The six tables of the contract, in the order problems are reported.
TABLES = ("sources", "places", "incidents", "casualties", "coordination", "claims")

#: The columns ``CONTRACT.md`` fixes for each table, first and in this order (more may
#: follow): the ones every user of the package reads. Their types, vocabularies and other
#: constraints are ``data/datapackage.json``'s alone.
CONTRACT_COLUMNS = {
    "sources": ("source_id", "outlet", "headline", "published", "published_precision",
                "published_basis", "dateline", "document", "url", "notes"),
    "places": ("place_id", "name", "kind", "district", "province", "lat", "lon", "disputed",
               "notes"),
    "incidents": ("incident_id", "date_start", "date_end", "date_precision", "date_phrase",
                  "place_id", "geo_precision", "event_type", "perpetrator", "target",
                  "summary", "notes"),
    "casualties": ("incident_id", "source_id", "party", "outcome", "best", "low", "high",
                   "evidence"),
    "coordination": ("step_id", "date_start", "date_end", "date_precision", "date_phrase",
                     "kind", "status", "parties", "place_id", "summary", "source_id",
                     "evidence"),
    "claims": ("claim_id", "period_start", "period_end", "claimant", "metric", "party", "best",
               "low", "high", "place_id", "source_id", "evidence", "overlaps"),
}  # fmt: skip

#: The rules checked beyond the field descriptors (also in ``docs/codebook.md``).
CROSS_FIELD_RULES = (
    "incidents, coordination: date_end is not before date_start",
    "incidents, coordination: the range date_start..date_end fits date_precision "
    "(day = 1 day, week <= 7, month <= 31, year <= 366)",
    "claims: period_end is not before period_start",
    "casualties, claims: low <= best <= high wherever the values are given",
    'claims: a metric that counts (every one whose category does not say "count": false) '
    "has whole numbers",
    "casualties: every row carries its verbatim evidence (required, at least 12 characters)",
    "places: lat/lon inside Iraq (Natural Earth admin-0 outline, 2 km tolerance)",
    "claims: every id in overlaps is an incident_id of incidents.csv",
    "';'-lists (coordination.parties, claims.party): every item from the party vocabulary",
    "every text cell: no control character but tab and line breaks (no NUL, no lone CR)",
    "every integer and number: at most 2**53 - 1 in size (exact as a float; no overflow in sums)",
    "every resource path: relative, inside the package folder, not a link out of it",
    "datapackage.json: field types the loader reads, constraints of the right kind (numbers, "
    "a valid pattern, a list for enum) and only those it checks (required, unique, enum, "
    "pattern, minimum, maximum, minLength: any other is refused, never ignored), empty cells "
    "as the only missing value, keys that name real fields and tables, comma-separated UTF-8 "
    "with a header",
    "primary keys unique (one column or several, whether or not the field says unique); "
    "foreign keys of several fields matched whole",
    "datapackage.json: each table's fields begin with the columns CONTRACT.md fixes for it, "
    "in its order (more may follow)",
)

# A ';'-list pattern of the form ^(a|b|c)(;(a|b|c))*$: its items are a vocabulary.
_LIST_PATTERN = re.compile(r"^\^\(([^()]+)\)\(;\(\1\)\)\*\$$")
#: The schema's patterns in words, for the messages (keyed by the pattern itself, so that a
#: pattern changed in datapackage.json, their one home, is shown as it is, never misread).
_PATTERN_WORDS = {
    r"^[0-9a-f]{64}$": "64 hexadecimal digits in lower case",
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$": "letters, digits, '_', '.' and '-' only, beginning with "
    "a letter or digit",
    r"^https?://\S+$": "an address beginning http:// or https://, without spaces",
    r"^[^/\\]+\.txt$": "a file name ending in .txt, without a folder",
    r"^[A-Za-z0-9_.-]+(;[A-Za-z0-9_.-]+)*$": "ids separated by ';', without spaces",
}
_OUTLINE_TOLERANCE_DEG = 0.02  # about 2 km: a border town may sit on a coarse outline
_SHOW = 20  # problems shown in the exception message (all are in .problems)


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the data: ``str(problem)`` is ``FILE:LINE: COLUMN: reason``."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


class DataValidationError(ValueError):
    """The data package is not valid; ``.problems`` lists every :class:`Problem`."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        shown = "\n".join(str(p) for p in self.problems[:_SHOW])
        more = len(self.problems) - _SHOW
        tail = f"\n... and {more} more (see .problems)" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the data package:\n{shown}{tail}")


@dataclass(frozen=True, repr=False)
class Dataset:
    """The six validated tables of the data package and its descriptor.

    Frames: ``sources``, ``places``, ``incidents``, ``casualties``, ``coordination``,
    ``claims``. ``package`` is the parsed ``datapackage.json`` (``ds.version`` its
    version) and ``data_dir`` the folder the tables were read from.
    """

    sources: pd.DataFrame
    places: pd.DataFrame
    incidents: pd.DataFrame
    casualties: pd.DataFrame
    coordination: pd.DataFrame
    claims: pd.DataFrame
    package: dict = field(default_factory=dict)
    data_dir: Path | None = None
    # casualties row -> incidents row, for the two frames it was computed on; filled by
    # load() from its foreign-key check, or on first use. Not part of the data.
    _incident_rows: tuple | None = field(default=None, repr=False, compare=False)
    # table -> (frame, physical line of each row) as read by load(); not part of the data.
    _lines: dict | None = field(default=None, repr=False, compare=False)
    # What analysis.select narrowed this dataset to (a selection.Selection), and the dataset
    # it was narrowed from: a selection must say what it leaves out (a claim including
    # incidents elsewhere), which only the whole package knows. None for a whole package.
    selection: object | None = field(default=None, repr=False, compare=False)
    whole: Dataset | None = field(default=None, repr=False, compare=False)

    def incident_rows(self) -> np.ndarray:
        """The row of ``incidents`` each ``casualties`` row belongs to (positions, int).

        >>> from kirkuk_analysis import load
        >>> ds = load()
        >>> ds.incidents.incident_id.iloc[ds.incident_rows()[0]] == ds.casualties.incident_id[0]
        True
        """
        frames = (self.incidents, self.casualties)
        cached = self._incident_rows
        if cached is None or cached[0] is not frames[0] or cached[1] is not frames[1]:
            rows = pd.Index(self.incidents.incident_id).get_indexer(self.casualties.incident_id)
            cached = (*frames, rows)
            object.__setattr__(self, "_incident_rows", cached)  # a cache on a frozen dataclass
        return cached[2]

    def line_numbers(self, table: str) -> np.ndarray:
        """The physical CSV line of each row of ``table`` (the header is line 1).

        Exact for the frames :func:`load` returned (a quoted newline makes a row span two
        lines); for a frame replaced since (``select``, ``replace``) rows are numbered from
        line 2 as if each took one line.

        >>> from kirkuk_analysis import load
        >>> int(load().line_numbers("sources")[0])
        2
        """
        frame = getattr(self, table)
        cached = (self._lines or {}).get(table)
        if cached is not None and cached[0] is frame:
            return cached[1]
        return np.arange(2, len(frame) + 2, dtype=np.int64)

    @cached_property
    def vocab(self) -> Vocabulary:
        """The package's vocabularies and labels, from its own ``datapackage.json``.

        >>> from kirkuk_analysis import load
        >>> load().vocab.label("party", "isis")
        'ISIS'
        """
        return Vocabulary.from_descriptor(self.package)

    @property
    def version(self) -> str:
        """Version of the data package (``datapackage.json``)."""
        return str(self.package.get("version", ""))

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The six frames by table name."""
        return {name: getattr(self, name) for name in TABLES}

    def replace(self, **frames: pd.DataFrame) -> Dataset:
        """A copy with some frames replaced (as :func:`dataclasses.replace`)."""
        return replace(self, _incident_rows=None, **frames)

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(frame)}" for name, frame in self.tables.items())
        chosen = getattr(self, "selection", None)
        # a selection says what it was narrowed to: its counts are not the package's
        narrowed = f" selection ({chosen.describe()})" if chosen is not None else ""
        return f"<Dataset {self.package.get('name', '')} {self.version}{narrowed}: {counts}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return all(getattr(self, n).equals(getattr(other, n)) for n in TABLES)

    __hash__ = None  # type: ignore[assignment]


# --------------------------------------------------------------------------------------
# Reading
#
# Three readers return the same columns. The csv module reads small files, and any file
# whose records do not each take one physical line or that holds bytes that are not UTF-8:
# it alone knows every record's line, and reports blank lines, ragged rows and bad bytes. A
# larger file is read by pyarrow's CSV reader when pyarrow is installed, otherwise by
# pandas' C parser. A column of few distinct values comes back coded (:class:`_Coded`), free
# text as a *text array*: an object array of str (NaN where empty) from the csv module and
# pandas, a pyarrow string array from pyarrow. The checks take either, and every verdict on
# a value is Python's (``re``, ``len``, ``int``, ``float``, ``date.fromisoformat``), so the
# problems and the frames are the same whichever reader ran, with or without pyarrow.

#: Files up to this size are read with the csv module: a parser's set-up would cost more.
_SMALL_FILE = 256 * 1024
#: "csv", "pandas" or "pyarrow" forces that reader for every file (tests and benchmarks);
#: None chooses by size and by what is installed.
_READER: str | None = None


@functools.cache
def _pyarrow():
    """The pyarrow module (with its csv and compute modules loaded), or None."""
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return None
    return pyarrow


def _reader_for(size: int) -> str:
    if _READER is not None:
        return _READER
    if size <= _SMALL_FILE:
        return "csv"
    return "pyarrow" if _pyarrow() is not None else "pandas"


@dataclass
class _Coded:
    """A column of few distinct values: ``codes`` (-1 where the cell is empty) into
    ``cats``, the distinct cell texts as written (an object array of str)."""

    codes: np.ndarray
    cats: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def value(self, row: int) -> str:
        return self.cats[self.codes[row]]


@dataclass
class _Table:
    name: str
    file: str
    schema: dict
    columns: dict  # column -> _Coded or text array, as read
    lines: np.ndarray  # physical line of each row
    typed: dict = field(default_factory=dict)  # column -> typed array (valid cells only)
    missing: dict = field(default_factory=dict)  # column -> mask of empty cells
    keys: dict = field(default_factory=dict)  # column -> its distinct values (a lookup key)
    positions: dict = field(default_factory=dict)  # foreign-key column -> rows in the key


#: A foreign key into a table with more rows than this is read as text and looked up by
#: hash; into a smaller table, it is read coded (each distinct value looked up once).
_FEW_KEYS = 10_000


def _field_kind(fd: dict, fk_fields: set[str], wide_fk: set[str] = frozenset()) -> str:
    """How a column is read.

    'category' and 'object' are coded, checked once per distinct value. 'category': pandas'
    parser codes them itself (vocabularies, ids that refer to a small table, patterned
    codes); 'object': pandas reads them as text first, then they are coded (integers,
    numbers, booleans, dates: as categories the parser would turn their spellings into
    numbers, " 3" into 3, or read a large file on one thread). 'str': free text, unique ids,
    and ids that refer to a large table (``wide_fk``), kept as text arrays.
    """
    c = fd.get("constraints", {})
    kind = fd.get("type", "string")
    if kind in ("integer", "number", "boolean", "date"):
        return "object"
    if kind != "string" or "enum" in c:
        return "category"
    if c.get("unique") or fd["name"] in wide_fk:
        return "str"
    if fd["name"] not in fk_fields and "pattern" not in c:
        return "str"
    return "category"


# ------------------------------------------------------------------ text arrays


def _is_arrow(values) -> bool:
    return not isinstance(values, np.ndarray | pd.Index | _Coded)


def _numpy(values) -> np.ndarray:
    """A text array, a pyarrow array or an Index as a numpy array of objects."""
    if isinstance(values, np.ndarray):
        return values
    if isinstance(values, pd.Index):
        return values.to_numpy()
    return values.to_numpy(zero_copy_only=False)


def _arrow(values):
    """A text array as a pyarrow array (a no-op for one)."""
    if not _is_arrow(values):
        pa = _pyarrow()
        return pa.array(_numpy(values), type=pa.large_string(), from_pandas=True)
    return values


def _take_rows(values, rows: np.ndarray):
    return values.take(rows) if _is_arrow(values) else values[rows]


def _missing_of(values) -> np.ndarray:
    """The empty cells of a column."""
    if isinstance(values, _Coded):
        return values.codes < 0
    if _is_arrow(values):
        return _numpy(values.is_null())
    try:  # NaN is the only value unequal to itself: one C-level pass, cheaper than isna
        return np.not_equal(values, values).astype(bool, copy=False)
    except TypeError:  # pd.NA: no truth value
        return pd.isna(values)


def _present(values, present: np.ndarray) -> list:
    """The present values as a list of str."""
    if _is_arrow(values):
        return _pyarrow().compute.drop_null(values).to_pylist()
    return (values if present.all() else values[present]).tolist()


def _blank(values, present: np.ndarray) -> np.ndarray:
    """True where a present value is only white space (what ``str.strip`` removes)."""
    out = np.zeros(len(present), dtype=bool)
    texts = _present(values, present)
    out[present] = np.fromiter((not t.strip() for t in texts), dtype=bool, count=len(texts))
    return out


def _value(values, row: int):
    if isinstance(values, _Coded):
        return values.value(row)
    return values[row].as_py() if _is_arrow(values) else values[row]


def _joined(values, present: np.ndarray) -> str | None:
    """The present values joined by newlines; None when a value holds a newline."""
    if _is_arrow(values):
        pa = _pyarrow()
        present_values = pa.compute.drop_null(values)
        chunks = getattr(present_values, "chunks", [present_values])
        parts = []
        for chunk in chunks:  # one string per chunk, joined by pyarrow
            if len(chunk):
                lists = pa.ListArray.from_arrays(pa.array([0, len(chunk)], pa.int32()), chunk)
                newline = pa.scalar("\n", lists.type.value_type)
                parts.append(pa.compute.binary_join(lists, newline)[0].as_py())
        joined, n = "\n".join(parts), int(present.sum())
    else:
        texts = _present(values, present)
        joined, n = "\n".join(texts), len(texts)
    return joined if joined.count("\n") == max(n - 1, 0) else None


# Regex constructs that might match a newline: then a joined scan could let one line borrow
# from the next (negated classes, escapes other than \d \w \S and escaped literals, inline
# flags and lookarounds, control characters, which a class range could span).
_CROSSES_LINES = re.compile(r"\[\^|\\[^dwS.\\\-+*?()\[\]{}|^$/]|\(\?(?!:)|[\x00-\x1f]")


# Patterns that pyarrow's regex engine (RE2) reads exactly as Python's ``re`` does: ASCII
# literals, classes of them (ranges, negation), groups, alternation, quantifiers, anchors and
# escaped punctuation; no shorthand class (\d, \w, \s: Unicode in ``re``, ASCII in RE2), no
# ``(?`` construct, no backreference, no ``{,n}`` (a quantifier in ``re``, literal in RE2).
_SAME_IN_RE2 = re.compile(r"(?:[A-Za-z0-9 _\-.,;:/|()\[\]{}*+?^$]|\\[.\-+*?()\[\]{}|^$/])*")


def _fullmatch(values, body: str, present: np.ndarray) -> np.ndarray:
    """True where a present value matches ``body`` in full (``re.fullmatch``) or is missing.

    A million unique ids would be matched one Python call at a time; instead, pyarrow checks
    them at once when the pattern means the same to its engine, or else, when no value holds
    a newline, the values are joined by newlines and one multi-line scan looks for a line
    that does not match. Only when either finds one are the values matched one by one, by
    ``re``: every verdict on a bad value is Python's.
    """
    ok = np.ones(len(present), dtype=bool)
    if not present.any():
        return ok
    if _is_arrow(values) and _SAME_IN_RE2.fullmatch(body) and not re.search(r"\(\?|\{,", body):
        pa = _pyarrow()
        try:
            matched = pa.compute.match_substring_regex(values, f"^(?:{body})$")
        except pa.ArrowInvalid:  # beyond RE2 (a repeat over 1000, say): re decides
            matched = None
        if matched is not None and pa.compute.all(pa.compute.fill_null(matched, True)).as_py():
            return ok
    elif not _CROSSES_LINES.search(body):
        joined = _joined(values, present)
        scan = re.compile(rf"^(?!(?:{body})$)", re.MULTILINE)
        if joined is not None and scan.search(joined) is None:
            return ok
    pattern = re.compile(body)
    texts = _present(values, present)
    ok[present] = [pattern.fullmatch(v) is not None for v in texts]
    return ok


def _with_control_characters(values, present: np.ndarray) -> np.ndarray:
    """True where a present value holds a control character other than tab and line breaks
    (:data:`kirkuk_analysis.text.CONTROL`). One scan of the whole column; values one by one
    only after a hit."""
    out = np.zeros(len(present), dtype=bool)
    if not present.any():
        return out
    if _is_arrow(values):
        pc = _pyarrow().compute
        hits = _numpy(pc.fill_null(pc.match_substring_regex(values, CONTROL_RE2), False))
        if not hits.any():
            return out
    texts = _present(values, present)
    if CONTROL.search("\t".join(texts)) is None:  # tab: allowed, and ends no CR's CRLF
        return out
    out[present] = [CONTROL.search(v) is not None for v in texts]
    return out


def _why_control(value: str) -> str:
    return (
        f"{_clip(value)!r} contains {control_character(value)}; a text cell may hold "
        "tabs and line breaks only"
    )


def _shorter_than(values, n: int, present: np.ndarray) -> np.ndarray:
    """True where a present value has fewer than ``n`` characters (code points)."""
    if _is_arrow(values):
        pc = _pyarrow().compute
        return _numpy(pc.fill_null(pc.less(pc.utf8_length(values), n), False))
    out = np.zeros(len(present), dtype=bool)
    texts = _present(values, present)
    out[present] = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) < n
    return out


def _coded(values) -> _Coded:
    """A text array coded by first appearance (missing values: code -1)."""
    if isinstance(values, _Coded):
        return values
    if _is_arrow(values):
        return _arrow_coded(_pyarrow().compute.dictionary_encode(values))
    codes, uniques = pd.factorize(values)
    return _Coded(codes, np.asarray(uniques, dtype=object))


def _arrow_coded(column) -> _Coded:
    """A pyarrow dictionary (chunked) array as codes into its dictionary."""
    pa = _pyarrow()
    if isinstance(column, pa.ChunkedArray):
        chunks = column.unify_dictionaries().chunks
    else:
        chunks = [column]
    if not chunks:
        return _Coded(np.empty(0, dtype=np.int32), np.empty(0, dtype=object))
    indices = pa.chunked_array([chunk.indices for chunk in chunks], chunks[0].indices.type)
    codes = _numpy(pa.compute.fill_null(indices, -1))
    cats = np.empty(len(chunks[0].dictionary), dtype=object)
    cats[:] = chunks[0].dictionary.to_pylist()
    return _Coded(codes, cats)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@functools.cache
def _str_dtype_for(storage: str) -> pd.StringDtype:
    return pd.api.types.pandas_dtype("str")


def _str_dtype() -> pd.StringDtype:
    """pandas' default string dtype, ``str`` (pyarrow-backed when pyarrow is installed)."""
    return _str_dtype_for(pd.get_option("mode.string_storage"))


def _text_array(values):
    """The output of a text column: a pandas ``str`` array (missing: NaN)."""
    dtype = _str_dtype()
    if isinstance(values, _Coded):
        if len(values) > _SMALL_KEY and dtype.storage == "pyarrow":
            pa = _pyarrow()  # pyarrow's take: no Python object per cell
            cats = pa.array(values.cats.tolist(), type=pa.large_string())
            taken = cats.take(pa.array(values.codes, mask=values.codes < 0))
            return pd.array(taken, dtype=dtype)
        values = _take(values.cats, values.codes, None)
    if _is_arrow(values):
        return pd.array(values, dtype=dtype)
    return dtype.construct_array_type()._from_sequence(values, dtype=dtype)


# ------------------------------------------------------------------ lookups


#: Keys of up to this many values are looked up in a dict, larger ones in a pandas Index.
_SMALL_KEY = 2_000


class _Key:
    """The values a key column holds, with a lookup table built on first need and kept: a
    dict (value -> first position) for a small key, a pandas Index (a hash table) for a large
    one. A pyarrow key needs neither: pyarrow hashes it in each lookup."""

    def __init__(self, values):
        self.values = values
        self._table = None

    def __len__(self) -> int:
        return len(self.values)

    def table(self):
        if self._table is None:
            values = _numpy(self.values)
            if len(values) <= _SMALL_KEY:
                positions: dict = {}
                for i, v in enumerate(values.tolist()):
                    positions.setdefault(v, i)
                self._table = positions
            else:
                index = pd.Index(values, dtype=object)
                unique = index.is_unique  # else: membership only (the repeats are reported)
                self._table = index if unique else pd.Index(pd.unique(values), dtype=object)
        return self._table


def _lookup(key, values, missing: np.ndarray | None = None) -> np.ndarray:
    """The position in ``key`` (a :class:`_Key` or a text array) of each of ``values`` (-1
    where absent or missing; ``missing`` is the mask of missing values, when already known).

    Child tables list the rows of one parent together, parent after parent (the casualty
    rows of an incident): each run of repeated values is looked up once, and first guessed
    to sit at the key's next row (one vectorised comparison); only runs the guess misses are
    looked up by hash.
    """
    n = len(values)
    key = key if isinstance(key, _Key) else _Key(key)
    arrow = _is_arrow(key.values) or _is_arrow(values)
    if not arrow and len(key) <= _SMALL_KEY:
        table = key.table()
        rows = np.fromiter((table.get(v, -1) for v in values.tolist()), np.int64, count=n)
        rows[_missing_of(values) if missing is None else missing] = -1
        return rows
    if arrow:
        pc = _pyarrow().compute
        key, values = _arrow(key.values), _arrow(values)
        if n > 1:
            differs = pc.fill_null(pc.not_equal(values[1:], values[:-1]), True)
            heads = np.flatnonzero(np.concatenate([[True], _numpy(differs)]))
        else:
            heads = np.arange(n)
        runs = values.take(heads) if len(heads) < n else values
    else:
        values = _numpy(values)
        heads = np.arange(n)
        if n > 1:
            starts = np.empty(n, dtype=bool)
            starts[0] = True
            np.not_equal(values[1:], values[:-1], out=starts[1:])  # NaN != NaN: a run of its own
            heads = np.flatnonzero(starts)
        runs = values[heads]
    pos = np.full(len(heads), -1, dtype=np.int64)
    m = min(len(heads), len(key))
    if m:
        guess = np.arange(m)
        if arrow:
            same = _numpy(pc.fill_null(pc.equal(key.slice(0, m), runs.slice(0, m)), False))
        else:
            same = np.asarray(_numpy(key.values)[:m] == runs[:m], dtype=bool)
        pos[:m][same] = guess[same]
    rest = np.flatnonzero(pos < 0)
    if len(rest) and arrow and 8 * len(rest) < len(key):
        # a few values into a large key: hash the few, scan the key once
        wanted = list(dict.fromkeys(runs.take(rest).to_pylist()))
        hit = _numpy(pc.fill_null(pc.index_in(key, value_set=_arrow(_objects(wanted))), -1))
        first = np.full(len(wanted), -1, dtype=np.int64)
        at = np.flatnonzero(hit >= 0)[::-1]
        first[hit[at]] = at  # written last to first: the first row wins
        row_of = dict(zip(wanted, first.tolist(), strict=True))
        pos[rest] = [row_of[v] for v in runs.take(rest).to_pylist()]
    elif len(rest):
        if arrow:
            found = pc.fill_null(pc.index_in(runs.take(rest), value_set=key), -1)
            pos[rest] = _numpy(found)
        else:
            pos[rest] = key.table().get_indexer(runs[rest])
    rows = pos if len(heads) == n else np.repeat(pos, np.diff(np.append(heads, n)))
    rows[_missing_of(values) if missing is None else missing] = -1
    return rows


def _physical_lines_match(data: bytes | mmap.mmap, n_rows: int) -> bool:
    """True when each record is one line: no embedded newline, no blank line, and no carriage
    return outside a CRLF (the csv module counts a lone one as a line break).

    The bytes are counted by numpy in slices (faster than bytes.count).
    """
    step = 1 << 20  # slices that stay in the CPU's cache for the second comparison
    view = np.frombuffer(data, dtype=np.uint8)
    newlines = returns = 0
    any_return = data.find(b"\r") >= 0  # a fast search: most files hold none
    for i in range(0, len(view), step):
        piece = view[i : i + step]
        newlines += int(np.count_nonzero(piece == 10))
        if any_return:
            returns += int(np.count_nonzero(piece == 13))
    if returns:
        last = len(view) - 1  # a CR in the last byte ends no CRLF
        pairs = 0
        for i in range(0, last, step):
            j = min(i + step, last)
            pairs += int(np.count_nonzero((view[i:j] == 13) & (view[i + 1 : j + 1] == 10)))
        if pairs != returns:
            return False
    return newlines == n_rows + (1 if data[-1:] == b"\n" else 0)


def _rows_not_plain(data: bytes | mmap.mmap, width: int) -> bool:
    """True when a line of ``data`` (a file whose records are one line each) is not a plain
    row of ``width`` fields: it has more or fewer field separators (commas outside quotes),
    is blank, has a quoted line break, text after a quoted cell's closing quote, or a quote
    inside an unquoted cell. pandas' parser pads a short row, pyarrow's reads a blank line
    as a row of empty cells, and both join text after a closing quote to its cell, all
    silently: such a file is read by the csv module, which names each.

    Quotes alternate, opening and closing (a doubled quote closes and opens again), so a
    comma or a newline is outside quotes when an even number of quotes comes before it:
    the file is looked at only where its quotes, commas and newlines are.

    >>> _rows_not_plain(b'a,b,c\\n1,"2,x",3\\n', 3), _rows_not_plain(b'a,b,c\\n1,"2,x"\\n', 3)
    (False, True)
    >>> _rows_not_plain(b'a,b\\n1,2\\n\\n3,4\\n', 2), _rows_not_plain(b'a,b\\n"1"x,2\\n', 2)
    (True, True)
    >>> _rows_not_plain(b'a,b\\n"x""y",2\\n', 2)  # a doubled quote
    False
    """
    view = np.frombuffer(data, dtype=np.uint8)
    size = len(view)
    quotes = np.flatnonzero(view == 34)
    if len(quotes):
        opening, closing = quotes[0::2], quotes[1::2]
        if len(closing) < len(opening):
            return True  # a quote never closed
        # an opening quote starts a cell (or doubles the quote just before it)
        before = view[np.maximum(opening - 1, 0)]
        if not np.isin(before, (44, 10, 13, 34))[opening > 0].all():
            return True
        # a closing quote ends its cell (or is the first of a doubled quote)
        after = np.append(view, np.uint8(10))[closing + 1]
        if not np.isin(after, (44, 10, 13, 34)).all():
            return True
    newlines = np.flatnonzero(view == 10)
    if (np.searchsorted(quotes, newlines) % 2).any():
        return True  # a line break inside quotes
    commas = np.flatnonzero(view == 44)
    commas = commas[np.searchsorted(quotes, commas) % 2 == 0]  # outside quotes
    if not len(newlines) or newlines[-1] != size - 1:
        newlines = np.append(newlines, size)  # the last line, without its newline
    per_line = np.diff(np.searchsorted(commas, newlines), prepend=0)
    return bool((per_line != width - 1).any())


# ------------------------------------------------------------------ the readers

_BAD_BYTES = re.compile("[\udc80-\udcff]+")
_LONE_CR = re.compile("\r(?!\n)")
_LONE_CR_STAND_IN = "\ue00d"  # a private-use character, never a CSV's delimiter or quote
_FIRST_LINE = re.compile(rb"[^\r\n]*")


def _read_with_csv(
    data: bytes, file: str, kinds: dict[str, str], problems: list[Problem]
) -> tuple[dict, np.ndarray]:
    """Read with the csv module: exact physical lines, ragged rows, blank lines, bad bytes.

    Bytes that are not UTF-8 are reported, then stand as U+FFFD in the values (a value that
    cannot be encoded would break pandas' pyarrow-backed strings).
    """
    text = data.decode("utf-8-sig", errors="surrogateescape")
    # In a file whose lines end in LF (or CRLF), a carriage return alone is no line end: the
    # csv module would split its row there, and every line after it would be numbered one
    # further than an editor shows. It is held as a stand-in while the rows are read, and
    # put back in its cell, where the control-character rule names it on its own line.
    stand_in = _LONE_CR_STAND_IN if "\n" in text and _LONE_CR_STAND_IN not in text else None
    if stand_in is not None:
        text = _LONE_CR.sub(stand_in, text)
    reader = csv.reader(io.StringIO(text, newline=""))
    with field_size_limit(len(text)):
        header = next(reader, [])
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = reader.line_num
    with field_size_limit(len(text)):
        for record in reader:
            start = previous + 1
            previous = reader.line_num
            if not record or record == [""]:
                problems.append(Problem(file, start, "-", "blank line"))
                continue
            if len(record) != width:
                problems.append(
                    Problem(file, start, "-", f"{len(record)} fields, the header has {width}")
                )
                record = (record + [""] * width)[:width]
            rows.append(record)
            lines.append(start)
    for start, end in _stray_quotes(text) if '"' in text else ():
        runs = f" runs on from this line to line {end}, and" if end > start else ""
        problems.append(
            Problem(
                file, start, "-",
                f"a quoted cell{runs} has text after its closing quote: a quote out of place? "
                "(a quote inside a quoted cell is doubled: \"\"); the cells were read as if "
                "it were not there",
            )
        )  # fmt: skip
    if text.count('"') % 2 and (start := _unclosed_quote(text)) is not None:
        problems.append(
            Problem(
                file, start, "-",
                "a quote opened in this row is never closed: the rest of the file was read "
                "as one cell (close it, or double a quote inside a quoted cell: \"\")",
            )
        )  # fmt: skip
    line_arr = np.asarray(lines, dtype=np.int64)
    cells = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    bad_bytes = _BAD_BYTES.search(text) is not None
    columns: dict = {}
    for j, name in enumerate(header):
        if name in columns:
            continue  # a repeated column (reported): its first copy is read
        values = list(cells[j])
        if bad_bytes and _BAD_BYTES.search("\n".join(values)):
            for row, value in enumerate(values):
                if found := _BAD_BYTES.search(value):
                    raw = found.group().encode("utf-8", "surrogateescape")
                    reason = f"bytes that are not UTF-8: {raw!r}"
                    problems.append(Problem(file, int(line_arr[row]), name, reason))
                    values[row] = _BAD_BYTES.sub(lambda m: "\ufffd" * len(m.group()), value)
        if stand_in is not None:
            values = [v.replace(stand_in, "\r") if stand_in in v else v for v in values]
        if kinds.get(name, "str") == "str":
            columns[name] = _objects([v if v else np.nan for v in values])
        else:
            index: dict[str, int] = {}
            codes = [index.setdefault(v, len(index)) if v else -1 for v in values]
            columns[name] = _Coded(np.array(codes, dtype=np.intp), _objects(list(index)))
    for name in header:
        if _BAD_BYTES.search(name):
            problems.append(Problem(file, 1, name, "bytes that are not UTF-8 in the header"))
    return columns, line_arr


def _stray_quotes(text: str) -> list[tuple[int, int]]:
    """(the line a row starts on, the line where text follows a quoted cell's closing
    quote) for each such row of ``text``. The csv module's lenient reading joins the text
    to the cell (``"da"y`` is ``day``), and a stray quote at a cell's start pairs with the
    next quote in the file, swallowing the rows between into one cell; its strict reading
    is the one that notices.

    >>> _stray_quotes('a,b\\n1,"x\\n2,"y"z\\n3,w\\n'), _stray_quotes('a,b\\n1,"x"\\n')
    ([(2, 3)], [])
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    found, previous = [], 0
    with field_size_limit(len(text)):
        while True:
            try:
                next(reader)
            except StopIteration:
                return found
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    return found  # an unclosed quote: _unclosed_quote says so
                if "expected after" in str(exc):
                    found.append((previous + 1, reader.line_num))
            previous = reader.line_num


def _unclosed_quote(text: str) -> int | None:
    """The line where the row starts whose quoted cell runs to the end of ``text``, or None.

    The csv module's lenient reading takes such a cell whole, to the end of the file, and
    the rows it swallowed with it; its strict reading is the one that notices.

    >>> _unclosed_quote('a,b\\n1,"x\\n2,y\\n'), _unclosed_quote('a,b\\n1,"x""y"\\n')
    (2, None)
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous = 0
    with field_size_limit(len(text)):
        while True:
            try:
                next(reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    return previous + 1
            previous = reader.line_num


def _read_with_pandas(path: Path, header: list[str], kinds: dict[str, str]) -> dict | None:
    """pandas' C parser: 'category' columns coded by the parser, the others read as text.

    ``None`` when the file needs the csv module (bad bytes, ragged rows). When the parser
    turned a column's categories into numbers or booleans (the spellings are then lost),
    the file is read again, every column as text.
    """
    import warnings

    as_read = {n: "category" if kinds.get(n) == "category" else "str" for n in header}
    for dtype in (as_read, "str"):
        try:
            with warnings.catch_warnings():
                # a row longer than the header: pandas warns and drops its extra fields
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    path,
                    dtype=dtype,
                    keep_default_na=False,
                    na_values=[""],
                    # never an index column: a first row one field longer than the header
                    # would make one, and shift every column by one
                    index_col=False,
                    encoding="utf-8",  # the C parser drops a BOM itself; utf-8-sig would
                    # route the bytes through a Python text decoder
                    encoding_errors="strict",
                )
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.ParserWarning, ValueError):
            return None
        if list(frame.columns) != header:
            return None
        columns = {}
        for name in header:
            s = frame[name]
            if isinstance(s.dtype, pd.CategoricalDtype):
                cats = s.cat.categories
                if cats.inferred_type not in ("string", "empty"):
                    break  # categories inferred as numbers or booleans: read as text
                columns[name] = _Coded(s.cat.codes.to_numpy(), _objects(cats.tolist()))
            else:
                values = np.asarray(s.array, dtype=object)  # no copy: NaN where empty
                coded = kinds.get(name, "str") != "str"
                columns[name] = _coded(values) if coded else values
        else:
            return columns
    return None


def _read_with_pyarrow(path: Path, header: list[str], kinds: dict[str, str]) -> dict | None:
    """pyarrow's CSV reader (threaded): few-valued columns as dictionaries, the others as
    strings. ``None`` when the file needs the csv module (bad bytes, ragged rows, blank
    lines, a quoted newline where the reader splits the file)."""
    pa = _pyarrow()
    pv = pa.csv
    coded = pa.dictionary(pa.int32(), pa.string())
    types = {n: pa.large_string() if kinds.get(n, "str") == "str" else coded for n in header}
    try:
        table = pv.read_csv(
            path,
            parse_options=pv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.column_names != header:
        return None
    columns = {}
    for name in header:
        column = table.column(name)
        columns[name] = _arrow_coded(column) if types[name] == coded else column
    return columns


def _read_csv(
    folder: Path,
    resource: dict,
    problems: list[Problem],
    fk_fields: set[str],
    wide_fk: set[str] = frozenset(),
) -> _Table | None:
    file = resource["path"]
    path = folder / file
    if why := unreadable(folder, path):
        problems.append(Problem(file, 1, "-", why))
        return None
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                problems.append(Problem(file, 1, "-", "empty file (not even a header line)"))
                return None
            # mapped, not copied: the header and the line count read the file's pages in place
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _read_mapped(data, path, file, resource, fk_fields, wide_fk, problems)
    except OSError as exc:
        problems.append(Problem(file, 1, "-", f"cannot be read: {exc.strerror or exc}"))
        return None


_WIDE_ENCODINGS = (  # byte-order marks, the longer first (UTF-32 LE's begins as UTF-16 LE's)
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
#: Other column separators, with how a spreadsheet comes to write them.
_OTHER_DELIMITERS = {
    ";": ("';'", "a spreadsheet set to a language with decimal commas saves CSV so"),
    "\t": ("tabs", 'a spreadsheet\'s "Text (tab-delimited)" is saved so'),
    "|": ("'|'", ""),
}


def _not_utf8_csv(first_line: bytes, names: list[str]) -> str | None:
    """What is wrong with a table's whole form, judged from its header line (``first_line``,
    without a UTF-8 byte-order mark), or None: text in UTF-16 or UTF-32 (a spreadsheet's
    "Unicode text"), or columns separated by something other than commas. Read on, either
    would give a problem for every column, or every row.

    >>> names = ["place_id", "name"]
    >>> _not_utf8_csv(b"place_id,name", names) is None
    True
    >>> print(_not_utf8_csv(b"place_id;name", names).split(" (")[0])
    columns separated by ';', not commas
    >>> print(_not_utf8_csv("place_id,name".encode("utf-16"), names).split(":")[0])
    the file is UTF-16 text (it begins with the byte-order mark ff fe), not UTF-8
    """
    save = 'save it as "CSV UTF-8 (comma-delimited)"'
    for bom, encoding in _WIDE_ENCODINGS:
        if first_line.startswith(bom):
            why = f"it begins with the byte-order mark {bom.hex(' ')}"
            return f"the file is {encoding} text ({why}), not UTF-8: {save}"
    if b"\x00" in first_line:
        return f"the header has NUL bytes, as UTF-16 text has: not UTF-8 text; {save}"
    if b"," in first_line:
        return None
    header = first_line.decode("utf-8", errors="replace")
    for delimiter, (said, how) in _OTHER_DELIMITERS.items():
        if delimiter in header and set(header.split(delimiter)) & set(names):
            how = f" ({how})" if how else ""
            return f"columns separated by {said}, not commas{how}: {save}"
    return None


def _read_mapped(
    data: mmap.mmap,
    path: Path,
    file: str,
    resource: dict,
    fk_fields: set[str],
    wide_fk: set[str],
    problems: list[Problem],
) -> _Table | None:
    schema = resource["schema"]
    names = [fd["name"] for fd in schema["fields"]]
    if re.match(rb"[\xef\xbb\xbf \t\r\n]*\Z", data):
        problems.append(Problem(file, 1, "-", "empty file (not even a header line)"))
        return None

    # the header line ends at the first LF or CR (a file may end its lines with CR alone)
    first_line = _FIRST_LINE.match(data).group().removeprefix(b"\xef\xbb\xbf")
    if not first_line.strip():
        # read on, every row would be "N fields, the header has 0": one problem says it
        problems.append(
            Problem(file, 1, "-", "the file begins with a blank line: the header must be its "
                                  "first line")
        )  # fmt: skip
        return None
    if wrong := _not_utf8_csv(first_line, names):
        problems.append(Problem(file, 1, "-", wrong))
        return None  # every cell would be misread: one problem says it
    with field_size_limit(len(first_line)):
        header = next(csv.reader([first_line.decode("utf-8", errors="surrogateescape")]), [])
    known = set(names)
    for position, name in enumerate(header):
        if name not in known:
            expected = names[position] if position < len(names) else None
            hint = f" (column {position + 1} should be {expected!r})" if expected else ""
            problems.append(Problem(file, 1, name or "-", f"unknown column{hint}"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, 1, name, "column appears twice in the header"))
        seen.add(name)
    missing = [n for n in names if n not in seen]
    for name in missing:
        problems.append(Problem(file, 1, name, "missing column"))
    present = [n for n in header if n in known]
    if not missing and present != names[: len(present)]:
        problems.append(Problem(file, 1, "-", f"columns out of order: expected {', '.join(names)}"))

    kinds = {fd["name"]: _field_kind(fd, fk_fields, wide_fk) for fd in schema["fields"]}
    reader = _reader_for(len(data))
    columns = None
    if reader != "csv" and len(seen) == len(header) and not _BAD_BYTES.search(",".join(header)):
        # Read by path, as a bare read_csv is: the file is then parsed on several threads.
        read = _read_with_pyarrow if reader == "pyarrow" else _read_with_pandas
        columns = read(path, header, kinds)
        n_rows = len(next(iter(columns.values()))) if columns else 0
        if columns is not None and not (
            _physical_lines_match(data, n_rows) and not _rows_not_plain(data, len(header))
        ):
            columns = None
    if columns is None:
        columns, lines = _read_with_csv(bytes(data), file, kinds, problems)
    else:
        lines = np.arange(2, n_rows + 2, dtype=np.int64)
    columns = {c: v for c, v in columns.items() if c in known}
    return _Table(resource["name"], file, schema, columns, lines)


# --------------------------------------------------------------------------------------
# Field checks (vectorised; a coded column is checked once per distinct value)


def _rows_with_bad_categories(codes: np.ndarray, bad: np.ndarray) -> np.ndarray:
    if not bad.any():
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.isin(codes, np.flatnonzero(bad)))


def _take(values: np.ndarray, codes: np.ndarray, missing) -> np.ndarray:
    """values[codes] with code -1 mapped to ``missing``."""
    ext = np.append(values, np.array([missing], dtype=values.dtype))
    return ext[codes]


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def _report(t: _Table, problems: list[Problem], rows: Iterable[int], column: str, reason) -> None:
    """One problem per row (``reason``: a text, or a function of the row)."""
    lines = t.lines
    for row in rows:
        text = reason(int(row)) if callable(reason) else reason
        problems.append(Problem(t.file, int(lines[row]), column, text))


def _missing(t: _Table, column: str) -> np.ndarray:
    """The empty cells of a column (computed once)."""
    if column not in t.missing:
        t.missing[column] = _missing_of(t.columns[column])
    return t.missing[column]


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"[+-]?[0-9]+")

#: The largest magnitude an integer or number may have, 2**53 - 1: every such value is exact
#: as a float too (sums, plots), and a million of them add up inside int64. The package's
#: own ``maximum`` constraints are far lower; this holds for any package.
MAX_EXACT = 2**53 - 1
MAX_EXACT_TEXT = "9007199254740991 (2**53 - 1)"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_URI_RE = r"[A-Za-z][A-Za-z0-9+.-]*:\S+"
_TRUE = frozenset(("true", "True", "TRUE", "1"))
_FALSE = frozenset(("false", "False", "FALSE", "0"))


def _is_date(text: str) -> bool:
    if _DATE.fullmatch(text) is None:
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _parse(kind: str, texts: list[str]) -> tuple[np.ndarray, np.ndarray, Callable[[str], str]]:
    """Each distinct text of a typed column parsed: (values, mask of bad texts, the reason
    for a bad text)."""
    if kind == "date":
        good = [_is_date(v) for v in texts]
        iso = [v if ok else "NaT" for v, ok in zip(texts, good, strict=True)]
        values = np.array(iso, dtype="datetime64[D]").astype("datetime64[us]")
        return values, ~np.array(good, dtype=bool), lambda v: f"{v!r} is not a date (YYYY-MM-DD)"
    if kind == "integer":
        ints = [int(v) if _INTEGER.fullmatch(v) else None for v in texts]
        good = [i is not None and abs(i) <= MAX_EXACT for i in ints]
        values = np.array([i if ok else 0 for i, ok in zip(ints, good, strict=True)], np.int64)
        return values, ~np.array(good, dtype=bool), _why_not_integer
    if kind == "number":
        nums = [float(v) if _NUMBER.fullmatch(v) else np.nan for v in texts]
        good = [
            _NUMBER.fullmatch(v) is not None and abs(x) <= MAX_EXACT
            for v, x in zip(texts, nums, strict=True)
        ]
        values = np.array(
            [x if ok else np.nan for x, ok in zip(nums, good, strict=True)], np.float64
        )
        return values, ~np.array(good, dtype=bool), _why_not_number
    is_true = np.array([v in _TRUE for v in texts], dtype=bool)
    is_false = np.array([v in _FALSE for v in texts], dtype=bool)
    return (
        is_true,
        ~(is_true | is_false),
        lambda v: f"{v!r} is not a boolean (true or false)",
    )


def _why_not_integer(text: str) -> str:
    if _INTEGER.fullmatch(text):
        return (
            f"{_clip(text)} is beyond {MAX_EXACT_TEXT}, the largest count the library adds exactly"
        )
    return f"{_clip(text)!r} is not an integer"


def _why_not_number(text: str) -> str:
    if _NUMBER.fullmatch(text):
        return (
            f"{_clip(text)} is beyond {MAX_EXACT_TEXT}, the largest figure the library adds exactly"
        )
    return f"{_clip(text)!r} is not a number"


def _clip(text: str, n: int = 40) -> str:
    """A long value shortened for a message (its first and last characters)."""
    return (
        text if len(text) <= n else f"{text[: n // 2]}...{text[-n // 4 :]} ({len(text)} characters)"
    )


@functools.lru_cache(maxsize=256)
def _enum_dtype(enum: tuple) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(enum))


def _enum_categorical(col: _Coded, enum: list) -> pd.Categorical:
    """A coded column as a categorical of its vocabulary (every category, used or not)."""
    position = {v: i for i, v in enumerate(enum)}
    width = np.int8 if len(enum) < 127 else np.int16 if len(enum) < 32_767 else np.int32
    to_enum = np.array([position.get(v, -1) for v in col.cats.tolist()], dtype=width)
    codes = _take(to_enum, col.codes, -1)
    return pd.Categorical.from_codes(codes, dtype=_enum_dtype(tuple(enum)), validate=False)


class _Checker:
    def __init__(self, table: _Table, problems: list[Problem], tables: dict[str, _Table]):
        self.t = table
        self.problems = problems
        self.tables = tables  # the tables read so far (for foreign-key lookups)

    def report(self, rows: Iterable[int], column: str, reason) -> None:
        _report(self.t, self.problems, rows, column, reason)

    def run(self) -> None:
        for fd in self.t.schema["fields"]:
            if fd["name"] in self.t.columns:
                self.field(fd)
        self.primary_key()

    def field(self, fd: dict) -> None:
        name, kind = fd["name"], fd.get("type", "string")
        c = fd.get("constraints", {})
        col = self.t.columns[name]
        missing = _missing(self.t, name)
        if c.get("required"):
            why = (
                "required: the verbatim excerpt that supports the row is missing"
                if name == "evidence"
                else "required value is empty"
            )
            self.report(np.flatnonzero(missing), name, why)
        if kind in ("date", "integer", "number", "boolean"):
            typed = self._typed(fd, c, _coded(col))
        else:  # string (the shipped schema uses only these types)
            typed = self._string(fd, c, col, missing)
        self.t.typed[name] = typed
        if c.get("unique"):
            self._unique(name, col, missing)

    def _string(self, fd, c, col, missing):
        name = fd["name"]
        if "enum" in c:
            col = _coded(col)
        coded = isinstance(col, _Coded)
        # what is checked: each distinct value of a coded column, or each cell
        values = col.cats if coded else col
        present = np.ones(len(values), dtype=bool) if coded else ~missing
        checks = []  # (bad mask over `values`, reason for a value)
        if "enum" in c:
            enum = c["enum"]
            allowed, known = ", ".join(map(str, enum)), set(enum)
            unknown = np.array([v not in known for v in values.tolist()], dtype=bool)
            checks.append((unknown, lambda v: f"unknown value {v!r} (allowed: {allowed})"))
        if "pattern" in c:
            pattern = c["pattern"]
            ok = _fullmatch(values, pattern.removeprefix("^").removesuffix("$"), present)
            vocab = _LIST_PATTERN.match(pattern)
            if vocab:
                items = vocab.group(1).split("|")

                def why(v, items=items):
                    unknown = [i for i in v.split(";") if i not in items]
                    label = ", ".join(repr(i) for i in unknown)
                    return (
                        f"unknown item(s) {label} in the ';'-list {v!r} "
                        f"(allowed: {', '.join(items)})"
                    )
            else:

                def why(v, pattern=pattern):
                    return _pattern_mismatch(v, pattern)

            checks.append((~ok & present, why))
        if c.get("required") and "enum" not in c:  # white space is no value either
            checks.append((_blank(values, present), lambda v: f"required value is blank: {v!r}"))
        if "minLength" in c:
            n = c["minLength"]
            short = _shorter_than(values, n, present)
            checks.append((short, lambda v, n=n: f"{v!r} is shorter than {n} characters"))
        if fd.get("format") == "uri":
            ok = _fullmatch(values, _URI_RE, present)
            checks.append((~ok & present, lambda v: f"{v!r} is not a URI"))
        controls = _with_control_characters(values, present)
        checks.append((controls, _why_control))
        for bad, why in checks:
            if not bad.any():
                continue
            rows = _rows_with_bad_categories(col.codes, bad) if coded else np.flatnonzero(bad)
            self.report(rows, name, lambda r, why=why: why(_value(col, r)))
        if "enum" in c:
            return _enum_categorical(col, c["enum"])
        return _text_array(col)

    def _typed(self, fd, c, col: _Coded):
        name, kind = fd["name"], fd["type"]
        raw = col.cats.tolist()
        values, bad, why_bad = _parse(kind, raw)
        checks = [(bad, why_bad)]
        ok = ~bad
        if "enum" in c and kind != "date":
            enum = c["enum"]
            allowed = ", ".join(map(str, enum))
            checks.append(
                (
                    ok & ~np.isin(values, enum),
                    lambda v, allowed=allowed: f"unknown value {v} (allowed: {allowed})",
                )
            )
        where = " (coordinates outside Iraq)" if name in ("lat", "lon") else ""
        if "minimum" in c and kind in ("integer", "number"):
            low = c["minimum"]
            checks.append(
                (ok & (values < low), lambda v, low=low: f"{v} is below the minimum {low}{where}")
            )
        if "maximum" in c and kind in ("integer", "number"):
            high = c["maximum"]
            checks.append(
                (
                    ok & (values > high),
                    lambda v, high=high: f"{v} is above the maximum {high}{where}",
                )
            )
        flagged = np.zeros(len(raw), dtype=bool)
        codes = col.codes
        for bad_mask, why in checks:
            rows = _rows_with_bad_categories(codes, bad_mask)
            self.report(rows, name, lambda r, why=why: why(raw[codes[r]]))
            flagged |= bad_mask
        # invalid cells become missing in the typed column (their problem is reported)
        code_ok = np.append(~flagged, False)[codes]
        if kind == "date":
            nat = np.datetime64("NaT", "us")
            out = _take(values, codes, nat)
            return np.where(code_ok, out, nat) if flagged.any() else out
        out = _take(values, codes, values.dtype.type(0))
        if kind == "integer":
            return pd.arrays.IntegerArray(out, ~code_ok)
        if code_ok.all():
            return out
        if kind == "number":
            return pd.arrays.FloatingArray(np.where(code_ok, out, 0.0), ~code_ok)
        return pd.arrays.BooleanArray(out, ~code_ok)

    def _unique(self, name: str, col, missing: np.ndarray) -> None:
        # One hash table answers the check and is kept for the foreign keys into this column.
        # A column found unique is kept as the key of the foreign keys into it.
        if isinstance(col, _Coded):
            counts = np.bincount(col.codes[~missing], minlength=len(col.cats))
            if (counts <= 1).all():
                self.t.keys[name] = _Key(col.cats)
                return
        elif _is_arrow(col):
            if _all_distinct(col):
                self.t.keys[name] = _Key(col)
                return
        else:
            present = col[~missing] if missing.any() else col
            if len(set(present)) == len(present):
                self.t.keys[name] = _Key(present)
                return
        values = _objects_of(col)
        s = pd.Series(values, dtype=object)
        present = ~missing
        dup = s.duplicated(keep="first").to_numpy() & present
        if not dup.any():
            return
        first_row = {}
        for row in np.flatnonzero(present):
            first_row.setdefault(values[row], row)
        self.report(
            np.flatnonzero(dup),
            name,
            lambda r: (
                f"duplicate value {values[r]!r} "
                f"(first on line {int(self.t.lines[first_row[values[r]]])})"
            ),
        )

    def primary_key(self) -> None:
        pk = self.t.schema.get("primaryKey") or []
        pk = [pk] if isinstance(pk, str) else list(pk)
        if not set(pk) <= set(self.t.columns):
            return
        if len(pk) == 1:
            # a one-column key is unique whether or not its field says so (when it does,
            # its field's check has reported the duplicates)
            (name,) = pk
            fd = next((f for f in self.t.schema["fields"] if f.get("name") == name), {})
            if not fd.get("constraints", {}).get("unique"):
                self._unique(name, self.t.columns[name], _missing(self.t, name))
            return
        dup = _duplicated_rows([self._codes(c) for c in pk])
        if not dup.any():
            return
        tuples = list(zip(*(_objects_of(self.t.columns[c]).tolist() for c in pk), strict=True))
        firsts: dict = {}
        for row, values in enumerate(tuples):
            firsts.setdefault(values, row)
        label = ", ".join(pk)
        self.report(
            np.flatnonzero(dup),
            pk[-1],
            lambda r: (
                f"duplicate key ({label}) = {tuples[r]!r} "
                f"(first on line {int(self.t.lines[firsts[tuples[r]]])})"
            ),
        )

    def _codes(self, column: str) -> tuple[np.ndarray, int]:
        """Integer codes of a column's values (-1 where empty) and how many codes there are.

        A text column that refers to a key already read is coded by its row in that key
        (one lookup, kept for the foreign-key check); other text columns are factorised.
        """
        col = self.t.columns[column]
        if isinstance(col, _Coded):
            return col.codes.astype(np.int64), len(col.cats)
        pos = _positions(self.t, column, self.tables)
        if pos is None:
            coded = _coded(col)
            return coded.codes.astype(np.int64), len(coded.cats)
        pos = pos.astype(np.int64)
        n = int(pos.max(initial=-1)) + 1
        unknown = (pos < 0) & ~_missing(self.t, column)
        if unknown.any():  # values not in the key: coded after it
            rows = np.flatnonzero(unknown)
            extra = _coded(_take_rows(col, rows))
            pos[rows] = extra.codes + n
            n += len(extra.cats)
        return pos, n


def _all_distinct(col) -> bool:
    """Whether the present values of a pyarrow column are all distinct: by a sort when they
    mostly come in order already (ids numbered as rows were added: one pass finds few
    descents), else by a hash."""
    pc = _pyarrow().compute
    values = pc.drop_null(col)
    n = len(values)
    if n < 2:
        return True
    descents = pc.sum(pc.less(values.slice(1), values.slice(0, n - 1))).as_py()
    if descents * 100 < n:
        ordered = values.take(pc.sort_indices(values))
        return not pc.any(pc.equal(ordered.slice(1), ordered.slice(0, n - 1))).as_py()
    return len(pc.unique(values)) == n


def _objects_of(col) -> np.ndarray:
    """A column's values as an object array of str (None where empty)."""
    if isinstance(col, _Coded):
        return _take(col.cats, col.codes, None)
    values = _numpy(col).copy()
    values[_missing_of(values)] = None
    return values


def _reference(t: _Table, column: str, tables: dict[str, _Table]) -> tuple[_Table, str] | None:
    """The table and field that ``column`` of ``t`` refers to, when it is a foreign key."""
    for fk in t.schema.get("foreignKeys", []):
        fields = fk["fields"] if isinstance(fk["fields"], str) else fk["fields"][0]
        if fields != column:
            continue
        ref_field = fk["reference"]["fields"]
        ref_field = ref_field if isinstance(ref_field, str) else ref_field[0]
        ref = tables.get(fk["reference"]["resource"] or t.name)
        if ref is None or ref_field not in ref.columns:
            return None
        return ref, ref_field
    return None


def _positions(t: _Table, column: str, tables: dict[str, _Table]) -> np.ndarray | None:
    """For a text foreign-key column, each row's position in the referenced key (-1: none)."""
    if column in t.positions:
        return t.positions[column]
    target = _reference(t, column, tables)
    col = t.columns[column]
    if target is None or isinstance(col, _Coded):
        return None
    ref, ref_field = target
    pos = _lookup(_key_values(ref, ref_field), col, _missing(t, column))
    t.positions[column] = pos
    return pos


def _duplicated_rows(columns: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Rows repeating an earlier row, hashed on one int64 key built from integer codes."""
    key = np.zeros(len(columns[0][0]) if columns else 0, dtype=np.int64)
    room = 1
    for codes, n in columns:
        room *= n + 1
        if room >= 2**62:
            frame = pd.DataFrame({i: c for i, (c, _) in enumerate(columns)})
            return frame.duplicated(keep="first").to_numpy()
        key = key * (n + 1) + (codes + 1)
    # a sort finds out whether any key repeats, faster than a hash; rows mostly come in key
    # order (casualties incident by incident), which the stable sort (timsort) runs through
    ordered = np.sort(key, kind="stable")
    if not (ordered[1:] == ordered[:-1]).any():
        return np.zeros(len(key), dtype=bool)
    return pd.Series(key).duplicated(keep="first").to_numpy()


# --------------------------------------------------------------------------------------
# Checks across columns and tables


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _check_dates(t: _Table, problems: list[Problem], start: str, end: str, precision: str | None):
    if start not in t.typed or end not in t.typed:
        return
    s, e = t.typed[start], t.typed[end]
    before = (e < s) & ~np.isnat(s) & ~np.isnat(e)
    _report(
        t,
        problems,
        np.flatnonzero(before),
        end,
        lambda r: f"{end} {_day(e[r])} is before {start} {_day(s[r])}",
    )
    if precision is None or precision not in t.typed:
        return
    p = t.typed[precision]  # a categorical of the precisions
    p = p if isinstance(p, pd.Categorical) else pd.Categorical(p)
    limits = [PRECISION_DAYS.get(v, np.nan) for v in p.categories.tolist()]
    limit = _take(np.array(limits, dtype=np.float64), p.codes, np.nan)  # NaN where unknown
    days = (e - s).astype("timedelta64[D]").astype("float64") + 1
    too_wide = ~before & (days > limit)  # NaN comparisons are False
    _report(
        t,
        problems,
        np.flatnonzero(too_wide),
        precision,
        lambda r: (
            f"a range of {int(days[r])} days ({_day(s[r])}..{_day(e[r])}) is wider than "
            f"{p[r]!r} allows ({PRECISION_DAYS[p[r]]} day(s) at most)"
        ),
    )


def _floats(values) -> np.ndarray:
    """A typed numeric column as float64 (NaN where missing)."""
    if isinstance(values, np.ndarray):
        return values.astype(np.float64, copy=False)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_low_best_high(t: _Table, problems: list[Problem]) -> None:
    if not {"best", "low", "high"} <= set(t.typed):
        return
    low, best, high = (_floats(t.typed[c]) for c in ("low", "best", "high"))
    rule = "(rule: low <= best <= high)"
    rules = [
        (low > best, "low", lambda r: f"low {_fmt(low[r])} is above best {_fmt(best[r])} {rule}"),
        (
            best > high,
            "high",
            lambda r: f"best {_fmt(best[r])} is above high {_fmt(high[r])} {rule}",
        ),
        (
            (low > high) & np.isnan(best),
            "high",
            lambda r: f"low {_fmt(low[r])} is above high {_fmt(high[r])} {rule}",
        ),
    ]
    for mask, column, why in rules:  # NaN comparisons are False
        _report(t, problems, np.flatnonzero(mask), column, why)


def _check_whole_counts(t: _Table, counts: tuple[str, ...], problems: list[Problem]) -> None:
    """A claim of a metric that counts (people killed, attacks: the vocabulary's
    ``count_metrics``) gives whole numbers: 100.5 killed is a typing slip, not a figure."""
    if "metric" not in t.columns or not {"best", "low", "high"} <= set(t.typed):
        return
    col = t.columns["metric"]
    if isinstance(col, _Coded):
        counting = np.append(np.isin(_numpy(col.cats), list(counts)), False)[col.codes]
    else:
        counting = np.isin(_numpy(col), list(counts))
    for column in ("best", "low", "high"):
        values = _floats(t.typed[column])
        with np.errstate(invalid="ignore"):
            broken = counting & ~np.isnan(values) & (values != np.floor(values))
        _report(
            t, problems, np.flatnonzero(broken), column,
            lambda r, v=values: (
                f"{_fmt(v[r])} is not a whole number (metric {_value(col, r)!r} counts in "
                "whole numbers)"
            ),
        )  # fmt: skip


def _key_values(t: _Table, column: str) -> _Key:
    """The distinct present values of a key column (kept, with its lookup table)."""
    if column not in t.keys:
        col = t.columns[column]
        if isinstance(col, _Coded):
            t.keys[column] = _Key(col.cats)
        elif _is_arrow(col):
            t.keys[column] = _Key(_pyarrow().compute.unique(col))
        else:
            t.keys[column] = _Key(pd.unique(col[~_missing(t, column)]))
    return t.keys[column]


def _check_composite_key(
    t: _Table, fk: dict, tables: dict[str, _Table], problems: list[Problem]
) -> None:
    """A foreign key of several fields: each row's values, together, are a row of the
    referenced table's fields (a row with an empty one is not checked, as Frictionless)."""
    own, ref = list(fk["fields"]), fk["reference"]
    target = tables.get(ref.get("resource") or t.name)
    theirs = [ref["fields"]] if isinstance(ref["fields"], str) else list(ref["fields"])
    if target is None or not (set(own) <= set(t.columns) and set(theirs) <= set(target.columns)):
        return
    known = set(zip(*(_objects_of(target.columns[c]).tolist() for c in theirs), strict=True))
    rows = list(zip(*(_objects_of(t.columns[c]).tolist() for c in own), strict=True))
    bad = [r for r, values in enumerate(rows) if None not in values and values not in known]
    _report(
        t, problems, bad, own[-1],
        lambda r: f"no ({', '.join(theirs)}) = {rows[r]!r} in {target.file}",
    )  # fmt: skip


def _check_foreign_keys(tables: dict[str, _Table], problems: list[Problem]) -> None:
    for t in tables.values():
        for fk in t.schema.get("foreignKeys", []):
            if isinstance(fk["fields"], list) and len(fk["fields"]) > 1:
                _check_composite_key(t, fk, tables, problems)
                continue
            column = fk["fields"] if isinstance(fk["fields"], str) else fk["fields"][0]
            if column not in t.columns:
                continue
            target = _reference(t, column, tables)
            if target is None:
                continue
            ref, ref_field = target
            col = t.columns[column]
            if isinstance(col, _Coded):
                unknown = _lookup(_key_values(ref, ref_field), col.cats) < 0
                rows = _rows_with_bad_categories(col.codes, unknown)
            else:
                pos = _positions(t, column, tables)
                rows = np.flatnonzero((pos < 0) & ~_missing(t, column))
            _report(
                t,
                problems,
                rows,
                column,
                lambda r, col=col, ref=ref, ref_field=ref_field: (
                    f"no {ref_field} {_value(col, r)!r} in {ref.file}"
                ),
            )


def _check_overlaps(tables: dict[str, _Table], problems: list[Problem]) -> None:
    claims, incidents = tables.get("claims"), tables.get("incidents")
    if claims is None or incidents is None or "overlaps" not in claims.columns:
        return
    if "incident_id" not in incidents.columns:
        return
    col = _coded(claims.columns["overlaps"])
    items = [str(v).split(";") for v in col.cats.tolist()]
    flat = list(dict.fromkeys(i for group in items for i in group if i))
    found = _lookup(_key_values(incidents, "incident_id"), _objects(flat)) >= 0
    exists = dict(zip(flat, found.tolist(), strict=True))
    missing = [[i for i in group if i and not exists[i]] for group in items]
    bad = np.array([bool(m) for m in missing], dtype=bool)
    codes = col.codes
    _report(
        claims,
        problems,
        _rows_with_bad_categories(codes, bad),
        "overlaps",
        lambda r: f"no incident_id {', '.join(map(repr, missing[codes[r]]))} in {incidents.file}",
    )


@functools.cache
def _outline_edges(path: Path) -> tuple[np.ndarray, ...]:
    """The edges of the Natural Earth outline of Iraq, as columns x1, y1, x2, y2 (read once
    per process and kept read-only: the library never changes its boundary files)."""
    edges = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        geom = feature["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        for poly in polys:  # the outer ring of each polygon
            ring = np.asarray(poly[0], dtype=float)
            edges.append(np.column_stack([ring[:-1], ring[1:]]))
    both = np.concatenate(edges)
    columns = tuple(both[:, i].copy()[:, None] for i in range(4))
    for c in columns:
        c.flags.writeable = False
    return columns


def _inside_iraq(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points inside the Natural Earth outline of Iraq or within ~2 km of it (vectorised)."""
    x1, y1, x2, y2 = _outline_edges(_paths.geo_dir() / "iraq_admin0.geojson")
    px, py = lon[None, :], lat[None, :]
    crosses = (y1 > py) != (y2 > py)  # edges a ray to the east may cross: odd = inside
    dx, dy = x2 - x1, y2 - y1
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x1 + (py - y1) * dx / dy
        u = np.clip(((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy), 0, 1)
    inside = (crosses & (px < x_at)).sum(axis=0) % 2 == 1
    u = np.nan_to_num(u)
    near = np.hypot(x1 + u * dx - px, y1 + u * dy - py).min(axis=0) <= _OUTLINE_TOLERANCE_DEG
    return inside | near


def _check_coordinates(t: _Table, problems: list[Problem]) -> None:
    if not {"lat", "lon"} <= set(t.typed):
        return
    lat, lon = _floats(t.typed["lat"]), _floats(t.typed["lon"])
    known = ~np.isnan(lat) & ~np.isnan(lon)
    if not known.any():
        return
    points, where = np.unique(lon[known] + 1j * lat[known], return_inverse=True)
    ok = _inside_iraq(points.real, points.imag)[where.ravel()]
    outside = np.zeros(len(lat), dtype=bool)
    outside[known] = ~ok
    _report(
        t,
        problems,
        np.flatnonzero(outside),
        "lat",
        lambda r: (
            f"coordinates ({lat[r]}, {lon[r]}) lie outside Iraq (Natural Earth admin-0 outline)"
        ),
    )


# --------------------------------------------------------------------------------------
# The descriptor and the loader


def _read_descriptor(folder: Path) -> dict:
    path = folder / "datapackage.json"
    file = "datapackage.json"
    if not path.is_file():
        why = f"missing file (in {folder})"
        if folder.name == file and folder.is_file():  # the file given for its folder
            why = f"give the folder that holds it ({folder.parent}), not the file itself"
        elif not folder.is_dir():
            why = f"missing file: there is no folder {folder}"
        raise DataValidationError([Problem(file, 1, "-", why)])
    try:
        text = path.read_text(encoding="utf-8-sig")
        descriptor = _json.parse(text)
    except OSError as exc:
        raise DataValidationError(
            [Problem(file, 1, "-", f"cannot be read: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1  # the line of the first bad byte
        raise DataValidationError([Problem(file, line, "-", f"not UTF-8: {exc}")]) from None
    except json.JSONDecodeError as exc:
        raise DataValidationError([Problem(file, exc.lineno, "-", exc.msg)]) from None
    problems = []
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        raise DataValidationError([Problem(file, 1, "resources", "no list of resources")])
    by_name = {r.get("name"): r for r in resources if isinstance(r, dict)}
    for name in TABLES:
        r = by_name.get(name)
        if r is None:
            problems.append(Problem(file, 1, name, "the data package has no such resource"))
            continue
        ok = (
            isinstance(r.get("path"), str)
            and isinstance(r.get("schema"), dict)
            and isinstance(r["schema"].get("fields"), list)
            and all(isinstance(f, dict) and "name" in f for f in r["schema"]["fields"])
        )
        if not ok:
            line = _descriptor_line(text, name)
            problems.append(Problem(file, line, name, "resource without path or schema fields"))
        elif why := _outside_package(r["path"]):
            line = _line_of(text, f'"path"\\s*:\\s*{re.escape(json.dumps(r["path"]))}')
            problems.append(Problem(file, line, f"{name}.path", f"{r['path']!r} {why}"))
        if ok and (why := _not_the_contract(name, r["schema"]["fields"])):
            line = _descriptor_line(text, f"{name}.fields")
            problems.append(Problem(file, line, f"{name}.schema", why))
    for column, reason in descriptor_problems(descriptor):
        problems.append(Problem(file, _descriptor_line(text, column), column, reason))
    retired = descriptor.get("retired_ids", {})
    if not (
        isinstance(retired, dict)
        and all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            for ids in retired.values()
        )
    ):
        problems.append(
            Problem(
                file,
                1,
                "retired_ids",
                'must map table names to lists of ids ({"incidents": ["I14"]})',
            )
        )
    if problems:
        raise DataValidationError(problems)
    return descriptor


def _not_the_contract(table: str, fields: list) -> str | None:
    """Why ``fields`` (a table's schema fields) do not begin with its
    :data:`CONTRACT_COLUMNS`, or None when they do.

    >>> fields = [{"name": n} for n in CONTRACT_COLUMNS["casualties"]]
    >>> _not_the_contract("casualties", fields + [{"name": "notes"}]) is None
    True
    >>> _not_the_contract("casualties", fields[:-1]).split(":")[0]
    'no column evidence'
    """
    wanted = list(CONTRACT_COLUMNS[table])
    declared = [f["name"] for f in fields]
    if declared[: len(wanted)] == wanted:
        return None
    missing = [c for c in wanted if c not in declared]
    what = f"no column {', '.join(missing)}" if missing else "the columns are out of order"
    return f"{what}: a {table} table's fields begin with {', '.join(wanted)} (CONTRACT.md)"


def _outside_package(path: str) -> str | None:
    """Why a resource ``path`` may not be read, or None. The Frictionless spec requires a
    local path to be relative and to stay inside the package folder: a descriptor must not
    make the loader read (and echo) files elsewhere. Remote (URL) resources are not read."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", path):
        return "is a URL; this library reads only files inside the package folder"
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path):
        return "is absolute; a resource path must be relative to the package folder"
    if ".." in re.split(r"[/\\]", path):
        return "climbs out of the package folder ('..'); a resource path must stay inside it"
    if not path or path.endswith(("/", "\\")) or any(c in path for c in "\0\r\n"):
        return "is not a file name"
    return None


def _pattern_mismatch(value: str, pattern: str) -> str:
    """Why ``value`` fails the schema's ``pattern``: the pattern, in words where known
    (:data:`_PATTERN_WORDS`), and what would make it match when a usual slip is all it is.

    >>> print(_pattern_mismatch("8CB9", "^[0-9a-f]{64}$"))
    '8CB9' does not match the pattern ^[0-9a-f]{64}$ (64 hexadecimal digits in lower case)
    >>> print(_pattern_mismatch("I 12", "^[A-Za-z0-9][A-Za-z0-9_.-]*$").split(")")[-1])
    ; it has white space inside
    """
    words = _PATTERN_WORDS.get(pattern)
    said = f"{value!r} does not match the pattern {pattern}" + (f" ({words})" if words else "")
    matches = re.compile(pattern).fullmatch
    for slip, fixed in (
        ("it has white space around it", value.strip()),
        ("in lower case it would match", value.lower()),
        ("it has white space inside", re.sub(r"\s+", "", value)),
    ):
        if fixed != value and matches(fixed):
            return f"{said}; {slip}"
    return said


def _descriptor_line(text: str, column: str) -> int:
    """The line of ``datapackage.json`` (``text``) a problem of ``column`` is about:
    ``table.field`` the field's ``"name"``, ``table.key`` (``foreignKeys``, ``dialect``,
    ``primaryKey``...) that key, ``table`` the resource's name; searched within the
    resource's part of the text, from its ``"name"`` to the next table's. 1 when not found.

    >>> text = '{"resources": [\\n {"name": "t",\\n  "schema": {"fields": [\\n   {"name": "n"}]}}]}'
    >>> [_descriptor_line(text, column) for column in ("t.n", "t.schema", "x")]
    [4, 3, 1]
    """
    table, _, part = column.partition(".")

    def named(name: str):
        return re.compile(rf'"name"\s*:\s*{re.escape(json.dumps(name))}')

    begin = named(table).search(text)
    if begin is None:
        return 1
    others = [m.start() for t in TABLES if t != table for m in named(t).finditer(text)]
    end = min([o for o in others if o > begin.start()], default=len(text))
    region = text[begin.start() : end]
    found = None
    if part:
        found = named(part).search(region) or re.search(rf'"{re.escape(part)}"\s*:', region)
    at = begin.start() + (found.start() if found else 0)
    return text.count("\n", 0, at) + 1


def _line_of(text: str, pattern: str) -> int:
    """The line of ``text`` where ``pattern`` first matches (1 if nowhere)."""
    found = re.search(pattern, text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _wide_foreign_keys(resource: dict, tables: dict[str, _Table]) -> set[str]:
    """Foreign-key columns that refer to a table already read with many rows."""
    out = set()
    for fk in resource["schema"].get("foreignKeys", []):
        ref = tables.get(fk["reference"]["resource"] or resource["name"])
        if ref is not None and len(ref.lines) > _FEW_KEYS:
            f = fk["fields"]
            out.update([f] if isinstance(f, str) else f)
    return out


def _foreign_key_fields(descriptor: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in descriptor["resources"]:
        cols = out.setdefault(r["name"], set())
        for fk in r["schema"].get("foreignKeys", []):
            f = fk["fields"]
            cols.update([f] if isinstance(f, str) else f)
    return out


def _read_and_check(
    folder: Path, resources: dict, fk_fields: dict, problems: list[Problem]
) -> dict[str, _Table]:
    """Read each table and run its field checks, in the contract's order.

    While a table is checked (Python, one core), the next one, when large, is already being
    parsed in a second thread (pyarrow's reader and numpy's counting release the GIL), so
    the two overlap on a machine with more than one core. Each read keeps its own problems,
    added in table order: the report is the same as from one read after the other.
    """
    tables: dict[str, _Table] = {}
    pool = None

    def start(name: str):
        found: list[Problem] = []
        args = (folder, resources[name], found, fk_fields.get(name, set()))
        args += (_wide_foreign_keys(resources[name], tables),)
        path = folder / resources[name]["path"]
        if path.is_file() and path.stat().st_size > _SMALL_FILE and pool is not None:
            return pool.submit(_read_csv, *args), found
        return _read_csv(*args), found

    try:
        if any(
            (folder / r["path"]).is_file() and (folder / r["path"]).stat().st_size > _SMALL_FILE
            for r in resources.values()
        ):
            pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kirkuk-read")
        pending = start(TABLES[0])
        for i, name in enumerate(TABLES):
            table, found = pending
            if isinstance(table, concurrent.futures.Future):
                table = table.result()
            problems.extend(found)
            if table is not None:
                tables[name] = table
            if i + 1 < len(TABLES):
                pending = start(TABLES[i + 1])  # read ahead, then check this one
            if table is not None:
                _Checker(table, problems, tables).run()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return tables


def require_dataset(ds, taker: str) -> Dataset:
    """``ds`` when it is a :class:`Dataset`; else a ``TypeError`` saying what ``taker`` (the
    function given it) takes and how to get one. Every public function of the package that
    takes a dataset first checks it here: a DataFrame or a path passed by mistake is named
    as such, not met by an ``AttributeError`` deep inside.

    >>> require_dataset("data/", "incident_table")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: incident_table takes a Dataset (kirkuk_analysis.load(), or ...), not str
    """
    if not isinstance(ds, Dataset):
        raise TypeError(
            f"{taker} takes a Dataset (kirkuk_analysis.load(), or a selection of one: "
            f"kirkuk_analysis.analysis.select(...)), not {type(ds).__name__}"
        )
    return ds


def load(data_dir: str | Path | None = None) -> Dataset:
    """Read and validate the data package; return its six tables as typed frames.

    ``data_dir`` is a folder holding ``datapackage.json`` and the CSV tables it
    describes; ``None`` (the default) means the data package shipped with the library.
    Raises :class:`DataValidationError` listing every problem, each as
    ``FILE:LINE: COLUMN: reason``.

    >>> ds = load()
    >>> ds.incidents.loc[ds.incidents.incident_id == "I10", "date_start"].dt.date.item()
    datetime.date(2021, 12, 2)
    """
    if data_dir is not None and not isinstance(data_dir, str | os.PathLike):
        raise TypeError(
            f"data_dir must be a folder (a str or a path) or None for the shipped package, "
            f"not {type(data_dir).__name__} {data_dir!r}"
        )
    folder = Path(data_dir) if data_dir is not None else _paths.data_dir()
    descriptor = _read_descriptor(folder)
    resources = {r["name"]: r for r in descriptor["resources"] if r.get("name") in TABLES}
    fk_fields = _foreign_key_fields(descriptor)
    problems: list[Problem] = []
    tables = _read_and_check(folder, resources, fk_fields, problems)
    for name in ("incidents", "coordination"):
        if name in tables:
            _check_dates(tables[name], problems, "date_start", "date_end", "date_precision")
    if "claims" in tables:
        _check_dates(tables["claims"], problems, "period_start", "period_end", None)
    for name in ("casualties", "claims"):
        if name in tables:
            _check_low_best_high(tables[name], problems)
    if "claims" in tables:
        from kirkuk_analysis.vocab import Vocabulary

        counts = Vocabulary.from_descriptor(descriptor).count_metrics
        _check_whole_counts(tables["claims"], counts, problems)
    if "places" in tables:
        _check_coordinates(tables["places"], problems)
    _check_foreign_keys(tables, problems)
    _check_overlaps(tables, problems)
    if problems:
        order = {resources[n]["path"]: i for i, n in enumerate(TABLES)}
        problems.sort(key=lambda p: (order.get(p.file, -1), p.line))
        raise DataValidationError(problems)
    frames = {}
    for name in TABLES:
        t = tables[name]
        names = [fd["name"] for fd in t.schema["fields"]]
        frames[name] = pd.DataFrame({c: t.typed[c] for c in names}, copy=False)
    # The foreign-key check already found each casualty's incident row (large tables).
    rows = tables["casualties"].positions.get("incident_id")
    cached = None if rows is None else (frames["incidents"], frames["casualties"], rows)
    lines = {name: (frames[name], tables[name].lines) for name in TABLES}
    return Dataset(
        **frames, package=descriptor, data_dir=folder, _incident_rows=cached, _lines=lines
    )
