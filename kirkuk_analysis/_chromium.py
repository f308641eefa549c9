"""Print an HTML file to PDF with the system Chromium's own command line.

``chromium --headless --print-to-pdf`` loads one page, prints it and exits. What the page
looks like on paper is CSS: an ``@page`` rule (A4, the margins, and margin boxes holding
the footer text and "page X / Y") is added to a copy of the HTML, printed from a throw-away
profile. The PDF is tagged (Chromium's default) and has an outline of the headings.

:func:`print_to_pdf` starts Chromium on a page that exists; :class:`Printer` starts it
earlier (while the brief's notebook runs) and hands it the page once there is one. Either
way the deadline (:data:`TIMEOUT`) is the print's own, counted from the page, however long
the notebook before it ran. Chromium runs in a process group of its own, which is killed,
and its work folder (profile, page copy, and Chromium's own temporary folder for its
singleton socket) removed, however the print ends (an error, a timeout, Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from kirkuk_analysis._cleanup import held_signals, temporary_folder, write_atomically

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: The browser's own interface, which a headless print never shows, yet Chromium's headless
#: mode builds at start in a renderer of its own (the WebUI toolbar, the omnibox popup and
#: the preloaded tab search): about two thirds of the CPU its start takes (1.9-2.7 s of CPU
#: against 0.9 s without them, measured on Chromium 156), spent while the brief's kernel
#: runs the notebook. A name a Chromium does not know is ignored.
UNSHOWN_UI_FEATURES = (
    "InitialWebUI",
    "WebUIToolbarProcessOverheadExperiment",
    "PreloadTopChromeWebUI",
    "WebUIOmniboxPopup",
    "WebUIOmniboxAimPopup",
)

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
    f"--disable-features={','.join(UNSHOWN_UI_FEATURES)}",
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


#: The print copy shows nothing on a screen. Chromium lays a page out, and paints it, for
#: its window (never shown when it prints headless) before it lays it out again for paper:
#: for the brief, about a tenth of the print. The paper's layout is untouched.
SCREEN_RULE = "@media screen { body { display: none !important; } }"


def page_css(footer_text: str = "", margins_mm: tuple[float, ...] = MARGINS_MM) -> str:
    """The print copy's style: the ``@page`` rule (A4, ``margins_mm``, ``footer_text`` left
    and "page X / Y" right), and :data:`SCREEN_RULE`."""
    margin = " ".join(f"{m}mm" for m in margins_mm)
    return (
        f"@page {{ size: A4; margin: {margin};\n"
        f"  @bottom-left {{ content: {css_string(footer_text)}; {FOOTER_STYLE} }}\n"
        '  @bottom-right { content: "page " counter(page) " / " counter(pages); '
        f"white-space: nowrap; {FOOTER_STYLE} }}\n}}\n{SCREEN_RULE}"
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
    members = _group_members(pgid)
    return members is None or bool(members)


def _group_members(pgid: int) -> list[int] | None:
    """The processes of group ``pgid`` that run (zombies left out); None without ``/proc``."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    group = str(pgid).encode()
    members = []
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
            members.append(int(name))
    return members


def boot_cpus(allowed: set[int]) -> set[int] | None:
    """The CPUs of ``allowed`` an early Chromium boots on (:class:`Printer`): all but two,
    the highest-numbered, and at least one; None (all of them) when there is only one.

    Chromium's start takes about a second of CPU, in several processes at once. Meanwhile
    the brief's kernel runs the notebook, whose end the brief waits for, and this process
    imports what renders the HTML. Left to spread over a two-core machine, Chromium's start
    took about a fifth of a second from the kernel; on the CPUs it is given, it finishes
    well before the notebook does.

    >>> boot_cpus({0, 1}), boot_cpus({0, 1, 2, 3, 4, 5}), boot_cpus({3})
    ({1}, {2, 3, 4, 5}, None)
    """
    if len(allowed) < 2:
        return None
    return set(sorted(allowed)[-max(1, len(allowed) - 2) :])


