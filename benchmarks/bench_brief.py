"""Time the default brief against its floor, and the two ways of printing it, in one run.

The brief: ``kirkuk-analysis brief`` for the default period (all provinces, 2020-2024), run
as a fresh process, written to a temporary folder.

The floor: what any brief must pay whatever its content, also as one fresh process:
papermill executing a one-cell notebook on the same kernel, plus the system Chromium
printing a one-line HTML page to PDF with the same code path as the brief. For the record
(not the target), the same floor whose cell imports what the brief's kernel preloads, as it
does (:func:`kirkuk_analysis.brief.preload_code`: pandas, matplotlib and the library, with
the kernel's set-up of :mod:`kirkuk_analysis._kernel`). Both skip the
imports ``kirkuk-analysis brief`` skips (:func:`kirkuk_analysis.brief.skip_unused_slow_imports`:
about 2.5 s of a grammar built at import that no brief uses), and both use the brief's kernel
client (:func:`kirkuk_analysis.brief._ready_client_class`: no 0.2 s wait for the kernel's
IOPub to fall silent), so that the floor is what the brief's own path must pay, not a cost
the brief avoids. Target: the brief within 1.5x the floor.

What the floor does not copy is the brief's schedule, the order in which it does what both
do: the brief starts its kernel's process before it reads its parameters and loads
jupyter_client and papermill (:mod:`kirkuk_analysis._early_kernel`), and Chromium while
the notebook runs (both then work beside this process's own imports and the kernel's
cells); the floor, as papermill does, imports first, starts the kernel, runs its cell and
then prints.

The brief's steps: how long it took to launch the kernel, to run the notebook (the kernel's
boot, its imports and the cells), to render the HTML (with what the brief does while
Chromium prints it: shutting the kernel down, writing the executed notebook) and the rest
of the print, from the moments its log lines arrive (medians).

The print A/B. The brief prints with ``chromium --headless --print-to-pdf`` (the footer is
CSS ``@page`` margin boxes; see ``kirkuk_analysis._chromium``), started while the kernel runs
the notebook and waiting for the page (``_chromium.Printer``). Until commit
:data:`DEVTOOLS_REV` it drove Chromium over the DevTools protocol with a hand-written client,
also booted during the notebook. This script takes that client from git history and measures:

- per print, on the same HTML (the default brief's): the command line from Chromium's
  start; the DevTools client including Chromium's start and exit; and the DevTools client
  once Chromium has booted (print and exit);
- the whole brief both ways, as fresh processes, in ABBA order so that a busy machine
  slows both alike: the shipped path, and the same brief with the DevTools client in the
  Printer's place (booted at the same moment). Whole-brief wall time is what counts: the
  overlapped boot competes with the kernel for the CPUs.

Medians of ``--repeat`` runs, each run's figures in brackets, and the load average (other
work on the machine makes every figure noisier). This is a benchmark, not a test: it prints
figures and exits 0 (1 only when a command fails). Usage::

    .venv/bin/python benchmarks/bench_brief.py [--repeat N] [--no-ab]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from kirkuk_analysis.brief import preload_code  # noqa: E402 - the checkout's, not an installed one

TARGET = 1.5
#: A commit whose ``kirkuk_analysis/_chromium.py`` is the DevTools-protocol client (the last one).
DEVTOOLS_REV = "0c9453903e6cbf3629185cfbde05391f795b2c15"

FLOOR_SCRIPT = r"""
import sys
from pathlib import Path

from kirkuk_analysis import brief

brief.skip_unused_slow_imports()  # as `kirkuk-analysis brief` does, before nbformat loads

import nbformat
import papermill

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from kirkuk_analysis import _chromium
from kirkuk_analysis.brief import _kernel_name, _ready_client_class

work = Path(sys.argv[1])
cell = sys.argv[2] if len(sys.argv) > 2 else "x = 1"
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
nb.metadata["kernelspec"] = {"name": _kernel_name(), "display_name": "Python", "language": "python"}
nbformat.write(nb, work / "one.ipynb")
# started by papermill (nbclient), with the brief's kernel client: ready once the kernel has
# answered, not after 0.2 s of IOPub silence (a wait the brief does not pay)
km = AsyncKernelManager(kernel_name=_kernel_name())
km.client_factory = _ready_client_class()
try:
    papermill.execute_notebook(
        str(work / "one.ipynb"), str(work / "one-out.ipynb"),
        kernel_name=_kernel_name(), progress_bar=False, log_output=False, cwd=str(work), km=km,
    )
finally:  # shut down as nbclient does the kernels it starts itself
    run_sync(km.shutdown_kernel)(now=False)
(work / "one.html").write_text("<!doctype html><p>floor</p>", encoding="utf-8")
_chromium.print_to_pdf(work / "one.html", work / "one.pdf")
assert (work / "one.pdf").read_bytes().startswith(b"%PDF")
"""

# The brief as `kirkuk-analysis brief` makes it (argv: printer, output, [devtools source]).
# With "devtools", Chromium boots through the old client while the kernel runs the notebook,
# and the print goes through it: the old make_brief's schedule, on today's pipeline.
BRIEF_SCRIPT = r"""
import html, sys, types
from kirkuk_analysis import _chromium, brief, cli

