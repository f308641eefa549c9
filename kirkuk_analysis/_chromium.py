"""Print an HTML file to PDF with the system Chromium's own command line.

``chromium --headless --print-to-pdf`` loads one page, prints it and exits. What the page
looks like on paper is CSS: an ``@page`` rule (A4, the margins, and margin boxes holding
the footer text and "page X / Y") is added to a copy of the HTML, printed from a throw-away
profile. The PDF is tagged (Chromium's default) and has an outline of the headings.

Chromium starts only when the print starts, so the deadline (:data:`TIMEOUT`) is the print's
own, however long the notebook before it ran. It runs in a process group of its own, which is
killed, and its work folder (profile, page copy, and Chromium's own temporary folder for its
singleton socket) removed, however the print ends (an error, a timeout, Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from kirkuk_analysis._cleanup import held_signals, temporary_folder, write_atomically

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--no-pdf-header-footer",  # the footer is the page's own (@page margin boxes)
    "--generate-pdf-document-outline",  # bookmarks from the headings
)

#: Seconds one print may take, counted from Chromium's start.
TIMEOUT = 120.0

#: (top, right, bottom, left), millimetres; the footer sits in the bottom margin.
MARGINS_MM = (18, 16, 20, 16)

FOOTER_STYLE = (
    "font-family: 'DejaVu Sans', sans-serif; font-size: 7.5pt; color: #555; "
    "vertical-align: bottom; padding-bottom: 3.5mm;"
)

MISSING_MESSAGE = (
    "kirkuk-analysis needs Chromium to print the brief to PDF, and none was found "
    "(looked for {names} on PATH and the CHROMIUM environment variable); "
    "install it (Debian/Ubuntu: sudo apt-get install chromium) "
    "or point CHROMIUM=/path/to/chromium at a Chromium or Chrome you already have"
)


class ChromiumNotFound(RuntimeError):
    """No Chromium (or Chrome) executable could be found."""


class ChromiumError(RuntimeError):
    """Chromium ran but did not produce a PDF."""


def find_chromium() -> str:
    """The path of a Chromium executable: ``$CHROMIUM`` first, then PATH."""
    env = os.environ.get("CHROMIUM")
    if env and os.access(env, os.X_OK):
        return env
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumNotFound(MISSING_MESSAGE.format(names=", ".join(CANDIDATES)))


def css_string(text: str) -> str:
    r"""``text`` as a quoted CSS string that cannot end the string, the rule or the <style>.

    >>> print(css_string('say "hi" </style>'))
    "say \22 hi\22  \3c /style\3e "
    """
    escaped = (c if c.isprintable() and c not in '"\\<>' else f"\\{ord(c):x} " for c in text)
    return '"' + "".join(escaped) + '"'


def page_css(footer_text: str = "", margins_mm: tuple[float, ...] = MARGINS_MM) -> str:
    """The ``@page`` rule: A4, ``margins_mm``, ``footer_text`` left and "page X / Y" right."""
    margin = " ".join(f"{m}mm" for m in margins_mm)
    return (
        f"@page {{ size: A4; margin: {margin};\n"
        f"  @bottom-left {{ content: {css_string(footer_text)}; {FOOTER_STYLE} }}\n"
        '  @bottom-right { content: "page " counter(page) " / " counter(pages); '
        f"white-space: nowrap; {FOOTER_STYLE} }}\n}}"
    )


def _for_print(page: str, base_uri: str, css: str) -> str:
    """``page`` with ``<base href>`` first in its head (relative links still resolve from
    the original's folder) and the ``@page`` rule last (so it wins over the page's own)."""
    base = f'<base href="{html.escape(base_uri)}">'
    style = f"<style>\n{css}\n</style>"
    head = re.search(r"<head\b[^>]*>", page, re.IGNORECASE)
    if head:
        page = page[: head.end()] + base + page[head.end() :]
    else:
        page = base + page
    end = re.search(r"</head\s*>", page, re.IGNORECASE)
    if end:
        return page[: end.start()] + style + page[end.start() :]
    return page.replace(base, base + style, 1)


def _log_lines(log: Path, keep: int = 12) -> str:
    """Chromium's last lines of output, without its D-Bus complaints (no bus in a container)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    lines = [ln for ln in text.splitlines() if ln.strip() and "dbus" not in ln]
    return "\n".join(lines[-keep:])


def _kill_group(process: subprocess.Popen) -> None:
    """Kill Chromium's process group (the browser and every helper it started); reap it.

    Returns once the group is gone (at most a few seconds): helpers die a moment after the
    signal, and must not write into the profile while it is being removed.
    """
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # every process of the group has already exited
    process.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _group_running(process.pid):
        time.sleep(0.01)