@contextlib.contextmanager
def _on_cpus(cpus: set[int] | None):
    """The calling thread on ``cpus`` meanwhile (None: unchanged), so that the processes
    it starts, and theirs, inherit them; its own CPUs are restored after. Where CPUs
    cannot be chosen (not Linux, or a ``cpus`` not allowed), nothing changes."""
    if cpus is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    own = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, cpus)  # 0: this thread, on Linux
    except OSError:
        yield
        return
    try:
        yield
    finally:
        os.sched_setaffinity(0, own)


def _spread(pgid: int, cpus: set[int]) -> None:
    """Every thread of every process of group ``pgid`` allowed on ``cpus`` (a thread that
    ended meanwhile, or CPUs not allowed, are passed over)."""
    for pid in _group_members(pgid) or ():
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in threads:
            try:
                os.sched_setaffinity(int(tid), cpus)
            except (OSError, ValueError):
                pass


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
    PDF is there. :class:`Printer` does the same with Chromium started ahead of the page.
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
        with open(work / "chromium.log", "wb") as log:
            process = None
            try:
                with held_signals():  # started and recorded, so that it is killed, or neither
                    process = _launch(executable, page.as_uri(), work, log)
                problem = _wait(process, timeout, work / "out.pdf")
                exited = process.poll() is not None
            finally:
                if process is not None:
                    with held_signals():
                        _kill_group(process)  # also on Ctrl-C or SIGTERM, and any helper
                        _remove_singleton_folder(work / "profile")
        pdf = _printed(work, process, problem, exited)
    write_atomically(pdf_path, pdf)


