"""The notebooks in a real JupyterLab, driven by the system Chromium (Playwright).

For each notebook opened fresh: the committed outputs (untrusted, so sanitised by Lab) show
the key figures side by side; Restart Kernel and Run All gives no error output on the
project's kernel; the key figures sit side by side and tables align prose left and figures
right (measured from the rendered page: bounding boxes and computed styles, not the HTML
source), in the light and the dark theme; no ``<NA>``/``NaN`` is shown; and a bad province typed
into the parameters cell stops with the one-line message, not a traceback.

JupyterLab runs from this interpreter's environment on a free port with a token, with its
config, runtime, data, settings and workspace folders in a temporary folder and a copy of
the notebooks, so nothing committed or in the user's home changes. Every wait has a
deadline; the server, its kernels and the browser are stopped however the test ends. On a
failure the page is saved as a screenshot under ``reports/lab/`` (set ``KIRKUK_LAB_SCREENSHOTS=1``
to keep screenshots of passing runs too).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("attacks_timeline", "coordination_timeline", "brief")
KERNEL_DISPLAY_NAME = "Python (kirkuk-analysis)"
SCREENSHOTS = ROOT / "reports" / "lab"
CHROMIUM = Path(os.environ.get("KIRKUK_LAB_CHROMIUM", "/usr/bin/chromium"))
DARK = "JupyterLab Dark"
LIGHT = "JupyterLab Light"

SERVER_START_TIMEOUT = 90.0  # seconds until Lab answers /api/status
RUN_ALL_TIMEOUT = 240.0  # seconds for Restart Kernel and Run All (the brief draws a map)
UI_TIMEOUT_MS = 30_000  # any single page action or wait

pytestmark = pytest.mark.slow

# Lab user settings (the same files Settings > Settings Editor writes):
# - windowingMode "none": Lab 4 renders only the cells in view otherwise, and the test
#   measures every output;
# - no news or update pop-ups over the notebook (this machine has no internet).
USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": LIGHT},
}


def _missing(message: str):
    """Skip for lack of ``message``'s requirement; under ``CI=true`` fail instead."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + " (CI=true: failing, not skipping)")
    pytest.skip(message)


def _chromium() -> Path:
    if not CHROMIUM.is_file():
        _missing(
            f"the browser test needs the system Chromium at {CHROMIUM} (sudo apt-get install "
            "chromium, or KIRKUK_LAB_CHROMIUM=/path/to/chromium); Playwright never downloads one"
        )
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop ``proc``'s process group: SIGTERM (Lab then shuts its kernels down), SIGKILL
    after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass


