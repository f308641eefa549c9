"""Load the data package into typed pandas frames, checking every cell first.

>>> import kirkuk_analysis
>>> ds = kirkuk_analysis.load()          # the shipped data package
>>> ds.incidents.dtypes["date_start"]
dtype('<M8[us]')

The one schema is the package's ``datapackage.json`` (a Frictionless Tabular Data Package).
Every check is derived from its field descriptors (``type``, ``required``, ``enum``,
``pattern``, ``minimum``/``maximum``, ``minLength``, ``unique``, ``primaryKey``,
``foreignKeys``) and run column-wise with pandas, never row by row. The cross-field rules
that a Frictionless schema cannot say are listed in :data:`CROSS_FIELD_RULES`.

Nothing is dropped and nothing is repaired: :func:`load` returns every row or raises
:class:`DataValidationError` listing every problem as ``FILE:LINE: COLUMN: reason``, where
LINE is the physical line of the CSV file (the header is line 1) and a whole-file problem
is on line 1 with the column ``-``.

Typed frames: dates are ``datetime64``, integers nullable ``Int64``, numbers ``float64``
(``Float64`` where a value may be missing), booleans ``bool``, vocabularies
``pd.CategoricalDtype(enum)`` (every category exists, used or not), and all other text,
ids included, pandas strings. An empty cell is missing (``NA``/``NaT``), never 0.
"""

from __future__ import annotations

import csv
import io
import json
import mmap
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from kirkuk_analysis import _paths
from kirkuk_analysis.dates import PRECISION_DAYS
from kirkuk_analysis.vocab import Vocabulary, descriptor_problems

__all__ = [
    "CROSS_FIELD_RULES",
    "TABLES",
    "DataValidationError",
    "Dataset",
    "Problem",
    "load",
]

#: The six tables of the contract, in the order problems are reported.
TABLES = ("sources", "places", "incidents", "casualties", "coordination", "claims")

#: The rules checked beyond the field descriptors (also in ``docs/codebook.md``).
CROSS_FIELD_RULES = (
    "incidents, coordination: date_end is not before date_start",
    "incidents, coordination: the range date_start..date_end fits date_precision "
    "(day = 1 day, week <= 7, month <= 31, year <= 366)",
    "claims: period_end is not before period_start",
    "casualties, claims: low <= best <= high wherever the values are given",
    "casualties: every row carries its verbatim evidence (required, at least 12 characters)",
    "places: lat/lon inside Iraq (Natural Earth admin-0 outline, 2 km tolerance)",
    "claims: every id in overlaps is an incident_id of incidents.csv",
    "';'-lists (coordination.parties, claims.party): every item from the party vocabulary",
)

_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_INT_RE = r"[+-]?\d+"
_NUM_RE = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_URI_RE = r"[A-Za-z][A-Za-z0-9+.-]*:\S+"
_TRUE = ("true", "True", "TRUE", "1")
_FALSE = ("false", "False", "FALSE", "0")
# A ';'-list pattern of the form ^(a|b|c)(;(a|b|c))*$: its items are a vocabulary.
_LIST_PATTERN = re.compile(r"^\^\(([^()]+)\)\(;\(\1\)\)\*\$$")
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
        return f"<Dataset {self.package.get('name', '')} {self.version}: {counts}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return all(getattr(self, n).equals(getattr(other, n)) for n in TABLES)

    __hash__ = None  # type: ignore[assignment]


# --------------------------------------------------------------------------------------
# Reading


@dataclass
class _Table:
    name: str
    file: str
    schema: dict
    frame: pd.DataFrame  # raw: categoricals of strings / strings, NaN for empty cells
    lines: np.ndarray  # physical line of each row
    typed: dict = field(default_factory=dict)  # column -> typed Series (valid cells only)
    missing: dict = field(default_factory=dict)  # column -> mask of empty cells
    keys: dict = field(default_factory=dict)  # column -> Index of its distinct values
    positions: dict = field(default_factory=dict)  # foreign-key column -> rows in the key


#: A foreign key into a table with more rows than this is read as text and looked up by
#: hash (``Index.get_indexer``); into a smaller table, it is read as a categorical.
_FEW_KEYS = 10_000