class Printer:
    """Chromium started before the page it prints exists: :meth:`start` boots it,
    :meth:`hand` gives it the page once there is one, and :meth:`print_to_pdf` waits for
    the PDF (handing the page itself when :meth:`hand` did not).

    Chromium takes most of a second to start. A brief starts it while the kernel runs the
    notebook (this process only waits then, and a second CPU is free), so that printing
    costs only loading and printing the page. It starts on some of the CPUs only
    (:func:`boot_cpus`), leaving the others to the notebook; given the page, it may use
    them all. Chromium is pointed at a page this process
    serves over HTTP on 127.0.0.1 (one path with a random token; anything else is 404),
    whose answer waits until the page is given. The page is served alone, so it must be
    self-contained (the brief is: its figures and style are inline). The deadline
    (``timeout``, default :data:`TIMEOUT`) counts from the page being handed, however long
    the notebook ran. Where the early start did not happen or failed (no loopback, Chromium
    gone), :meth:`print_to_pdf` prints the ordinary way (:func:`print_to_pdf`), so the
    result and its errors are the same. Use it as a context manager: leaving it kills
    Chromium's process group and removes its work folder, whatever happened::

        with Printer(footer_text="...") as printer:
            printer.start()  # from any thread; does nothing once closed
            ...  # make page.html
            printer.hand(Path("page.html"))  # optional: Chromium prints meanwhile
            ...
            printer.print_to_pdf(Path("page.html"), Path("out.pdf"))
    """

    def __init__(
        self,
        *,
        footer_text: str = "",
        chromium: str | None = None,
        margins_mm: tuple[float, float, float, float] = MARGINS_MM,
        timeout: float | None = None,
    ):
        self.footer_text, self.margins_mm = footer_text, margins_mm
        self.chromium = chromium
        self.timeout = TIMEOUT if timeout is None else timeout
        self._lock = threading.Lock()
        self._closed = False
        self._page: bytes | None = None
        self._given = threading.Event()  # the page is there, or the printer is closed
        self._served = threading.Event()  # Chromium has read the whole page
        self._server = self._process = self._work = self._log = None
        self._cpus: set[int] = set()  # the CPUs this process may use, for the print
        self._handed: tuple[Path, float] | None = None  # the page handed, and when

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start Chromium on the page to come. Never raises: what fails here is tried
        again, the ordinary way, by :meth:`print_to_pdf`, which reports it."""
        with self._lock:
            if self._closed or self._work is not None:
                return
            self._work = Path(tempfile.mkdtemp(prefix="kirkuk-chromium-"))
            try:
                self._server = _PageServer(self)
                self._log = open(self._work / "chromium.log", "wb")  # noqa: SIM115 - kept open
                if hasattr(os, "sched_getaffinity"):
                    self._cpus = os.sched_getaffinity(0)
                # booted on some CPUs only (boot_cpus); print_to_pdf gives it them all
                with _on_cpus(boot_cpus(self._cpus)):
                    self._process = _launch(
                        self.chromium or find_chromium(), self._server.url, self._work, self._log
                    )
            except (OSError, ChromiumError, ChromiumNotFound):
                self._stop()

    def hand(self, html_path: Path) -> None:
        """Give Chromium the page ``html_path`` now, and return: it loads and prints the
        page while this process goes on, and :meth:`print_to_pdf` waits for the PDF.
        Where Chromium did not start or has ended, nothing happens here (:meth:`print_to_pdf`
        prints the ordinary way); a second page is an error (``ValueError``)."""
        with self._lock:
            if self._handed is not None:
                if self._handed[0] != Path(html_path):
                    raise ValueError(f"{html_path} is not the page handed: {self._handed[0]}")
                return
            process, server = self._process, self._server
            if process is None or process.poll() is not None or self._closed:
                return
            if self._cpus:  # the notebook is done: the page's load and print use them all
                _spread(process.pid, self._cpus)
            self._page = _for_print(
                Path(html_path).read_text(encoding="utf-8"),
                server.url.rsplit("/", 1)[0] + "/",
                page_css(self.footer_text, self.margins_mm),
            ).encode("utf-8")
            self._handed = (Path(html_path), time.monotonic())
            self._given.set()

    def print_to_pdf(self, html_path: Path, pdf_path: Path) -> None:
        """Print ``html_path`` to ``pdf_path`` as :func:`print_to_pdf` does (handing the
        page first, unless :meth:`hand` did)."""
        self.hand(html_path)
        with self._lock:
            process, handed = self._process, self._handed
            booted = handed is not None and process is not None and not self._closed
        if not booted:
            self.close()
            print_to_pdf(
                html_path, pdf_path, footer_text=self.footer_text, chromium=self.chromium,
                margins_mm=self.margins_mm, timeout=self.timeout,
            )  # fmt: skip
            return
        try:
            problem = _wait(process, self.timeout, self._work / "out.pdf", since=handed[1])
            exited = process.poll() is not None
        finally:
            self._stop_chromium()
        printed = problem is None and (process.returncode == 0 or not exited)
        if printed and not self._served.is_set():
            # Chromium printed without reading the page (the address unreachable: it prints
            # its own error page): not the brief, so print it the ordinary way
            self.close()
            print_to_pdf(
                html_path, pdf_path, footer_text=self.footer_text, chromium=self.chromium,
                margins_mm=self.margins_mm, timeout=self.timeout,
            )  # fmt: skip
            return
        write_atomically(pdf_path, _printed(self._work, process, problem, exited))
        self.close()

    def close(self) -> None:
        """Kill Chromium (its whole process group), stop serving, remove the work folder."""
        with self._lock:
            self._closed = True
            self._given.set()  # a request still waiting gets its answer: none
            self._stop()

    def _page_or_none(self) -> bytes | None:
        """The page, once given (None when closed first); waits for one or the other."""
        self._given.wait()
        return None if self._closed and self._page is None else self._page

    def _stop_chromium(self) -> None:
        with held_signals():
            if self._process is not None:
                _kill_group(self._process)
                _remove_singleton_folder(self._work / "profile")
                self._process = None

    def _stop(self) -> None:
        self._stop_chromium()
        with held_signals():
            if self._server is not None:
                self._server.stop()
                self._server = None
            if self._log is not None:
                self._log.close()
                self._log = None
            if self._work is not None:
                shutil.rmtree(self._work, ignore_errors=True)


class _PageServer:
    """HTTP on 127.0.0.1 (a free port) for one page: ``url`` (a random path) is answered
    with :meth:`Printer._page_or_none` once it is there; every other request is 404."""

    def __init__(self, printer: Printer):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        path = f"/{secrets.token_urlsafe(16)}/brief.html"

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server name
                page = printer._page_or_none() if self.path == path else None
                self.send_response(200 if page is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page or b"")))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(page or b"")
                self.wfile.flush()
                if page is not None:
                    printer._served.set()

            def log_message(self, *args):  # Chromium's requests are not the user's business
                pass

        class Server(ThreadingHTTPServer):
            block_on_close = False  # stopping never waits for a request's answer

            def handle_error(self, request, client_address):
                pass  # Chromium killed mid-answer: nothing to tell

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}{path}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _launch(executable: str, url: str, work: Path, log) -> subprocess.Popen:
    """Chromium printing ``url`` to ``work/out.pdf``, in a process group of its own, with
    its profile in ``work``; its output goes to ``log``."""
    args = [
        executable,
        *FLAGS,
        f"--user-data-dir={work / 'profile'}",
        f"--print-to-pdf={work / 'out.pdf'}",
        url,
    ]
    env = dict(os.environ, TMPDIR=_chromium_tmpdir(work))
    try:
        return subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
            start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        raise ChromiumError(f"could not start {executable}: {exc.strerror}") from exc


def _wait(
    process: subprocess.Popen, timeout: float, pdf: Path | None = None, since: float | None = None
) -> str | None:
    """Wait up to ``timeout`` seconds (counted from ``since``, a :func:`time.monotonic`
    time, default now) for Chromium to exit, or for ``pdf`` to be whole
    (:func:`_whole_pdf`), whichever comes first; what went wrong, or None.

    Chromium takes about 0.1 s to shut down after writing the PDF, time the print need not
    wait for: its process group is killed once the file is whole.
    """
    deadline = (time.monotonic() if since is None else since) + timeout
    size = 0
    while True:
        try:
            process.wait(timeout=min(0.01, max(deadline - time.monotonic(), 0)))
            return None
        except subprocess.TimeoutExpired:
            pass
        if pdf is not None:
            try:
                now = pdf.stat().st_size
            except OSError:
                now = 0
            if now != size:  # looked at again only once it has grown
                size = now
                if _whole_pdf(pdf):
                    return None
        if time.monotonic() >= deadline:
            return f"Chromium did not print within {timeout:g} s"


#: A PDF's last lines: ``startxref``, the offset of its cross-reference section, ``%%EOF``.
_TRAILER = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _whole_pdf(path: Path) -> bool:
    """Whether ``path`` holds a whole PDF: it starts as one, and it ends with the trailer of
    a PDF whose cross-reference section lies inside it (a file still being written has no
    such end; Chromium writes its PDF front to back).

    >>> _whole_pdf(Path("/nonexistent/out.pdf"))
    False
    """
    try:
        with open(path, "rb") as pdf:
            head = pdf.read(5)
            size = pdf.seek(0, os.SEEK_END)
            pdf.seek(max(size - 64, 0))
            trailer = _TRAILER.search(pdf.read())
            if head != b"%PDF-" or trailer is None or int(trailer.group(1)) >= size:
                return False
            pdf.seek(int(trailer.group(1)))
            section = pdf.read(32)
    except OSError:
        return False
    # a cross-reference table, or a cross-reference stream object ("12 0 obj")
    return section.startswith(b"xref") or re.match(rb"\d+\s+\d+\s+obj", section) is not None


def _printed(
    work: Path, process: subprocess.Popen, problem: str | None, exited: bool = True
) -> bytes:
    """The whole PDF Chromium wrote to ``work/out.pdf``, or :class:`ChromiumError` with
    ``problem`` (or what is wrong with its exit or its file) and Chromium's own words.
    ``exited``: False when Chromium was stopped once its PDF was whole (its exit is then
    not its own)."""
    out = work / "out.pdf"
    if problem is None and exited and process.returncode != 0:
        problem = (
            f"Chromium was killed by signal {-process.returncode}"
            if process.returncode < 0
            else f"Chromium exited with status {process.returncode}"
        )
    pdf = out.read_bytes() if problem is None and out.is_file() else b""
    if problem is None and not (pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-64:]):
        problem = "Chromium wrote no PDF"
    if problem:
        said = _log_lines(work / "chromium.log")
        raise ChromiumError(f"{problem}\n--- Chromium's output ---\n{said}" if said else problem)
    return pdf