def _pids_mentioning(marker: str) -> list[int]:
    """Processes whose command line names ``marker`` (our unique temporary folder): kernels
    run in sessions of their own, outside the server's process group."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline:
            pids.append(int(entry.name))
    return pids


class Lab:
    """A running JupyterLab: ``url(path)``, its notebook folder, and its REST API."""

    def __init__(self, port: int, token: str, root_dir: Path):
        self.port, self.token, self.root_dir = port, token, root_dir

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def api(self, path: str, method: str = "GET", body: dict | None = None) -> dict:
        """The JSON answer of Lab's REST API at ``path``."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read()
        return json.loads(text) if text else {}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab from this environment on a free port, serving a copy of notebooks/."""
    tmp = tmp_path_factory.mktemp("lab")
    notebooks = tmp / "notebooks"
    notebooks.mkdir()
    for name in NOTEBOOKS:
        shutil.copy2(ROOT / "notebooks" / f"{name}.ipynb", notebooks)
    settings = tmp / "settings"
    for rel, value in USER_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env = dict(os.environ)
    for var, sub in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }.items():
        (tmp / sub).mkdir(exist_ok=True)
        env[var] = str(tmp / sub)
    env.pop("MPLBACKEND", None)  # the notebooks choose the inline backend themselves
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={notebooks}",
        "--expose-app-in-browser",  # window.jupyterapp: read the notebook model, switch theme
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        server_lab = Lab(port, token, notebooks)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited ({server.returncode}):\n{_tail(tmp)}")
            try:
                server_lab.api("api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer in {SERVER_START_TIMEOUT}s")
                time.sleep(0.3)
        yield server_lab
    finally:
        try:  # shut kernels down cleanly while the server is alive
            for kernel in Lab(port, token, notebooks).api("api/kernels"):
                Lab(port, token, notebooks).api(f"api/kernels/{kernel['id']}", "DELETE")
        except OSError:
            pass
        _kill_group(server)
        log.close()
        for pid in _pids_mentioning(str(tmp)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _tail(tmp: Path, lines: int = 40) -> str:
    text = (tmp / "server.log").read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


@pytest.fixture(scope="module")
def browser():
    """The system Chromium, headless, driven by Playwright (never a downloaded browser)."""
    executable = _chromium()
    try:
        from playwright import sync_api
    except ImportError:
        _missing("the browser test needs Playwright (the dev extra: make setup)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(executable),
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            timeout=UI_TIMEOUT_MS,
        )
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def _page(browser, request, name: str):
    """A fresh browser page; a screenshot under reports/lab/ when the test fails (or always,
    with KIRKUK_LAB_SCREENSHOTS=1)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    failed = True
    try:
        yield page
        failed = False
    finally:
        if failed or os.environ.get("KIRKUK_LAB_SCREENSHOTS"):
            _screenshot(page, f"{name}-{'FAILED' if failed else 'end'}")
        context.close()


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    try:
        # a viewport as tall as the notebook, so every output is in the picture
        height = page.evaluate(
            """() => { const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)'
                   + ' .jp-WindowedPanel-outer');
                   if (!s) return 0;
                   s.scrollTop = 0;
                   return s.scrollHeight; }"""
        )
        page.set_viewport_size(
            {"width": size["width"], "height": min(max(height + 200, 1000), 20000)}
        )
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), timeout=20_000)
    except Exception as exc:  # a screenshot must never hide the failure it documents
        print(f"screenshot {name} failed: {exc}")
    finally:
        page.set_viewport_size(size)


def _open(page, lab: Lab, name: str) -> None:
    """Open ``name``.ipynb in a fresh workspace and wait until its kernel is idle."""
    page.goto(lab.url(f"lab/tree/{name}.ipynb") + "&reset", wait_until="domcontentloaded")
    page.wait_for_function(
        """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                   const k = w && w.sessionContext && w.sessionContext.session
                             && w.sessionContext.session.kernel;
                   return k && k.status === 'idle' && w.content.widgets.length > 0; }""",
        timeout=90_000,
    )


def _theme(page, theme: str) -> None:
    page.evaluate(
        "t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme
    )
    page.wait_for_function(
        "t => document.body.dataset.jpThemeName === t", arg=theme, timeout=UI_TIMEOUT_MS
    )
    page.wait_for_timeout(500)  # the theme's stylesheet applies after the attribute


def _restart_and_run_all(page) -> None:
    """Kernel > Restart Kernel and Run All Cells…, confirmed; returns when the last code cell
    ran, or a cell failed, and the kernel is idle."""
    page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="Kernel").click()
    page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel and Run All Cells").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    _wait_for_run(page, RUN_ALL_TIMEOUT)


def _wait_for_run(page, timeout: float, last: int | None = None) -> None:
    page.wait_for_timeout(1000)  # the restart clears execution counts first
    page.wait_for_function(
        """last => { const w = window.jupyterapp.shell.currentWidget;
            const k = w.sessionContext.session && w.sessionContext.session.kernel;
            if (!k || k.status !== 'idle') return false;
            const cells = w.content.model.cells;
            let upTo = last === null ? cells.length - 1 : last;
            for (let i = 0; i <= upTo; i++) {
                const c = cells.get(i);
                if (c.type !== 'code') continue;
                const outs = c.outputs.toJSON();
                if (outs.some(o => o.output_type === 'error')) return true;
                if (c.executionCount === null) return false;
            }
            return true; }""",
        arg=last,
        timeout=timeout * 1000,
        polling=500,
    )