def _field_kind(fd: dict, fk_fields: set[str], wide_fk: set[str] = frozenset()) -> str:
    """How a column is read.

    'category': few distinct values, hashed by the C parser and checked once each (vocabularies,
    ids that refer to a small table, patterned codes); 'integer': a categorical too, whose
    categories the parser may turn into int64 (then every spelling was an integer); 'object':
    few distinct values read as text and factorised, either because the parser would turn
    their text into numbers or booleans as categories (numbers, booleans: every raw spelling
    is checked) or because, as categories, they make pandas' threaded read of a large file
    fall back to one thread (dates); 'str': free text, unique ids, and ids that refer to a
    large table (``wide_fk``).
    """
    c = fd.get("constraints", {})
    kind = fd.get("type", "string")
    if kind == "integer":
        return "integer"
    if kind in ("number", "boolean", "date"):
        return "object"
    if kind != "string" or "enum" in c:
        return "category"
    if c.get("unique") or fd["name"] in wide_fk:
        return "str"
    if fd["name"] not in fk_fields and "pattern" not in c:
        return "str"
    return "category"


# Regex constructs that can match a newline, which would let one joined line borrow from the next.
_CROSSES_LINES = re.compile(r"\[\^|\\[sWD]")


def _fullmatch_or_missing(values: pd.Series, body: str, present: np.ndarray | None = None):
    """True where a value matches ``body`` in full or is missing, like ``str.fullmatch``.

    A million unique ids would be matched one Python call at a time; instead, when no value
    holds a newline, all values are joined by newlines and one multi-line scan looks for a
    line that does not match. Only when it finds one are the values matched one by one.
    ``present`` (optional) is the mask of non-missing values, when already known.
    """
    if present is None:
        present = values.notna().to_numpy()
    texts = (values[present] if not present.all() else values).tolist()
    joined = "\n".join(texts)
    if not _CROSSES_LINES.search(body) and joined.count("\n") == max(len(texts) - 1, 0):
        if re.compile(rf"^(?!(?:{body})$)", re.MULTILINE).search(joined) is None:
            return np.ones(len(values), dtype=bool)
    return values.str.fullmatch(body).fillna(True).to_numpy(dtype=bool) | ~present


def _missing_text(s: pd.Series) -> np.ndarray:
    """Empty cells of a text column: its missing values (NaN) are the only values unequal
    to themselves (one C-level comparison, cheaper than ``isna`` on strings)."""
    values = np.asarray(s.array, dtype=object)
    try:
        return np.not_equal(values, values).astype(bool, copy=False)
    except TypeError:  # pd.NA in the column: no truth value
        return s.isna().to_numpy()


def _missing(t: _Table, column: str) -> np.ndarray:
    """The empty cells of a column (computed once)."""
    if column not in t.missing:
        s = t.frame[column]
        if isinstance(s.dtype, pd.CategoricalDtype):
            t.missing[column] = s.cat.codes.to_numpy() < 0
        else:
            t.missing[column] = _missing_text(s)
    return t.missing[column]


def _shorter_than(values: pd.Series, n: int, present: np.ndarray) -> np.ndarray:
    """True where a present value has fewer than ``n`` characters (one C-level pass)."""
    out = np.zeros(len(values), dtype=bool)
    texts = (values[present] if not present.all() else values).tolist()
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    out[present] = lengths < n
    return out


def _count_newlines(data: bytes | mmap.mmap) -> int:
    """Newline bytes in ``data``, counted by numpy in slices (faster than bytes.count)."""
    step = 1 << 24
    view = np.frombuffer(data, dtype=np.uint8)
    return sum(int(np.count_nonzero(view[i : i + step] == 10)) for i in range(0, len(view), step))


def _physical_lines_match(data: bytes | mmap.mmap, n_rows: int) -> bool:
    """True when each record is one line (no embedded newline, no blank line)."""
    return _count_newlines(data) == n_rows + (1 if data[-1:] == b"\n" else 0)