printer, output = sys.argv[1], sys.argv[2]
if printer == "devtools":
    old = types.ModuleType("kirkuk_devtools_client")
    exec(compile(open(sys.argv[3], encoding="utf-8").read(), sys.argv[3], "exec"), old.__dict__)

    class Printer:
        # the old client in _chromium.Printer's place: booted when the brief starts its
        # Chromium (during the notebook), printing once the HTML exists
        def __init__(self, *, footer_text="", chromium=None, **kwargs):
            self.footer, self.browser = footer_text, None

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()

        def start(self):
            self.browser = old.Browser(_chromium.find_chromium())

        def print_to_pdf(self, html_path, pdf_path):
            try:
                self.browser.print_to_pdf(
                    html_path, pdf_path, footer_html=html.escape(self.footer)
                )
            finally:
                self.close()

        def close(self):
            if self.browser is not None:
                self.browser.close()
                self.browser = None

    _chromium.Printer = Printer
sys.argv = ["kirkuk-analysis", "brief", "--output", output]
cli.console_main()  # as the console script runs it
"""

#: The brief's steps, by the line it logs as each begins (stderr), and what ends the last.
PHASES = (
    ("start", "running notebook"),
    ("notebook", "rendering HTML"),
    ("html", "printing PDF"),
    ("print", "wrote "),
)


def _env() -> dict:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (``/proc/stat``: user, nice,
    system, irq, softirq; not idle, iowait or steal), or None without ``/proc``."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:8]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


#: Busy CPU seconds of the whole machine during each timed command, by its label.
CPU: dict[str, list[float]] = {}


def _time(
    cmd: list[str], phases: dict[str, list[float]] | None = None, cpu: str | None = None
) -> float:
    """Seconds ``cmd`` takes, as a fresh process; with ``phases``, also how long each of the
    brief's steps took (:data:`PHASES`, from the moments its log lines arrive); with ``cpu``,
    the machine's busy CPU seconds meanwhile are added to :data:`CPU` under that label (every
    process of the command counts, Chromium's helpers and the kernel too, and anything else
    the machine ran)."""
    busy = _busy_seconds()
    t0 = time.perf_counter()
    process = subprocess.Popen(
        cmd, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    said, marks = [], {}
    for line in process.stderr:
        said.append(line)
        for name, begins_next in PHASES:
            if line.startswith(begins_next) and name not in marks:
                marks[name] = time.perf_counter() - t0
    process.wait()
    elapsed = time.perf_counter() - t0
    if process.returncode != 0:
        sys.stderr.write("".join(said))
        raise SystemExit(f"failed ({process.returncode}): {' '.join(cmd)}")
    after = _busy_seconds()
    if cpu is not None and busy is not None and after is not None:
        CPU.setdefault(cpu, []).append(after - busy)
    if phases is not None and len(marks) == len(PHASES):
        ends = [marks[name] for name, _ in PHASES]
        for (name, _), begin, end in zip(PHASES, [0.0, *ends[:-1]], ends, strict=True):
            phases.setdefault(name, []).append(end - begin)
        phases.setdefault("exit", []).append(elapsed - ends[-1])
    return elapsed


def _devtools_source(work: Path) -> Path | None:
    """The DevTools client of :data:`DEVTOOLS_REV`, written to ``work`` (None: no history)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{DEVTOOLS_REV}:kirkuk_analysis/_chromium.py"],
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if done.returncode != 0 or "class Browser" not in done.stdout:
        return None
    path = work / "devtools_client.py"
    path.write_text(done.stdout, encoding="utf-8")
    return path


def _load(source: Path) -> types.ModuleType:
    module = types.ModuleType("kirkuk_devtools_client")
    exec(compile(source.read_text(encoding="utf-8"), str(source), "exec"), module.__dict__)
    return module


def _figures(label: str, times: list[float]) -> str:
    return (
        f"{label}: median {statistics.median(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})"
    )


def _print_ab(work: Path, devtools: types.ModuleType, repeat: int) -> dict[str, list[float]]:
    """Per-print times on the default brief's HTML, the three ways, interleaved."""
    import html

    from kirkuk_analysis import __version__, _chromium, brief

    # the notebook the shipped brief executed (kept beside its PDF)
    executed = next(p for p in sorted(work.glob("brief*.ipynb")) if "devtools" not in p.name)
    page = work / "ab.html"
    page.write_text(brief.render_html(executed), encoding="utf-8")
    footer = (
        f"kirkuk-analysis {__version__} · data package {brief.data_package_version()} · "
        "2020-01-01 to 2024-12-31; all provinces"
    )
    times: dict[str, list[float]] = {"cli": [], "devtools": [], "devtools_booted": []}
    for i in range(repeat + 1):  # the first round warms up, not counted
        t0 = time.perf_counter()
        _chromium.print_to_pdf(page, work / "ab-cli.pdf", footer_text=footer)
        t1 = time.perf_counter()
        devtools.print_to_pdf(page, work / "ab-dt.pdf", footer_html=html.escape(footer))
        t2 = time.perf_counter()
        with devtools.Browser() as browser:
            browser._pipe.send("Browser.getVersion")  # answered once Chromium has booted
            t3 = time.perf_counter()
            browser.print_to_pdf(page, work / "ab-dt2.pdf", footer_html=html.escape(footer))
        t4 = time.perf_counter()
        if i:
            times["cli"].append(t1 - t0)
            times["devtools"].append(t2 - t1)
            times["devtools_booted"].append(t4 - t3)
    return times