def _model_outputs(page) -> list[list[dict]]:
    """Each cell's outputs from the notebook model (empty for markdown cells)."""
    return page.evaluate(
        """() => { const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            const out = [];
            for (let i = 0; i < cells.length; i++) {
                const c = cells.get(i);
                out.push(c.type === 'code' ? c.outputs.toJSON() : []);
            }
            return out; }"""
    )


def _kernel_name(page) -> str:
    return page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayName"
    )


def _output_text(page) -> str:
    return page.locator(".jp-NotebookPanel:visible .jp-OutputArea").evaluate_all(
        "els => els.map(e => e.innerText).join('\\n')"
    )


def _key_figures_layout(page) -> list[dict]:
    """The bounding box, text and colours of each headline number in the key-figures box."""
    return page.locator(".jp-NotebookPanel:visible .key-figures .kf-value").evaluate_all(
        """els => els.map(e => { const r = e.getBoundingClientRect();
            const box = e.closest('.key-figures');
            return {text: e.innerText.trim(), x: r.x, y: r.y, w: r.width, h: r.height,
                    boxRight: box.getBoundingClientRect().right,
                    color: getComputedStyle(e).color}; })"""
    )


def _assert_side_by_side(page, state: str) -> None:
    cells = _key_figures_layout(page)
    assert len(cells) >= 4, f"{state}: expected the key-figures numbers, found {cells}"
    for c in cells:
        # a number, "≥ N" for a floor, or "–" for none given
        assert re.fullmatch(r"(?:\u2265\u2009)?[\d,]+|\u2013", c["text"]), (
            f"{state}: key figure {c['text']!r}"
        )
        assert c["w"] > 0 and c["h"] > 0, f"{state}: a key figure is not shown: {c}"
    tops = [c["y"] for c in cells]
    assert max(tops) - min(tops) < 4, f"{state}: key figures are not on one row: {cells}"
    lefts = [c["x"] for c in cells]
    assert lefts == sorted(lefts), f"{state}: key figures out of order: {cells}"
    for a, b in zip(cells, cells[1:], strict=False):
        assert a["x"] + a["w"] <= b["x"] + 1, f"{state}: key figures overlap: {a} {b}"
    assert cells[-1]["x"] + cells[-1]["w"] <= cells[-1]["boxRight"] + 1, f"{state}: overflow"


# a figure ("≥ 2" for an "at least" one), or "–" for unknown, and the notes it cites ("3 [4] [5]")
# a figure: "12", "≥ 2", a range "3–5" (an en dash), a marked "12*", "–" (none), notes "[3]"
_NUMBER = re.compile(r"(?:(?:\u2265\s*)?[\d,]+(?:\u2013[\d,]+)?\*?|\u2013)(?:\s*\[\d+\])*")


def _table_alignment(page) -> list[dict]:
    """Every reader table in the outputs: its class, and per column the header's and the
    cells' computed text-align and texts."""
    return page.locator(
        ".jp-NotebookPanel:visible .jp-OutputArea table.brief-table,"
        " .jp-NotebookPanel:visible .jp-OutputArea table.kf-parties"
    ).evaluate_all(
        """tables => tables.map(t => {
            const heads = [...t.querySelectorAll('thead th')];
            const rows = [...t.querySelectorAll('tbody tr')];
            return {cls: t.className, columns: heads.map((h, i) => ({
                name: h.innerText.trim(),
                head: getComputedStyle(h).textAlign,
                cells: rows.map(r => r.children[i]).filter(Boolean).map(c =>
                    ({text: c.innerText.trim(), align: getComputedStyle(c).textAlign}))}))};
        })"""
    )