def _slow_read(
    data: bytes, file: str, names: list[str], problems: list[Problem]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read with the csv module: exact physical lines, ragged rows, blank lines, bad bytes."""
    text = data.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = reader.line_num
    for record in reader:
        start = previous + 1
        previous = reader.line_num
        if not record or record == [""]:
            problems.append(Problem(file, start, "-", "blank line"))
            continue
        if len(record) != len(header):
            problems.append(
                Problem(file, start, "-", f"{len(record)} fields, the header has {len(header)}")
            )
            record = (record + [""] * len(header))[: len(header)]
        rows.append(record)
        lines.append(start)
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else None
    if frame is None:
        frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in header})
    bad = re.compile("[\udc80-\udcff]+")
    line_arr = np.asarray(lines, dtype=np.int64)
    for column in frame.columns:
        col = frame[column]
        has_bad = col.map(lambda v: bad.search(v) is not None).to_numpy(dtype=bool)
        for row in np.flatnonzero(has_bad):
            raw = bad.search(col.iat[row]).group().encode("utf-8", "surrogateescape")
            problems.append(
                Problem(file, int(line_arr[row]), column, f"bytes that are not UTF-8: {raw!r}")
            )
    for i, column in enumerate(header):
        if bad.search(column):
            problems.append(Problem(file, 1, column, "bytes that are not UTF-8 in the header"))
            header[i] = column
    frame = frame.replace("", np.nan)
    return frame, line_arr


def _read_csv(
    folder: Path,
    resource: dict,
    problems: list[Problem],
    fk_fields: set[str],
    wide_fk: set[str] = frozenset(),
) -> _Table | None:
    file = resource["path"]
    path = folder / file
    if not path.is_file():
        problems.append(Problem(file, 1, "-", "missing file"))
        return None
    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            problems.append(Problem(file, 1, "-", "empty file (not even a header line)"))
            return None
        # mapped, not copied: the header and the line count read the file's pages in place
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _read_mapped(data, path, file, resource, fk_fields, wide_fk, problems)


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

    first_line = (
        data[: data.find(b"\n") % (len(data) + 1)].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
    )
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
    # Read by path, as bare read_csv is: pandas then parses a large file on several threads.
    frame = _fast_read(path, header, kinds)
    if frame is not None and _physical_lines_match(data, len(frame)):
        lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    else:
        raw, lines = _slow_read(bytes(data), file, names, problems)
        frame = raw.loc[:, ~raw.columns.duplicated()].astype("str")
        for column in frame.columns:
            if kinds.get(column) in ("category", "integer", "object"):
                frame[column] = _factorized(frame[column])
    frame = frame.loc[:, [c for c in dict.fromkeys(frame.columns) if c in known]]
    return _Table(resource["name"], file, schema, frame, lines)


def _fast_read(path: Path, header: list[str], kinds: dict[str, str]) -> pd.DataFrame | None:
    """The C parser's read, every column a categorical of raw strings or a string column.

    ``None`` when the file needs the careful reader (bad bytes, ragged rows, a repeated
    column) or when the parser turned a column's categories into numbers or booleans (the
    raw spellings are then lost): the file is then read again, every column as text.
    """
    as_read = {"integer": "category"}
    for dtype in ({n: as_read.get(kinds.get(n), kinds.get(n, "str")) for n in header}, "str"):
        try:
            frame = pd.read_csv(
                path,
                dtype=dtype,
                keep_default_na=False,
                na_values=[""],
                encoding="utf-8",  # the C parser drops a BOM itself; utf-8-sig would
                # route the bytes through a Python text decoder
                encoding_errors="strict",
            )
        except (UnicodeDecodeError, pd.errors.ParserError, ValueError):
            return None
        if list(frame.columns) != header:
            return None
        columns = {}
        for column in frame.columns:
            s = frame[column]
            if isinstance(s.dtype, pd.CategoricalDtype):
                cats = s.cat.categories
                # int64 categories: the parser read every spelling as an integer (a "3.0",
                # a "true" or a word would have left floats, booleans or text)
                whole = kinds.get(column) == "integer" and cats.dtype == np.int64
                if not whole and cats.inferred_type not in ("string", "empty"):
                    break  # categories inferred as numbers or booleans: read as text
                columns[column] = s
            elif kinds.get(column) in ("category", "integer", "object"):
                columns[column] = pd.Series(_factorized(s), index=s.index, name=column)
            else:
                columns[column] = s
        else:
            return pd.DataFrame(columns, copy=False)
    return None


def _factorized(s: pd.Series) -> pd.Categorical:
    codes, uniques = pd.factorize(s.to_numpy())
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="str"))


# --------------------------------------------------------------------------------------
# Field checks (vectorised; a categorical column is checked once per distinct value)


def _cat_parts(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    return s.cat.codes.to_numpy(), s.cat.categories


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


class _Checker:
    def __init__(
        self, table: _Table, problems: list[Problem], tables: dict[str, _Table] | None = None
    ):
        self.t = table
        self.problems = problems
        self.tables = tables or {}  # the tables read so far (for foreign-key lookups)

    def report(self, rows: Iterable[int], column: str, reason) -> None:
        lines = self.t.lines
        for row in rows:
            text = reason(int(row)) if callable(reason) else reason
            self.problems.append(Problem(self.t.file, int(lines[row]), column, text))

    def run(self) -> None:
        for fd in self.t.schema["fields"]:
            if fd["name"] in self.t.frame.columns:
                self.field(fd)
        self.primary_key()

    def field(self, fd: dict) -> None:
        name, kind = fd["name"], fd.get("type", "string")
        c = fd.get("constraints", {})
        s = self.t.frame[name]
        is_cat = isinstance(s.dtype, pd.CategoricalDtype)
        if kind == "string" and not is_cat and not c and "format" not in fd:
            self.t.typed[name] = s  # free text without constraints: nothing to check
            return
        if is_cat:
            codes, cats = _cat_parts(s)
            # int64 categories (integers the parser read) stay numbers; others are raw text
            raw_values = (
                cats.to_numpy() if cats.dtype == np.int64 else np.asarray(cats, dtype=object)
            )
        missing = _missing(self.t, name)
        self._missing = missing
        if c.get("required"):
            why = (
                "required: the verbatim excerpt that supports the row is missing"
                if name == "evidence"
                else "required value is empty"
            )
            self.report(np.flatnonzero(missing), name, why)

        if kind == "string":
            typed = self._string(fd, s, c, is_cat)
        elif kind in ("date", "integer", "number", "boolean"):
            typed = self._typed_from_categories(fd, s, c, codes, raw_values)
        else:  # pragma: no cover - the shipped schema uses only these types
            typed = s
        self.t.typed[name] = typed
        if c.get("unique"):
            self._unique(name, s, missing)

    def _string(self, fd, s, c, is_cat) -> pd.Series:
        name = fd["name"]
        if is_cat:
            codes, cats = _cat_parts(s)
            values = pd.Series(np.asarray(cats, dtype=object), dtype=object)
        else:
            values = s
        present = ~self._missing if not is_cat else values.notna().to_numpy()
        bad_parts = []  # (bad mask over `values`, reason for a value)
        if "enum" in c:
            enum = c["enum"]
            allowed = ", ".join(enum)
            bad_parts.append(
                (
                    ~values.isin(enum).to_numpy() & present,
                    lambda v: f"unknown value {v!r} (allowed: {allowed})",
                )
            )
        if "pattern" in c:
            pattern = c["pattern"]
            ok = _fullmatch_or_missing(values, pattern.removeprefix("^").removesuffix("$"), present)
            bad = ~ok & present
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
                    return f"{v!r} does not match the pattern {pattern}"

            bad_parts.append((bad, why))
        if "minLength" in c:
            n = c["minLength"]
            short = _shorter_than(values, n, present)
            bad_parts.append((short, lambda v, n=n: f"{v!r} is shorter than {n} characters"))
        if fd.get("format") == "uri":
            ok = _fullmatch_or_missing(values, _URI_RE, present)
            bad_parts.append((~ok & present, lambda v: f"{v!r} is not a URI"))
        for bad, why in bad_parts:
            if not bad.any():
                continue
            rows = _rows_with_bad_categories(codes, bad) if is_cat else np.flatnonzero(bad)
            if is_cat:
                self.report(rows, name, lambda r, why=why: why(cats[codes[r]]))
            else:
                self.report(rows, name, lambda r, why=why: why(s.iat[r]))
        if "enum" in c:
            target = pd.CategoricalDtype(c["enum"])
            return pd.Series(
                pd.Categorical.from_codes(
                    _take(_enum_codes(cats, c["enum"]), codes, -1),
                    dtype=target,
                ),
                index=s.index,
                name=name,
            )
        if is_cat:
            return s.astype("str")
        return s

    def _typed_from_categories(self, fd, s, c, codes, raw_values) -> pd.Series:
        name, kind = fd["name"], fd["type"]
        cats = pd.Series(raw_values, dtype=object)
        if kind == "date":
            shape_ok = cats.str.fullmatch(_DATE_RE).to_numpy(dtype=bool)
            parsed = pd.to_datetime(cats.where(shape_ok), format="%Y-%m-%d", errors="coerce")
            bad = parsed.isna().to_numpy()
            reason = "{v!r} is not a date (YYYY-MM-DD)"
            values = parsed.to_numpy()
            missing = np.datetime64("NaT", "us")
            values = values.astype("datetime64[us]")
        elif kind == "integer" and raw_values.dtype != object:
            values = raw_values.astype(np.int64)  # the parser's int64 categories
            bad = np.zeros(len(values), dtype=bool)
            reason = "{v!r} is not an integer"
            missing = 0
        elif kind == "integer":
            shape_ok = cats.str.fullmatch(_INT_RE).to_numpy(dtype=bool)
            values = np.where(shape_ok, cats.where(shape_ok, "0"), "0").astype(np.int64)
            bad = ~shape_ok
            reason = "{v!r} is not an integer"
            missing = 0
        elif kind == "number":
            shape_ok = cats.str.fullmatch(_NUM_RE).to_numpy(dtype=bool)
            values = pd.to_numeric(cats.where(shape_ok), errors="coerce").to_numpy(float)
            bad = ~shape_ok
            reason = "{v!r} is not a number"
            missing = np.nan
        else:  # boolean
            is_true = cats.isin(_TRUE).to_numpy()
            is_false = cats.isin(_FALSE).to_numpy()
            bad = ~(is_true | is_false)
            values = is_true
            reason = "{v!r} is not a boolean (true or false)"
            missing = False
        checks = [(bad, lambda v, reason=reason: reason.format(v=v))]
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
        if "minimum" in c:
            low = c["minimum"]
            checks.append(
                (
                    ok & (values < low),
                    lambda v, low=low: (
                        f"{v} is below the minimum {low}"
                        + (" (coordinates outside Iraq)" if name in ("lat", "lon") else "")
                    ),
                )
            )
        if "maximum" in c:
            high = c["maximum"]
            checks.append(
                (
                    ok & (values > high),
                    lambda v, high=high: (
                        f"{v} is above the maximum {high}"
                        + (" (coordinates outside Iraq)" if name in ("lat", "lon") else "")
                    ),
                )
            )
        flagged = np.zeros(len(raw_values), dtype=bool)
        for bad_mask, why in checks:
            rows = _rows_with_bad_categories(codes, bad_mask)
            self.report(rows, name, lambda r, why=why: why(raw_values[codes[r]]))
            flagged |= bad_mask
        # invalid cells become missing in the typed column (their problem is reported)
        any_flagged = flagged.any()
        code_ok = np.append(~flagged, False)[codes] if any_flagged else ~self._missing
        out = _take(values, codes, missing)  # `missing` (NaT, NaN) where the cell is empty
        has_missing = not code_ok.all()
        if kind == "date":
            if any_flagged:
                out = np.where(code_ok, out, np.datetime64("NaT", "us"))
            return pd.Series(out, index=s.index, name=name)
        if kind == "integer":
            return pd.Series(pd.arrays.IntegerArray(out, ~code_ok), index=s.index, name=name)
        if kind == "number":
            if any_flagged:
                out = np.where(code_ok, out, np.nan)
            dtype = "Float64" if has_missing else "float64"
            return pd.Series(out, index=s.index, name=name).astype(dtype)
        if has_missing:
            return pd.Series(pd.arrays.BooleanArray(out, ~code_ok), index=s.index, name=name)
        return pd.Series(out, index=s.index, name=name)

    def _unique(self, name: str, s: pd.Series, missing: np.ndarray) -> None:
        # One hash table answers the check and is kept for the foreign keys into this column.
        key = pd.Index(s[~missing] if missing.any() else s)
        if key.is_unique:
            self.t.keys[name] = key
            return
        repeated = s.duplicated(keep="first").to_numpy()
        present = ~missing
        dup = repeated & present
        if not dup.any():
            return
        first = s[present & ~repeated]
        first_row = pd.Series(np.arange(len(s))[first.index.to_numpy()], index=first.to_numpy())
        values = s.to_numpy()
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
        frame = self.t.frame
        if len(pk) < 2 or not set(pk) <= set(frame.columns):
            return  # a one-column key is checked by its field's `unique`
        dup = _duplicated_rows([self._codes(c) for c in pk])
        if not dup.any():
            return
        key = frame[pk].astype(object)
        firsts = {}
        for row, values in enumerate(key.itertuples(index=False, name=None)):
            firsts.setdefault(values, row)
        label = ", ".join(pk)
        tuples = list(key.itertuples(index=False, name=None))
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
        (one hash lookup, kept for the foreign-key check); other text columns are factorised.
        """
        s = self.t.frame[column]
        if isinstance(s.dtype, pd.CategoricalDtype):
            return s.cat.codes.to_numpy(np.int64), len(s.cat.categories)
        pos = _positions(self.t, column, self.tables)
        if pos is None:
            codes, uniques = pd.factorize(s.to_numpy())
            return codes.astype(np.int64), len(uniques)
        pos = pos.astype(np.int64)
        n = int(pos.max(initial=-1)) + 1
        unknown = (pos < 0) & ~_missing(self.t, column)
        if unknown.any():  # values not in the key: coded after it
            extra, uniques = pd.factorize(s.to_numpy()[unknown])
            pos[unknown] = extra + n
            n += len(uniques)
        return pos, n


