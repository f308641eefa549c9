"""Reading the package's CSV tables safely, for the loader and the curation commands alike.

Standard library only, so that the curation commands stay light.
"""

from __future__ import annotations

import csv
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_FIELD_LIMIT = threading.Lock()


def unreadable(folder: Path, path: Path) -> str | None:
    """Why the table at ``path`` cannot be read, or None: missing, not a regular file (a
    FIFO would block the reader), or (through a symbolic link) outside the package folder.

    >>> unreadable(Path("/"), Path("/no/such/table.csv"))
    'missing file'
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "missing file"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return "is a link to a file outside the package folder; copy the file into it"
    return None


@contextmanager
def field_size_limit(n: int) -> Iterator[None]:
    """The csv module's limit on one field (131072 characters by default, process-wide)
    raised to ``n`` while a file is read, then put back: a long cell is data, not an error."""
    with _FIELD_LIMIT:
        previous = csv.field_size_limit()
        csv.field_size_limit(max(n, previous))
        try:
            yield
        finally:
            csv.field_size_limit(previous)
