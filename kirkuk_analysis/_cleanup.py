"""Steps that a signal must not cut in half, and temporary folders that always go.

The CLI turns SIGINT and SIGTERM into exceptions (``KeyboardInterrupt``, ``cli.Terminated``)
so that ``finally`` blocks run. That alone leaves gaps: a signal that lands between starting
a process and recording it, or in the middle of a clean-up, or between two renames that
belong together. :func:`held_signals` closes them: inside it, the two signals wait, and
their handler runs once the block is done. Standard library only.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def held_signals() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done; then the first one acts as it would
    have (its handler runs, or the default action happens). Nested blocks hold until the
    outermost ends. Outside the main thread, where Python runs no handlers, it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, object] = {}

    def hold(signum, frame):
        held.append(signum)

    try:
        for signum in SIGNALS:
            current = signal.getsignal(signum)
            if current is not None:  # None: a handler not set from Python; leave it alone
                previous[signum] = signal.signal(signum, hold)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if held:
            _deliver(held[0], previous.get(held[0]))


def _deliver(signum: int, handler) -> None:
    if callable(handler):
        handler(signum, None)  # e.g. raises KeyboardInterrupt, or the CLI's Terminated
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)


class _Watch:
    """The signals seen while :func:`noticing_signals` is active (one watch at a time)."""

    active = False
    seen: list[int] = []
    previous: dict[int, object] = {}


@contextmanager
def noticing_signals() -> Iterator[None]:
    """Remember SIGINT and SIGTERM (whose Python handlers still run at once), so that
    :func:`checkpoint` can make one act again if the exception its handler raised was lost:
    raised inside code that swallows it (asyncio drops a ``BaseException`` other than
    ``KeyboardInterrupt`` raised in a callback; a handler that runs inside ``compile()``
    while a module is imported can vanish). A signal still unanswered when the block ends
    normally acts then. Outside the main thread it does nothing."""
    if threading.current_thread() is not threading.main_thread() or _Watch.active:
        yield  # an outer block watches already
        return

    def notice(signum, frame):
        _Watch.seen.append(signum)
        _Watch.previous[signum](signum, frame)

    _Watch.active, _Watch.seen, _Watch.previous = True, [], {}
    error: Exception | None = None
    default_hook = sys.unraisablehook

    def unraisable(event):
        # A signal's exception raised inside a callback Python cannot raise from (a weak
        # reference's, during garbage collection) is printed as "Exception ignored ...",
        # a traceback on the user's terminal, and lost: it is noticed here and acts again
        # at the next checkpoint, so it is not printed.
        if _Watch.seen and not isinstance(event.exc_value, Exception | None):
            return
        default_hook(event)

    sys.unraisablehook = unraisable
    try:
        for signum in SIGNALS:
            current = signal.getsignal(signum)
            if callable(current):  # a default action ends the process: nothing to redo
                _Watch.previous[signum] = current
                signal.signal(signum, notice)
        yield
    except Exception as exc:  # an ordinary error: if a signal came first, it became this
        error = exc
    except BaseException:
        _Watch.seen = []  # the signal's own exception (or SystemExit...): on its way out
        raise
    finally:
        for signum, handler in _Watch.previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = default_hook
        seen, previous = _Watch.seen, _Watch.previous
        _Watch.active, _Watch.seen, _Watch.previous = False, [], {}
    if seen:
        try:
            _deliver(seen[0], previous[seen[0]])
        except BaseException as exc:
            exc.__context__ = error
            raise
    if error is not None:
        raise error


def checkpoint() -> None:
    """Between two steps: if a signal came while :func:`noticing_signals` watches, the
    exception its handler raised was lost on the way (else this point would not be
    reached): raise it again here."""
    if _Watch.active and _Watch.seen:
        signum = _Watch.seen[0]
        _Watch.seen = []
        _deliver(signum, _Watch.previous[signum])


@contextmanager
def temporary_folder(prefix: str) -> Iterator[Path]:
    """A fresh folder in ``$TMPDIR``, removed with everything in it however the block ends
    (an error, Ctrl-C, SIGTERM); a signal during the removal waits for it to finish."""
    with ExitStack() as stack:
        with held_signals():  # created and registered for removal, or neither
            path = Path(tempfile.mkdtemp(prefix=prefix))
            stack.callback(_remove_tree, path)
        yield path


def _remove_tree(path: Path) -> None:
    with held_signals():
        shutil.rmtree(path, ignore_errors=True)


def write_atomically(path: Path | str, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flushed to disk, then rename it
    into place: ``path`` is the whole new content or what it was before (a full disk leaves
    it untouched, and no temporary behind). The file gets the mode a new file gets from the
    umask."""
    path = Path(path)
    with ExitStack() as stack:
        tmp = file_beside(path, stack)
        write_synced(tmp, data)
        with held_signals():
            os.replace(tmp, path)


def file_beside(path: Path, stack: ExitStack) -> Path:
    """A new, empty file in ``path``'s folder with a short hidden name of its own
    (``.kirkuk-XXXXXXXXXXXX.tmp``, mode from the umask), removed when ``stack`` closes
    unless it was renamed by then."""
    import secrets  # here: a brief imports this module before it starts its kernel

    with held_signals():  # created and registered for removal, or neither
        while True:
            tmp = path.with_name(f".kirkuk-{secrets.token_hex(6)}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                continue
            break
        stack.callback(_unlink, tmp)
        os.close(fd)
    return tmp


def write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and flush it to the disk (a full disk shows here)."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _unlink(path: Path) -> None:
    with held_signals():
        path.unlink(missing_ok=True)