def _reference(t: _Table, column: str, tables: dict[str, _Table]) -> tuple[_Table, str] | None:
    """The table and field that ``column`` of ``t`` refers to, when it is a foreign key."""
    for fk in t.schema.get("foreignKeys", []):
        fields = fk["fields"] if isinstance(fk["fields"], str) else fk["fields"][0]
        if fields != column:
            continue
        ref_field = fk["reference"]["fields"]
        ref_field = ref_field if isinstance(ref_field, str) else ref_field[0]
        ref = tables.get(fk["reference"]["resource"] or t.name)
        if ref is None or ref_field not in ref.frame:
            return None
        return ref, ref_field
    return None


def _positions(t: _Table, column: str, tables: dict[str, _Table]) -> np.ndarray | None:
    """For a text foreign-key column, each row's position in the referenced key (-1: none)."""
    if column in t.positions:
        return t.positions[column]
    target = _reference(t, column, tables)
    s = t.frame[column]
    if target is None or isinstance(s.dtype, pd.CategoricalDtype):
        return None
    ref, ref_field = target
    pos = _lookup_runs(_key_values(ref, ref_field), s.to_numpy())
    t.positions[column] = pos
    return pos


def _lookup_runs(key: pd.Index, values: np.ndarray) -> np.ndarray:
    """``key.get_indexer(values)``, looking up each run of repeated values once.

    Child tables list the rows of one parent together (the casualty rows of an incident), so
    comparing each value with the one before (a C loop) spares most of the hash lookups.
    """
    n = len(values)
    if n < 2:
        return key.get_indexer(values)
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(values[1:], values[:-1], out=starts[1:])  # NaN != NaN: a run of its own
    heads = np.flatnonzero(starts)
    if len(heads) > 0.9 * n:  # hardly any runs: the comparison bought nothing
        return key.get_indexer(values)
    return np.repeat(key.get_indexer(values[heads]), np.diff(np.append(heads, n)))


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
    ordered = np.sort(key)  # a sort finds out whether any key repeats, faster than a hash
    if not (ordered[1:] == ordered[:-1]).any():
        return np.zeros(len(key), dtype=bool)
    return pd.Series(key).duplicated(keep="first").to_numpy()


