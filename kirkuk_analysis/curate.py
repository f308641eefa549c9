"""The steps of adding an article, as functions the CLI and tests share (``docs/curating.md``).

* :func:`register` adds an article to ``sources.csv``: its ``source_id``, file name,
  SHA-256 and whether its publication date is printed in it.
* :func:`next_ids` gives the next free identifier of each table.
* Date phrases are resolved by :func:`kirkuk_analysis.dates.resolve`; the audit is
  :func:`kirkuk_analysis.audit.audit`.

These functions read and write the CSV files with the standard library, not through
:func:`~kirkuk_analysis.load`: a package in the middle of an edit need not be valid yet.

Identifier policy (codebook §2): an identifier is a prefix and a number (``I07``,
``K33``, ``C12``) given in the order rows are entered, never in date order; it is never
renumbered and never reused. The next free one is one above the highest ever used,
counting the numbers listed as retired in ``datapackage.json`` (``retired_ids``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kirkuk_analysis import _json, _paths, dates
from kirkuk_analysis._files import field_size_limit, unreadable
from kirkuk_analysis.text import control_character, normalise

__all__ = [
    "ID_PREFIXES",
    "CurationError",
    "Registered",
    "append_rows",
    "document_name",
    "next_ids",
    "publication_date",
    "register",
    "source_id_for",
]

#: The prefix of each table's identifiers.
ID_PREFIXES = {"incidents": "I", "coordination": "K", "claims": "C"}
_ID_COLUMNS = {"incidents": "incident_id", "coordination": "step_id", "claims": "claim_id"}


class CurationError(ValueError):
    """A curation step cannot be carried out; the message says why and what to do."""


def _folder(data_dir: str | Path | None) -> Path:
    return Path(data_dir) if data_dir is not None else _paths.data_dir()


_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")  # the loader's "uri" format


def _url_problem(folder: Path, url: str) -> str | None:
    """Why ``url`` would fail the package's own rules for ``sources.url`` (its ``format`` and
    ``pattern`` in datapackage.json), or None."""
    if not _URI.fullmatch(url):
        return "is not an address (https://...)"
    for resource in _descriptor(folder)["resources"]:
        if isinstance(resource, dict) and resource.get("name") == "sources":
            for fd in resource.get("schema", {}).get("fields", []):
                pattern = fd.get("constraints", {}).get("pattern") if isinstance(fd, dict) else None
                if fd.get("name") == "url" and isinstance(pattern, str):
                    if not re.fullmatch(pattern.removeprefix("^").removesuffix("$"), url):
                        return f"does not match the package's pattern for addresses ({pattern})"
    return None


def _descriptor(folder: Path) -> dict:
    path = folder / "datapackage.json"
    if not path.is_file():
        raise CurationError(f"{folder}: no datapackage.json there")
    try:
        descriptor = _json.parse(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CurationError(
            f"{path} cannot be read ({exc}); run `kirkuk-analysis validate`"
        ) from None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise CurationError(f"{path} has no list of resources; run `kirkuk-analysis validate`")
    return descriptor


def _table_path(folder: Path, table: str) -> Path:
    for resource in _descriptor(folder)["resources"]:
        if isinstance(resource, dict) and resource.get("name") == table:
            path = resource.get("path")
            if not isinstance(path, str) or Path(path).is_absolute() or ".." in Path(path).parts:
                raise CurationError(f"the {table} resource has no path inside {folder}")
            return folder / path
    raise CurationError(f"the data package in {folder} has no table {table!r}")


def _read(path: Path, column: str | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of the table at ``path``; ``column``: a column it must have (an
    id column not found, say behind a stray byte-order mark, would make every id look free)."""
    if why := unreadable(path.parent, path):
        raise CurationError(f"{path}: {why}; run `kirkuk-analysis validate`")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            with field_size_limit(path.stat().st_size):
                reader = csv.DictReader(handle)
                rows = list(reader)
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CurationError(
            f"{path} cannot be read ({exc}); run `kirkuk-analysis validate`"
        ) from None
    if column is not None and column not in header:
        raise CurationError(
            f"{path} has no {column} column in its header; run `kirkuk-analysis validate`"
        )
    return header, rows