def _group_running(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (one that is not a zombie).

    A killed helper's parent is gone, so it waits as a zombie for init to reap it; a zombie
    writes nothing, and some containers' init reaps only about once a second, which made
    every print wait that long for nothing. Without ``/proc`` any member counts.
    """
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        names = os.listdir("/proc")
    except OSError:
        return True
    group = str(pgid).encode()
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                line = stat.read()
        except OSError:
            continue  # gone meanwhile
        # after the command name (in parentheses, which may itself hold any character):
        # state, ppid, pgrp, ...
        fields = line[line.rfind(b")") + 2 :].split()
        if len(fields) > 2 and fields[2] == group and fields[0] not in (b"Z", b"X"):
            return True
    return False


#: What Chromium adds to ``$TMPDIR`` for a profile's singleton socket.
_SOCKET_TAIL = "/org.chromium.Chromium.XXXXXX/SingletonSocket"


def _chromium_tmpdir(work: Path) -> str:
    """Chromium's ``$TMPDIR``: the work folder, so that its own temporary folder
    (``org.chromium.Chromium.*``, holding the profile's singleton socket) goes with it,
    when the socket's path fits the 107 bytes a Unix socket's path may have (a longer one
    makes Chromium abort); else ``$TMPDIR``, or ``/tmp`` when even that is too long. Wherever
    it goes, :func:`_remove_singleton_folder` removes it after Chromium."""
    for folder in (str(work), tempfile.gettempdir(), "/tmp"):
        if len(os.fsencode(folder + _SOCKET_TAIL)) < 108:
            return folder
    return "/tmp"


def _remove_singleton_folder(profile: Path) -> None:
    """Remove the temporary folder Chromium made in ``$TMPDIR`` for ``profile``'s singleton
    socket (``org.chromium.Chromium.XXXXXX``; the profile links to the socket in it), which
    a killed Chromium leaves behind."""
    try:
        socket = Path(os.readlink(profile / "SingletonSocket"))
    except OSError:
        return
    folder = socket.parent
    if socket.name == "SingletonSocket" and "chrom" in folder.name.lower():
        shutil.rmtree(folder, ignore_errors=True)


def print_to_pdf(
    html_path: Path,
    pdf_path: Path,
    *,
    footer_text: str = "",
    chromium: str | None = None,
    margins_mm: tuple[float, float, float, float] = MARGINS_MM,
    timeout: float | None = None,
) -> None:
    """Print ``html_path`` to ``pdf_path``: A4, ``footer_text`` left of "page X / Y".

    ``margins_mm`` is (top, right, bottom, left). ``timeout`` (seconds, default
    :data:`TIMEOUT`) counts from Chromium's start. Raises :class:`ChromiumError` with
    Chromium's own words when no PDF comes out; ``pdf_path`` is written only once the whole
    PDF is there.
    """
    executable = chromium or find_chromium()
    timeout = TIMEOUT if timeout is None else timeout
    html_path = Path(html_path)
    with temporary_folder("kirkuk-chromium-") as work:
        page = work / "page.html"
        page.write_text(
            _for_print(
                html_path.read_text(encoding="utf-8"),
                html_path.resolve().parent.as_uri() + "/",
                page_css(footer_text, margins_mm),
            ),
            encoding="utf-8",
        )
        out, log_path = work / "out.pdf", work / "chromium.log"
        args = [
            executable,
            *FLAGS,
            f"--user-data-dir={work / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        env = dict(os.environ, TMPDIR=_chromium_tmpdir(work))
        with open(log_path, "wb") as log:
            process = None
            try:
                with held_signals():  # started and recorded, so that it is killed, or neither
                    try:
                        process = subprocess.Popen(
                            args,
                            stdin=subprocess.DEVNULL,
                            stdout=log,
                            stderr=log,
                            env=env,
                            start_new_session=True,
                        )
                    except OSError as exc:
                        raise ChromiumError(
                            f"could not start {executable}: {exc.strerror}"
                        ) from exc
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    problem = f"Chromium did not print within {timeout:g} s"
                else:
                    problem = None
            finally:
                if process is not None:
                    with held_signals():
                        _kill_group(process)  # also on Ctrl-C or SIGTERM, and any helper
                        _remove_singleton_folder(work / "profile")
        if problem is None and process.returncode != 0:
            problem = (
                f"Chromium was killed by signal {-process.returncode}"
                if process.returncode < 0
                else f"Chromium exited with status {process.returncode}"
            )
        pdf = out.read_bytes() if problem is None and out.is_file() else b""
        if problem is None and not (pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-64:]):
            problem = "Chromium wrote no PDF"
        if problem:
            said = _log_lines(log_path)
            raise ChromiumError(
                f"{problem}\n--- Chromium's output ---\n{said}" if said else problem
            )
    write_atomically(pdf_path, pdf)