def _enum_codes(cats: pd.Index, enum: list) -> np.ndarray:
    """For each category of a column, its position in ``enum`` (-1 when not in it)."""
    return pd.Index(enum).get_indexer(cats).astype(np.int8 if len(enum) < 127 else np.int32)


# --------------------------------------------------------------------------------------
# Checks across columns and tables


def _report(t: _Table, problems: list[Problem], mask, column: str, reason) -> None:
    _Checker(t, problems).report(np.flatnonzero(np.asarray(mask, dtype=bool)), column, reason)


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _check_dates(t: _Table, problems: list[Problem], start: str, end: str, precision: str | None):
    if start not in t.typed or end not in t.typed:
        return
    s, e = t.typed[start].to_numpy(), t.typed[end].to_numpy()
    before = (e < s) & ~np.isnat(s) & ~np.isnat(e)
    _report(
        t, problems, before, end, lambda r: f"{end} {_day(e[r])} is before {start} {_day(s[r])}"
    )
    if precision is None or precision not in t.typed:
        return
    p = t.typed[precision]
    limit = p.map(PRECISION_DAYS).astype("float64").to_numpy()  # NaN where unknown
    days = (e - s).astype("timedelta64[D]").astype("float64") + 1
    too_wide = ~before & (days > limit)  # NaN comparisons are False
    _report(
        t,
        problems,
        too_wide,
        precision,
        lambda r: (
            f"a range of {int(days[r])} days ({_day(s[r])}..{_day(e[r])}) is wider than "
            f"{p.iat[r]!r} allows ({PRECISION_DAYS[p.iat[r]]} day(s) at most)"
        ),
    )


