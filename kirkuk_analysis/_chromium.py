"""Print an HTML file to PDF with the system Chromium, over the DevTools protocol.

Chromium is started headless with ``--remote-debugging-pipe``: commands go in on its file
descriptor 3 and answers come out on 4, as NUL-terminated JSON. That needs no extra Python
package and no network port. ``Page.printToPDF`` gives A4 pages with a footer template
(page X / Y and whatever the caller puts in it).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
)

# A4 in inches, as Page.printToPDF wants them.
A4_WIDTH_IN = 8.27
A4_HEIGHT_IN = 11.69
MM_PER_INCH = 25.4

MISSING_MESSAGE = (
    "kirkuk-analysis needs Chromium to print the brief to PDF, and none was found "
    "(looked for {names} on PATH and the CHROMIUM environment variable).\n"
    "Install it on Debian/Ubuntu with:  sudo apt-get install chromium\n"
    "or point CHROMIUM=/path/to/chromium at a Chromium or Chrome you already have."
)


class ChromiumNotFound(RuntimeError):
    """No Chromium (or Chrome) executable could be found."""


class ChromiumError(RuntimeError):
    """Chromium started but did not produce a PDF."""


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


def _high_fd(fd: int) -> int:
    """Move ``fd`` to a number >= 10 (close-on-exec), so the shell's 3</4> cannot clobber it."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class _Pipe:
    """The two ends of Chromium's debugging pipe, with request/response bookkeeping."""

    def __init__(self, to_chrome: int, from_chrome: int, process: subprocess.Popen, timeout: float):
        self.to_chrome = to_chrome
        self.from_chrome = from_chrome
        self.process = process
        self.deadline = time.monotonic() + timeout
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read_message(self) -> dict:
        while b"\0" not in self.buffer:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise ChromiumError("Chromium did not answer in time")
            ready, _, _ = select.select([self.from_chrome], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise ChromiumError("Chromium closed the debugging pipe (it exited early)")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message: dict = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        except OSError as exc:  # BrokenPipeError: Chromium exited before reading it
            raise ChromiumError(f"Chromium closed the debugging pipe ({exc.strerror})") from exc
        while True:
            answer = self._read_message()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise ChromiumError(f"{method} failed: {answer['error'].get('message')}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_event(self, method: str, session: str | None = None) -> dict:
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self._read_message())


class Browser:
    """A headless Chromium, started when made and closed by :meth:`close` (or ``with``).

    Starting it returns at once: Chromium boots in its own processes while the caller goes
    on (the brief renders its HTML meanwhile); the first command waits for it.

    >>> with Browser() as browser:  # doctest: +SKIP
    ...     browser.print_to_pdf(Path("page.html"), Path("page.pdf"))
    """

    def __init__(self, chromium: str | None = None, timeout: float = 120.0):
        executable = chromium or find_chromium()
        cmd_read, cmd_write = os.pipe()
        resp_read, resp_write = os.pipe()
        cmd_read, resp_write = _high_fd(cmd_read), _high_fd(resp_write)
        self._profile = tempfile.TemporaryDirectory(prefix="kirkuk-chromium-")
        self._log_path = Path(self._profile.name) / "chromium.log"
        args = [executable, *FLAGS, f"--user-data-dir={self._profile.name}/profile", "about:blank"]
        # bash (dash cannot redirect fds > 9) puts our pipe ends where Chromium expects them:
        # 3 is what it reads, 4 is what it writes.
        script = f'exec "$@" 3<&{cmd_read} 4>&{resp_write}'
        try:
            with open(self._log_path, "wb") as log:
                self._process = subprocess.Popen(
                    ["/bin/bash", "-c", script, "bash", *args],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    pass_fds=(cmd_read, resp_write),
                )
        except BaseException:
            for fd in (cmd_read, cmd_write, resp_read, resp_write):
                os.close(fd)
            self._profile.cleanup()
            raise
        os.close(cmd_read)
        os.close(resp_write)
        self._pipe = _Pipe(cmd_write, resp_read, self._process, timeout)
        self._closed = False

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def print_to_pdf(
        self,
        html_path: Path,
        pdf_path: Path,
        *,
        footer_html: str = "",
        margins_mm: tuple[float, float, float, float] = (18, 16, 20, 16),
    ) -> None:
        """Print ``html_path`` to ``pdf_path`` (A4). ``footer_html`` goes left of "page X / Y".

        ``margins_mm`` is (top, right, bottom, left); the footer is drawn in the bottom margin.
        """
        pipe = self._pipe
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
                "sessionId"
            ]
            pipe.send("Page.enable", session=session)
            pipe.events.clear()
            pipe.send("Page.navigate", {"url": html_path.resolve().as_uri()}, session=session)
            pipe.wait_event("Page.loadEventFired", session=session)
            # Loaded, and the fonts too (the about:blank tab's own load event cannot pass this).
            ready = (
                "document.fonts.ready.then(() => "
                "location.protocol === 'file:' && document.readyState === 'complete')"
            )
            while not pipe.send(
                "Runtime.evaluate",
                {"expression": ready, "awaitPromise": True, "returnByValue": True},
                session=session,
            )["result"].get("value"):
                time.sleep(0.05)
            top, right, bottom, left = (m / MM_PER_INCH for m in margins_mm)
            footer = (
                "<div style=\"font-size:7.5pt; font-family:'DejaVu Sans', sans-serif; "
                f"color:#555; width:100%; margin:0 {margins_mm[3]}mm 0 {margins_mm[1]}mm; "
                'display:flex; justify-content:space-between;">'
                f"<span>{footer_html}</span>"
                '<span>page <span class="pageNumber"></span> / '
                '<span class="totalPages"></span></span></div>'
            )
            result = pipe.send(
                "Page.printToPDF",
                {
                    "paperWidth": A4_WIDTH_IN,
                    "paperHeight": A4_HEIGHT_IN,
                    "marginTop": top,
                    "marginRight": right,
                    "marginBottom": bottom,
                    "marginLeft": left,
                    "printBackground": True,
                    "displayHeaderFooter": True,
                    "headerTemplate": "<div></div>",
                    "footerTemplate": footer,
                },
                session=session,
            )
            pdf = base64.b64decode(result["data"])
        except ChromiumError as exc:
            tail = (
                self._log_path.read_text(errors="replace")[-2000:]
                if self._log_path.exists()
                else ""
            )
            raise ChromiumError(f"{exc}\n--- Chromium's output (last lines) ---\n{tail}") from exc
        if not pdf.startswith(b"%PDF"):
            raise ChromiumError("Chromium returned something that is not a PDF")
        pdf_path.write_bytes(pdf)

    def close(self) -> None:
        """Ask Chromium to quit, wait for it (kill it after 15 s), remove its profile."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._process.poll() is None:
                try:
                    self._pipe.send("Browser.close")
                except ChromiumError:
                    pass  # it may close the pipe before it answers
        finally:
            os.close(self._pipe.to_chrome)
            os.close(self._pipe.from_chrome)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._profile.cleanup()


def print_to_pdf(
    html_path: Path,
    pdf_path: Path,
    *,
    footer_html: str = "",
    chromium: str | None = None,
    margins_mm: tuple[float, float, float, float] = (18, 16, 20, 16),
    timeout: float = 120.0,
) -> None:
    """Print ``html_path`` to ``pdf_path`` (A4) with a Chromium started for it, then closed.

    ``footer_html`` goes left of "page X / Y"; ``margins_mm`` is (top, right, bottom, left).
    """
    with Browser(chromium, timeout) as browser:
        browser.print_to_pdf(html_path, pdf_path, footer_html=footer_html, margins_mm=margins_mm)