def _assert_alignment(page, state: str) -> None:
    tables = _table_alignment(page)
    assert tables, f"{state}: no reader table in the outputs"
    for table in tables:
        for col in table["columns"]:
            texts = [c["text"] for c in col["cells"]]
            figures = bool(texts) and all(_NUMBER.fullmatch(t) for t in texts)
            figures = figures and any(t != "\u2013" for t in texts)
            want = "right" if figures else "left"
            aligns = {c["align"] for c in col["cells"]} | {col["head"]}
            assert aligns == {want}, (
                f"{state}: table {table['cls']!r} column {col['name']!r} "
                f"({'figures' if figures else 'prose'}) is aligned {aligns}, not {want}"
            )


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _assert_readable(page, state: str) -> None:
    """Key figures and table cells contrast with what is behind them (WCAG ratio >= 4.5)."""
    pairs = page.locator(
        ".jp-NotebookPanel:visible .key-figures .kf-value,"
        " .jp-NotebookPanel:visible .key-figures .kf-label,"
        " .jp-NotebookPanel:visible .jp-OutputArea table.brief-table td,"
        " .jp-NotebookPanel:visible .jp-OutputArea table.brief-table th"
    ).evaluate_all(
        """els => els.slice(0, 400).map(e => {
            let bg = null;
            for (let n = e; n; n = n.parentElement) {
                const c = getComputedStyle(n).backgroundColor;
                const a = c.match(/rgba?\\(([^)]*)\\)/)[1].split(',').map(Number);
                if (a.length < 4 || a[3] > 0.5) { bg = c; break; }
            }
            return {text: e.innerText.trim(), fg: getComputedStyle(e).color, bg: bg}; })"""
    )
    assert pairs, f"{state}: nothing to measure"
    for p in pairs:
        if p["bg"] is None:
            continue
        hi, lo = sorted((_luminance(p["fg"]), _luminance(p["bg"])), reverse=True)
        ratio = (hi + 0.05) / (lo + 0.05)
        assert ratio >= 4.5, f"{state}: {p['text'][:40]!r} is {p['fg']} on {p['bg']} ({ratio:.1f})"