def _check_low_best_high(t: _Table, problems: list[Problem]) -> None:
    if not {"best", "low", "high"} <= set(t.typed):
        return
    low, best, high = (t.typed[c].astype("Float64") for c in ("low", "best", "high"))
    rules = [
        (
            (low > best).fillna(False),
            "low",
            lambda r: (
                f"low {_fmt(low.iat[r])} is above "
                f"best {_fmt(best.iat[r])} (rule: low <= best <= high)"
            ),
        ),
        (
            (best > high).fillna(False),
            "high",
            lambda r: (
                f"best {_fmt(best.iat[r])} is above "
                f"high {_fmt(high.iat[r])} (rule: low <= best <= high)"
            ),
        ),
        (
            (low > high).fillna(False) & best.isna(),
            "high",
            lambda r: (
                f"low {_fmt(low.iat[r])} "
                f"is above high {_fmt(high.iat[r])} (rule: low <= best <= high)"
            ),
        ),
    ]
    for mask, column, why in rules:
        _report(t, problems, mask.to_numpy(dtype=bool), column, why)


def _key_values(t: _Table, column: str) -> pd.Index:
    """The distinct present values of a key column (kept: a hash table built once)."""
    if column not in t.keys:
        s = t.frame[column]
        if isinstance(s.dtype, pd.CategoricalDtype):
            t.keys[column] = pd.Index(s.cat.categories)
        else:
            t.keys[column] = pd.Index(s.dropna().unique())
    return t.keys[column]