def retired_ids(descriptor: dict) -> dict[str, list[str]]:
    """The ``retired_ids`` of a ``datapackage.json``: table -> ids never to be used again.

    Raises :class:`CurationError` when it is not an object of lists of strings.

    >>> retired_ids({"retired_ids": {"incidents": ["I14"]}})
    {'incidents': ['I14']}
    """
    retired = descriptor.get("retired_ids", {})
    ok = isinstance(retired, dict) and all(
        isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in retired.values()
    )
    if not ok:
        raise CurationError(
            "retired_ids in datapackage.json must map table names to lists of ids, "
            'e.g. {"incidents": ["I14"]}'
        )
    return retired


def next_ids(data_dir: str | Path | None = None) -> dict[str, str]:
    """The next free identifier of each table with numbered identifiers.

    >>> ids = next_ids()
    >>> sorted(ids), ids["incidents"][0], ids["claims"][0]
    (['claims', 'coordination', 'incidents'], 'I', 'C')
    """
    folder = _folder(data_dir)
    retired = retired_ids(_descriptor(folder))
    out = {}
    for table, prefix in ID_PREFIXES.items():
        _, rows = _read(_table_path(folder, table), _ID_COLUMNS[table])
        used = [r.get(_ID_COLUMNS[table]) or "" for r in rows] + list(retired.get(table, []))
        numbers = [m for i in used if (m := re.fullmatch(rf"{prefix}(\d+)", i.strip()))]
        top = max((int(m[1]) for m in numbers), default=0)
        width = max([2] + [len(m[1]) for m in numbers])
        out[table] = f"{prefix}{top + 1:0{width}d}"
    return out


def publication_date(source_id: str, data_dir: str | Path | None = None) -> date:
    """The ``published`` day of ``source_id`` in ``sources.csv``, to resolve phrases against.

    Raises :class:`CurationError` when the source is unknown or its date is known only to
    the week, month or year (a phrase cannot be resolved to days against it).

    >>> publication_date("rudaw-2021-12-06")
    datetime.date(2021, 12, 6)
    """
    _, rows = _read(_table_path(_folder(data_dir), "sources"), "source_id")
    for row in rows:
        if row.get("source_id") == source_id:
            try:
                day = date.fromisoformat(row.get("published") or "")
            except ValueError:
                raise CurationError(
                    f"{source_id}: published {row.get('published')!r} is not YYYY-MM-DD"
                ) from None
            precision = row.get("published_precision") or "day"
            if precision != "day":
                raise CurationError(
                    f"{source_id} is dated only to the {precision} (published_precision): "
                    "its phrases cannot be resolved to days; date the rows from what the "
                    "article says and mark them date_basis inferred"
                )
            return day
    shipped = "" if data_dir is not None else "; give --data-dir for another package"
    raise CurationError(
        f"no source_id {source_id!r} in {_table_path(_folder(data_dir), 'sources')}{shipped}"
    )


def _slug(text: str) -> str:
    # "Rûdaw" -> "rudaw": letters stripped of their accents, everything else a hyphen
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def source_id_for(outlet: str, published: date, taken: set[str] = frozenset()) -> str:
    """``outlet-YYYY-MM-DD``, with ``-2``, ``-3``... when an article of the same outlet and
    day is already registered.

    >>> source_id_for("Rudaw", date(2021, 5, 22), {"rudaw-2021-05-22"})
    'rudaw-2021-05-22-2'
    >>> source_id_for("Rûdaw", date(2021, 5, 22))
    'rudaw-2021-05-22'
    """
    base = f"{_slug(outlet) or 'source'}-{published.isoformat()}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def document_name(sha256: str, taken: set[str] = frozenset()) -> str:
    """The file name of a newly registered article: the next three-digit number after the
    highest in ``taken``, then the first 16 hex digits of its SHA-256, so that the name
    says which text it is (the first five articles' suffixes are not their hashes).

    >>> document_name("ab" * 32, {"000_x.txt", "004_y.txt"})
    '005_abababababababab.txt'
    """
    numbers = [int(m[1]) for name in taken if (m := re.match(r"(\d{3,})_", name))]
    return f"{max(numbers, default=-1) + 1:03d}_{sha256[:16]}.txt"


