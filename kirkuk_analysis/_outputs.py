"""The one check of an output path, made before any work (``brief``, ``export``).

A command that writes a file calls :func:`check_output` first: it refuses what could not be
written, or must not be replaced, with one sentence (:class:`OutputError`, bad input), and
makes the missing folders, which :func:`remove_folders` takes away again when nothing was
written. The file itself is then written beside its target and renamed into place
(:func:`kirkuk_analysis._cleanup.write_atomically`). Standard library only.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from kirkuk_analysis._cleanup import held_signals


class OutputError(ValueError):
    """An output path that cannot take the file (bad input: nothing was run or written)."""


def reason(exc: OSError) -> str:
    """The operating system's words for ``exc`` ("Permission denied")."""
    return exc.strerror or str(exc)


def check_output(
    path: Path | str, suffixes: Iterable[str] | None = None, longest_name: int | None = None
) -> list[Path]:
    """Check that ``path`` can be written, before any work; return the folders made for it
    (outermost first), to remove with :func:`remove_folders` when nothing gets written.

    Refused with :class:`OutputError`: a name without one of ``suffixes`` (when given); a
    parent that is
    a file; a folder, a symbolic link (a command replaces the file at its path, never a
    link's target) or a device, FIFO or socket at ``path``; a folder where files cannot be
    created, or whose file system does not take names of ``longest_name`` bytes (default:
    ``path``'s own name). Missing folders are created, as ``mkdir -p`` would.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output(Path(tmp) / "new" / "x.csv", [".csv"]) == [Path(tmp) / "new"]
    True
    >>> check_output("reports/new", [".csv"])
    Traceback (most recent call last):
    ...
    kirkuk_analysis._outputs.OutputError: the name must end in .csv, not 'new'
    >>> check_output("/", [".csv"])
    Traceback (most recent call last):
    ...
    kirkuk_analysis._outputs.OutputError: it names no file; give a file name ending in .csv
    """
    path = Path(path)
    suffixes = tuple(suffixes or ())
    example = f" ending in {suffixes[0]}" if suffixes else ""
    if not path.name:  # "", "." or "/": a folder at most, never a file
        raise OutputError(f"it names no file; give a file name{example}")
    if _is_folder(path):
        raise OutputError(f"it is a folder; give a file name{example}")
    if suffixes and path.name.lower() in suffixes:  # ".pdf": a suffix with no name before it
        raise OutputError(f"the name has nothing before {path.name}; give a file name{example}")
    if suffixes and (path.suffix.lower() not in suffixes or not path.stem):
        wanted = " or ".join(suffixes)
        raise OutputError(f"the name must end in {wanted}, not {path.name!r}")
    created = _make_folders(path.parent)
    try:
        _check_target(path)
        _probe(path.parent, longest_name or len(os.fsencode(path.name)))
    except OutputError:
        remove_folders(created)
        raise
    return created


def _is_folder(path: Path) -> bool:
    """``path`` is a folder itself (not a link to one); False where it cannot be looked at
    (:func:`_check_target` then says why)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _check_target(path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise _too_long(path.parent, len(os.fsencode(path.name))) from None
        raise OutputError(reason(exc)) from None
    if stat.S_ISLNK(mode):
        raise OutputError(
            f"it is a symbolic link (to {os.readlink(path)}); give the path of the file "
            "itself (the file at the path is replaced, never a link's target)"
        )
    if stat.S_ISDIR(mode):
        raise OutputError("it is a folder; give a file name")
    if not stat.S_ISREG(mode):
        raise OutputError("it exists and is not a regular file")


def _make_folders(folder: Path) -> list[Path]:
    missing = []
    at = folder
    while True:
        try:
            mode = os.stat(at).st_mode
        except (FileNotFoundError, NotADirectoryError):
            if at.parent == at:
                raise OutputError(f"{at} does not exist") from None
            missing.append(at)
            at = at.parent
            continue
        except OSError as exc:
            raise OutputError(f"{at}: {reason(exc)}") from None
        if not stat.S_ISDIR(mode):
            raise OutputError(f"{at} is not a folder")
        break
    created: list[Path] = []
    for at in reversed(missing):
        with held_signals():  # made and recorded (so removed on failure), or neither
            try:
                os.mkdir(at)
            except FileExistsError:
                if os.path.isdir(at):
                    continue  # made by someone else meanwhile
                remove_folders(created)
                raise OutputError(f"{at} is not a folder") from None
            except OSError as exc:
                remove_folders(created)
                raise OutputError(f"cannot create the folder {at}: {reason(exc)}") from None
            created.append(at)
    return created


def _probe(folder: Path, name_bytes: int) -> None:
    """Create (and remove) a file in ``folder`` with a name of ``name_bytes`` bytes: the
    folder is writable and takes such names."""
    while True:
        token = f".kirkuk-{secrets.token_hex(6)}"
        probe = folder / (token + "x" * max(0, name_bytes - len(token) - 4) + ".tmp")
        try:
            with held_signals():
                fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                os.close(fd)
                os.unlink(probe)
            return
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise _too_long(folder, name_bytes) from None
            raise OutputError(f"cannot create files in {folder}: {reason(exc)}") from None


def _too_long(folder: Path, name_bytes: int) -> OutputError:
    return OutputError(
        f"the name is too long for the file system ({name_bytes} bytes; the limit is "
        f"{_name_max(folder)})"
    )


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def remove_folders(created: list[Path]) -> None:
    """Remove the folders :func:`check_output` made (innermost first), those still empty."""
    with held_signals():
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                break
        created.clear()


def is_stream(path: Path | str) -> bool:
    """``path`` is (or links to) a character device or a FIFO, such as ``/dev/stdout`` or
    ``/dev/null``: written in place, as a stream, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)