def _check_foreign_keys(tables: dict[str, _Table], problems: list[Problem]) -> None:
    for t in tables.values():
        for fk in t.schema.get("foreignKeys", []):
            column = fk["fields"] if isinstance(fk["fields"], str) else fk["fields"][0]
            if column not in t.frame.columns:
                continue
            target = _reference(t, column, tables)
            if target is None:
                continue
            ref, ref_field = target
            s = t.frame[column]
            if isinstance(s.dtype, pd.CategoricalDtype):
                codes, cats = _cat_parts(s)
                unknown = _key_values(ref, ref_field).get_indexer(cats) < 0
                rows = _rows_with_bad_categories(codes, unknown)
                value = lambda r, codes=codes, cats=cats: cats[codes[r]]  # noqa: E731
            else:
                pos = _positions(t, column, tables)
                rows = np.flatnonzero((pos < 0) & ~_missing(t, column))
                value = lambda r, s=s: s.iat[r]  # noqa: E731
            _Checker(t, problems).report(
                rows,
                column,
                lambda r, value=value, ref=ref, ref_field=ref_field: (
                    f"no {ref_field} {value(r)!r} in {ref.file}"
                ),
            )


def _check_overlaps(tables: dict[str, _Table], problems: list[Problem]) -> None:
    claims, incidents = tables.get("claims"), tables.get("incidents")
    if claims is None or incidents is None or "overlaps" not in claims.frame:
        return
    if "incident_id" not in incidents.frame:
        return
    known = _key_values(incidents, "incident_id")
    codes, cats = _cat_parts(claims.frame["overlaps"])
    items = [str(v).split(";") for v in cats]
    flat = pd.Index([i for group in items for i in group if i])
    exists = dict(zip(flat, known.get_indexer(flat) >= 0, strict=True))
    missing = [[i for i in group if i and not exists[i]] for group in items]
    bad = np.array([bool(m) for m in missing], dtype=bool)
    _Checker(claims, problems).report(
        _rows_with_bad_categories(codes, bad),
        "overlaps",
        lambda r: f"no incident_id {', '.join(map(repr, missing[codes[r]]))} in {incidents.file}",
    )


