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
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kirkuk_analysis import _paths, dates

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


def _descriptor(folder: Path) -> dict:
    path = folder / "datapackage.json"
    if not path.is_file():
        raise CurationError(f"{folder}: no datapackage.json there")
    return json.loads(path.read_text(encoding="utf-8-sig"))


def _table_path(folder: Path, table: str) -> Path:
    for resource in _descriptor(folder).get("resources", []):
        if resource.get("name") == table:
            return folder / resource["path"]
    raise CurationError(f"the data package in {folder} has no table {table!r}")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def next_ids(data_dir: str | Path | None = None) -> dict[str, str]:
    """The next free identifier of each table with numbered identifiers.

    >>> ids = next_ids()
    >>> sorted(ids), ids["incidents"][0], ids["claims"][0]
    (['claims', 'coordination', 'incidents'], 'I', 'C')
    """
    folder = _folder(data_dir)
    retired = _descriptor(folder).get("retired_ids", {})
    out = {}
    for table, prefix in ID_PREFIXES.items():
        _, rows = _read(_table_path(folder, table))
        used = [r.get(_ID_COLUMNS[table]) or "" for r in rows] + list(retired.get(table, []))
        numbers = [m for i in used if (m := re.fullmatch(rf"{prefix}(\d+)", i.strip()))]
        top = max((int(m[1]) for m in numbers), default=0)
        width = max([2] + [len(m[1]) for m in numbers])
        out[table] = f"{prefix}{top + 1:0{width}d}"
    return out


def publication_date(source_id: str, data_dir: str | Path | None = None) -> date:
    """The ``published`` date of ``source_id`` in ``sources.csv``.

    >>> publication_date("rudaw-2021-12-06")
    datetime.date(2021, 12, 6)
    """
    _, rows = _read(_table_path(_folder(data_dir), "sources"))
    for row in rows:
        if row.get("source_id") == source_id:
            try:
                return date.fromisoformat(row.get("published", ""))
            except ValueError:
                raise CurationError(
                    f"{source_id}: published {row.get('published')!r} is not YYYY-MM-DD"
                ) from None
    raise CurationError(f"no source_id {source_id!r} in sources.csv")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def source_id_for(outlet: str, published: date, taken: set[str] = frozenset()) -> str:
    """``outlet-YYYY-MM-DD``, with ``-2``, ``-3``... when an article of the same outlet and
    day is already registered.

    >>> source_id_for("Rudaw", date(2021, 5, 22), {"rudaw-2021-05-22"})
    'rudaw-2021-05-22-2'
    """
    base = f"{_slug(outlet) or 'source'}-{published.isoformat()}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def document_name(sha256: str, taken: set[str] = frozenset()) -> str:
    """The file name of a newly registered article: the next three-digit number after the
    highest in ``taken``, then the first 16 hex digits of its SHA-256 (as the first
    articles are named).

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
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator=newline)
    writer.writerows([{k: row.get(k, "") for k in header} for row in rows])
    with path.open("ab") as handle:
        if data and not data.endswith(b"\n"):
            handle.write(newline.encode())
        handle.write(buffer.getvalue().encode("utf-8"))


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
    a recognised form (:func:`kirkuk_analysis.dates.printed_dates`), else ``inferred``,
    and then ``notes`` must say how the date was worked out. A missing ``url`` must be
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
    data = source.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CurationError(
            f"{source} is not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from None
    try:
        day = published if isinstance(published, date) else date.fromisoformat(published)
    except ValueError:
        raise CurationError(f"--published {published!r} is not a date YYYY-MM-DD") from None
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
        raise CurationError(
            f"the article does not print {day} in a recognised form (dates it prints: {seen}): "
            "say in --notes how the publication date was worked out"
        )
    if not url.strip() and not notes.strip():
        raise CurationError("no --url: give the article's address, or say in --notes why none")

    target_dir = Path(articles) if articles is not None else source.parent
    if articles is not None and source.resolve().parent != target_dir.resolve():
        documents = {r.get("document", "") for r in rows}
        if target_dir.is_dir():
            documents |= {p.name for p in target_dir.iterdir()}
        document = document_name(digest, documents)
    else:
        document = source.name
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
        if not target.exists():
            target_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        append_rows(path, [row])
    return Registered(row, target, tuple(sorted(printed)))