def _parameters_cell(page) -> int:
    return page.evaluate(
        """() => { const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            for (let i = 0; i < cells.length; i++) {
                const tags = cells.get(i).getMetadata('tags') || [];
                if (tags.includes('parameters')) return i; }
            return -1; }"""
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_lab(browser, lab, request, name):
    with _page(browser, request, name) as page:
        _open(page, lab, name)
        assert _kernel_name(page) == KERNEL_DISPLAY_NAME
        # As committed and opened for the first time: untrusted, so Lab sanitises the HTML
        # (no <style>, no scripts); the box must still read as a row of figures.
        trusted = page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.content.model.cells.get(0).trusted"
        )
        assert not trusted, "a freshly opened committed notebook should be untrusted"
        _assert_side_by_side(page, f"{name}, committed (untrusted)")
        if os.environ.get("KIRKUK_LAB_SCREENSHOTS"):
            _screenshot(page, f"{name}-committed")

        _restart_and_run_all(page)
        outputs = _model_outputs(page)
        errors = [o for cell in outputs for o in cell if o["output_type"] == "error"]
        assert not errors, f"{name}: error output {errors[0]['ename']}: {errors[0]['evalue']}"
        stderr = [o for cell in outputs for o in cell if o.get("name") == "stderr"]
        assert not stderr, f"{name}: output on stderr: {stderr[0]['text'][:300]}"
        assert _kernel_name(page) == KERNEL_DISPLAY_NAME
        text = _output_text(page)
        for bad in ("<NA>", "NaN", "nan", "None", "Traceback"):
            assert not re.search(rf"(?<!\w){re.escape(bad)}(?!\w)", text), f"{name}: {bad!r}"
        _assert_side_by_side(page, f"{name}, light")
        _assert_alignment(page, f"{name}, light")
        _assert_readable(page, f"{name}, light")
        if os.environ.get("KIRKUK_LAB_SCREENSHOTS"):
            _screenshot(page, f"{name}-light")

        _theme(page, DARK)
        if os.environ.get("KIRKUK_LAB_SCREENSHOTS"):
            _screenshot(page, f"{name}-dark")
        _assert_side_by_side(page, f"{name}, dark")
        _assert_alignment(page, f"{name}, dark")
        _assert_readable(page, f"{name}, dark")
        _theme(page, LIGHT)

        # A researcher's typo in the parameters cell: the next cell stops with one line
        # naming the valid choices, and no traceback into the library.
        index = _parameters_cell(page)
        assert index >= 0, f"{name}: no cell tagged 'parameters'"
        cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)
        source = page.evaluate(
            "i => window.jupyterapp.shell.currentWidget.content.model.cells.get(i)"
            ".sharedModel.getSource()",
            index,
        )
        bad_source, n = re.subn(
            r"^provinces = .*$", 'provinces = ["Kirkuk City"]', source, flags=re.M
        )
        assert n == 1, f"{name}: no 'provinces = ' line in the parameters cell"
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(bad_source)  # typed as one input: no auto-closed brackets
        page.keyboard.press("Shift+Enter")
        page.keyboard.press("Shift+Enter")
        _wait_for_run(page, 60, last=index + 1)
        check = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index + 1)
        message = check.locator(".jp-OutputArea-output").inner_text(timeout=UI_TIMEOUT_MS)
        lines = [line for line in message.splitlines() if line.strip()]
        assert len(lines) == 1, f"{name}: expected one line, got:\n{message}"
        assert "Kirkuk City" in lines[0] and "valid choices" in lines[0], lines[0]
        assert "Kirkuk" in lines[0].split("valid choices", 1)[1], lines[0]
        assert "Traceback" not in message and ".py" not in message


def test_make_lab_prints_the_url_to_open(tmp_path):
    # `make lab` as a researcher on a headless server runs it (as root too: the recipe adds
    # --allow-root then, and Jupyter refuses to start as root without it), with LAB_ARGS.
    if not (ROOT / ".venv" / "bin" / "python").is_file():
        _missing("make lab needs the project's .venv (make setup)")
    port = _free_port()
    env = dict(os.environ)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR"):
        env[var] = str(tmp_path / var.lower())
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "workspaces")
    out = (tmp_path / "make-lab.log").open("w")
    make = subprocess.Popen(
        # -o: never reinstall the venv from inside a test, even if pyproject.toml is newer
        ["make", "-s", "-o", ".venv/.installed", "lab", f"LAB_ARGS=--port={port} --ip=127.0.0.1"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        url = None
        while url is None:
            text = (tmp_path / "make-lab.log").read_text(errors="replace")
            # the banner's URL (Jupyter's own log lines carry one too, and come first)
            found = re.search(
                r"Open this URL in your browser:\s+"
                rf"(http://(?:localhost|127\.0\.0\.1):{port}/lab\?token=([0-9a-f]+))"
                rf"(?s:.*)ssh -L {port}:localhost:{port}",
                text,
            )
            if found:
                url, token = found.group(1), found.group(2)
                break
            assert make.poll() is None, f"make lab exited ({make.returncode}):\n{text[-3000:]}"
            assert time.monotonic() < deadline, f"no URL printed in time:\n{text[-3000:]}"
            time.sleep(0.3)
        assert f"ssh -L {port}:localhost:{port}" in text  # how to reach it from elsewhere
        with urllib.request.urlopen(url, timeout=10) as answer:  # the printed URL opens Lab
            assert answer.status == 200 and b"JupyterLab" in answer.read()
        assert Lab(port, token, tmp_path).api("api/status")  # and the token is the real one
    finally:
        _kill_group(make)
        out.close()
        for pid in _pids_mentioning(str(tmp_path)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