def _outline_rings() -> list[np.ndarray]:
    path = _paths.geo_dir() / "iraq_admin0.geojson"
    rings = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        geom = feature["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        rings.extend(np.asarray(poly[0], dtype=float) for poly in polys)
    return rings


def _inside_iraq(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points inside the Natural Earth outline of Iraq or within ~2 km of it (vectorised)."""
    inside = np.zeros(len(lon), dtype=bool)
    near = np.zeros(len(lon), dtype=bool)
    for ring in _outline_rings():
        x1, y1 = ring[:-1, 0][:, None], ring[:-1, 1][:, None]
        x2, y2 = ring[1:, 0][:, None], ring[1:, 1][:, None]
        px, py = lon[None, :], lat[None, :]
        crosses = (y1 > py) != (y2 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        inside ^= (crosses & (px < x_at)).sum(axis=0) % 2 == 1
        dx, dy = x2 - x1, y2 - y1
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.clip(((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy), 0, 1)
        u = np.nan_to_num(u)
        dist = np.hypot(x1 + u * dx - px, y1 + u * dy - py).min(axis=0)
        near |= dist <= _OUTLINE_TOLERANCE_DEG
    return inside | near


def _check_coordinates(t: _Table, problems: list[Problem]) -> None:
    if not {"lat", "lon"} <= set(t.typed):
        return
    lat, lon = (t.typed[c].astype("float64").to_numpy() for c in ("lat", "lon"))
    known = ~np.isnan(lat) & ~np.isnan(lon)
    if not known.any():
        return
    points = pd.DataFrame({"lon": lon[known], "lat": lat[known]})
    unique = points.drop_duplicates()
    ok_unique = _inside_iraq(unique["lon"].to_numpy(), unique["lat"].to_numpy())
    ok = points.merge(unique.assign(ok=ok_unique), on=["lon", "lat"], how="left")["ok"]
    outside = np.zeros(len(lat), dtype=bool)
    outside[np.flatnonzero(known)] = ~ok.to_numpy(dtype=bool)
    _report(
        t,
        problems,
        outside,
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
        raise DataValidationError([Problem(file, 1, "-", f"missing file (in {folder})")])
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DataValidationError([Problem(file, 1, "-", f"not UTF-8: {exc}")]) from None
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
            problems.append(Problem(file, 1, name, "resource without path or schema fields"))
    for column, reason in descriptor_problems(descriptor):
        problems.append(Problem(file, 1, column, reason))
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


def _wide_foreign_keys(resource: dict, tables: dict[str, _Table]) -> set[str]:
    """Foreign-key columns that refer to a table already read with many rows."""
    out = set()
    for fk in resource["schema"].get("foreignKeys", []):
        ref = tables.get(fk["reference"]["resource"] or resource["name"])
        if ref is not None and len(ref.frame) > _FEW_KEYS:
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
    folder = Path(data_dir) if data_dir is not None else _paths.data_dir()
    descriptor = _read_descriptor(folder)
    resources = {r["name"]: r for r in descriptor["resources"] if r.get("name") in TABLES}
    fk_fields = _foreign_key_fields(descriptor)
    problems: list[Problem] = []
    tables: dict[str, _Table] = {}
    for name in TABLES:
        table = _read_csv(
            folder,
            resources[name],
            problems,
            fk_fields.get(name, set()),
            _wide_foreign_keys(resources[name], tables),
        )
        if table is not None:
            tables[name] = table
            _Checker(table, problems, tables).run()
    for name in ("incidents", "coordination"):
        if name in tables:
            _check_dates(tables[name], problems, "date_start", "date_end", "date_precision")
    if "claims" in tables:
        _check_dates(tables["claims"], problems, "period_start", "period_end", None)
    for name in ("casualties", "claims"):
        if name in tables:
            _check_low_best_high(tables[name], problems)
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