def _pages(pdf: Path) -> str | None:
    try:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    except OSError:
        return None
    return next((ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default: 3)")
    parser.add_argument(
        "--no-ab", action="store_true", help="skip the A/B against the DevTools client"
    )
    args = parser.parse_args()
    os.environ["MPLBACKEND"] = "Agg"
    load_before = os.getloadavg()[0]
    briefs, devtools_briefs, floors, import_floors = [], [], [], []
    per_print: dict[str, list[float]] = {}
    phases: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-brief-") as tmp:
        work = Path(tmp)
        source = None if args.no_ab else _devtools_source(work)
        brief = [sys.executable, "-c", BRIEF_SCRIPT]
        shipped = [*brief, "cli", str(work / "brief.pdf")]
        old = [*brief, "devtools", str(work / "brief-devtools.pdf"), str(source)]
        floor = [sys.executable, "-c", FLOOR_SCRIPT, str(work)]
        # for the record, not the target: the same floor whose one cell imports what the
        # brief's kernel preloads (the notebook's imports, paid whatever its content)
        floor_imports = [*floor, preload_code()]
        # One warm-up of each (first Chromium start, font cache, bytecode), not counted.
        _time(floor)
        _time(shipped)
        if source:
            _time(old)
        _time(floor_imports)
        for i in range(args.repeat):
            floors.append(_time(floor, cpu="floor"))
            import_floors.append(_time(floor_imports, cpu="floor with imports"))
            # ABBA: the two orders alternate, so neither always runs on a warmer machine.
            order = ("shipped", "old") if i % 2 == 0 else ("old", "shipped")
            for which in order:
                if which == "shipped":
                    briefs.append(_time(shipped, phases, cpu="brief"))
                elif source:
                    devtools_briefs.append(_time(old))
        pages = _pages(work / "brief.pdf")
        if source:
            per_print = _print_ab(work, _load(source), args.repeat)
    load_after = os.getloadavg()[0]
    brief_t, floor_t = statistics.median(briefs), statistics.median(floors)
    ratio = brief_t / floor_t
    print(
        _figures(
            f"default brief (all provinces, 2020-2024{', ' + pages + ' pages' if pages else ''})",
            briefs,
        )
    )
    print(
        "  its steps, medians: "
        + ", ".join(f"{name} {statistics.median(t):.2f} s" for name, t in phases.items())
        + " (start: until the notebook step; notebook: the kernel's launch, boot, imports"
        " and cells; html: rendering the page and handing it to Chromium, then shutting the"
        " kernel down and writing the executed notebook while Chromium prints; print: the"
        " rest of Chromium's print, from then)"
    )
    print(_figures("floor (papermill one-cell notebook + Chromium one-line page)", floors))
    verdict = "within" if ratio <= TARGET else "OVER"
    print(f"ratio brief/floor: {ratio:.2f}x ({verdict} the {TARGET}x target)")
    print(
        _figures(
            "for the record, the floor with the notebook's imports (preload_code)", import_floors
        )
        + f"; ratio {brief_t / statistics.median(import_floors):.2f}x (not the target's floor)"
    )
    if CPU.get("brief") and CPU.get("floor"):
        cpu_ratio = statistics.median(CPU["brief"]) / statistics.median(CPU["floor"])
        print(
            "CPU, busy seconds of the whole machine (both cores) during each, medians: "
            + ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in CPU.items())
            + f"; brief/floor {cpu_ratio:.2f}x"
            " (steadier than wall time where the two cores slow each other down)"
        )
    if not source:
        reason = "--no-ab" if args.no_ab else f"git history with {DEVTOOLS_REV[:7]} not found"
        print(f"print A/B against the DevTools client: skipped ({reason})")
    else:
        print(f"print A/B, {args.repeat} runs each (DevTools client from {DEVTOOLS_REV[:7]}):")
        print("  " + _figures("per print, command line (shipped)", per_print["cli"]))
        print("  " + _figures("per print, DevTools client, start to exit", per_print["devtools"]))
        print(
            "  "
            + _figures(
                "per print, DevTools client once booted (what an overlapped brief waits for)",
                per_print["devtools_booted"],
            )
        )
        print("  " + _figures("whole brief, command line started during the notebook (shipped)",
                              briefs))  # fmt: skip
        print("  " + _figures("whole brief, DevTools client started during the notebook",
                              devtools_briefs))  # fmt: skip
        saved = statistics.median(devtools_briefs) - brief_t
        print(
            f"  the command line is {abs(saved):.2f} s "
            f"{'faster' if saved >= 0 else 'slower'} per brief (median against median)"
        )
    print(f"load average (1 min) before/after: {load_before:.2f} / {load_after:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