def append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Append ``rows`` to the CSV file ``path`` in its own column order (unknown columns
    are refused; missing ones are left empty), keeping its line ends."""
    header, _ = _read(path)
    for row in rows:
        unknown = set(row) - set(header)
        if unknown:
            raise CurationError(f"{path.name} has no column(s) {', '.join(sorted(unknown))}")
    data = path.read_bytes()
    newline = "\r\n" if b"\r\n" in data[:4096] else "\n"
    buffer = io.StringIO()
    if data and not data.endswith(b"\n"):
        buffer.write(newline)
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator=newline)
    writer.writerows([{k: row.get(k, "") for k in header} for row in rows])
    # the whole file rewritten beside itself and renamed: never half a row on failure
    _write_replacing(path, data + buffer.getvalue().encode("utf-8"))


def _write_replacing(path: Path, data: bytes) -> None:
    try:
        mode = path.stat().st_mode & 0o777
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise CurationError(f"cannot write {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class Registered:
    """What :func:`register` added: the ``sources.csv`` row and where the text now is."""

    row: dict[str, str]
    article: Path
    printed_dates: tuple[date, ...]


def register(
    article: str | Path,
    outlet: str,
    published: str | date,
    *,
    url: str = "",
    headline: str = "",
    dateline: str = "",
    notes: str = "",
    published_precision: str = "day",
    data_dir: str | Path | None = None,
    articles: str | Path | None = None,
    dry_run: bool = False,
) -> Registered:
    """Add the article in the text file ``article`` to ``sources.csv``.

    The ``source_id`` is :func:`source_id_for` the outlet and date; ``sha256`` is the
    file's hash. ``published_basis`` is ``printed`` when the text prints ``published`` in
    a recognised form (:func:`kirkuk_analysis.dates.printed_dates`; a photo caption's date
    does not count), else ``inferred``, and then ``notes`` must say how the date was worked
    out. A missing ``url`` must be
    explained in ``notes`` too.

    With ``articles`` (the folder of article texts) the file is copied there under
    :func:`document_name`, unless it already lies there; without it, the file stays where
    it is and its own name is the ``document``. ``dry_run`` writes nothing.
    Raises :class:`CurationError` when a step cannot be done.
    """
    folder = _folder(data_dir)
    source = Path(article)
    if not source.is_file():
        raise CurationError(f"no article file {source}")
    try:
        data = source.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise CurationError(f"cannot read {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CurationError(
            f"{source} is not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from None
    if not text.strip():
        raise CurationError(f"{source} holds no text")
    fields = {"outlet": outlet, "url": url, "headline": headline, "dateline": dateline}
    for name, value in {**fields, "notes": notes}.items():
        try:
            str(value).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CurationError(
                f"--{name} is not valid text: it holds U+{ord(str(value)[exc.start]):04X} (a "
                "lone surrogate; is it in another encoding than UTF-8?)"
            ) from None
        if found := control_character(str(value)):
            raise CurationError(f"--{name} {str(value)!a} holds {found}; type it again")
    if "\x00" in text:
        raise CurationError(f"{source} holds NUL bytes: it is not a text file")
    try:
        if isinstance(published, datetime):
            day = published.date()
        elif isinstance(published, date):
            day = published
        else:
            day = dates.iso_date(str(published))
    except ValueError:
        raise CurationError(f"--published {published!r} is not a date YYYY-MM-DD") from None
    if day > date.today():
        raise CurationError(f"--published {day} is in the future")
    if published_precision not in dates.PRECISION_DAYS:
        raise CurationError(
            f"published precision {published_precision!r}: choose from "
            + ", ".join(dates.PRECISION_DAYS)
        )
    if not outlet.strip():
        raise CurationError("the outlet is empty")

    path = _table_path(folder, "sources")
    header, rows = _read(path)
    digest = hashlib.sha256(data).hexdigest()
    for row in rows:
        if row.get("sha256") == digest:
            raise CurationError(f"{source} is already registered as {row['source_id']}")

    printed = dates.printed_dates(text)
    basis = "printed" if day in printed else "inferred"
    if basis == "inferred" and not notes.strip():
        seen = ", ".join(sorted(d.isoformat() for d in printed)) or "none"
        # a caption's date is evidence for an inferred date, never a printed one
        pictured = dates.printed_dates(text, captions=True) - printed
        beside = (
            f"; its photo captions date {', '.join(sorted(d.isoformat() for d in pictured))}"
            if pictured
            else ""
        )
        raise CurationError(
            f"the article does not print {day} in a recognised form (dates it prints: {seen}"
            f"{beside}): say in --notes how the publication date was worked out"
        )
    if not url.strip() and not notes.strip():
        raise CurationError("no --url: give the article's address, or say in --notes why none")
    if url.strip() and (why := _url_problem(folder, url.strip())):
        raise CurationError(f"--url {url!r} {why}")

    target_dir = Path(articles) if articles is not None else source.parent
    if not target_dir.is_dir():
        raise CurationError(f"--articles {target_dir}: no such folder")
    same_text = _registered_text(normalise(text), rows, target_dir)
    if same_text is not None:
        raise CurationError(
            f"{source} is the text of {same_text}, already registered (it differs only in "
            "line ends, spaces or quotes)"
        )
    if articles is not None and source.resolve().parent != target_dir.resolve():
        documents = {r.get("document", "") for r in rows} | {p.name for p in target_dir.iterdir()}
        document = document_name(digest, documents)
    else:
        document = source.name
        if not re.fullmatch(r"[^/\\]+\.txt", document):
            raise CurationError(
                f"{document}: an article's file name ends in .txt; rename it, or give --articles "
                "to copy it there under the next NNN_<sha256>.txt name"
            )
    if any(r.get("document") == document for r in rows):
        raise CurationError(f"another source already has the document {document!r}")

    row = {
        "source_id": source_id_for(outlet, day, {r.get("source_id", "") for r in rows}),
        "outlet": outlet.strip(),
        "headline": headline.strip(),
        "published": day.isoformat(),
        "published_precision": published_precision,
        "published_basis": basis,
        "dateline": dateline.strip(),
        "document": document,
        "url": url.strip(),
        "notes": notes.strip(),
        "sha256": digest,
    }
    row = {k: v for k, v in row.items() if k in header}
    target = target_dir / document
    if not dry_run:
        _copy_then_append(data, target, path, row)
    return Registered(row, target, tuple(sorted(printed)))


def _registered_text(words: str, rows: list[dict[str, str]], folder: Path) -> str | None:
    """The source_id whose article (in ``folder``) has the normalised text ``words``."""
    for row in rows:
        path = folder / (row.get("document") or "")
        try:
            if path.is_file() and normalise(path.read_text(encoding="utf-8-sig")) == words:
                return row.get("source_id")
        except (OSError, UnicodeDecodeError):
            continue
    return None


def _copy_then_append(data: bytes, target: Path, sources: Path, row: dict[str, str]) -> None:
    """Put the article in place and append its row, or leave both as they were."""
    placed = False
    if not target.exists():
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
            placed = True
        except OSError as exc:
            raise CurationError(
                f"cannot copy the article to {target}: {exc.strerror or exc}"
            ) from None
        finally:
            if tmp is not None and not placed:
                Path(tmp).unlink(missing_ok=True)
    try:
        append_rows(sources, [row])
    except CurationError:
        if placed:
            target.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
