"""Time the default brief against its floor, in the same run; print both and their ratio.

The brief: ``kirkuk-analysis brief`` for the default period (all provinces, 2020-2024), run as
the command a reader would type, written to a temporary folder.

The floor: what any brief must pay whatever its content, also as one fresh process:
papermill executing a one-cell notebook on the same kernel, plus the system Chromium
printing a one-line HTML page to PDF with the same code path as the brief.

The brief overlaps steps that do not depend on each other (see ``brief.make_brief``): its
kernel boots, and imports the notebook's modules, while papermill loads; nbconvert gets
ready and Chromium boots while the kernel runs the cells. The floor runs its two steps one
after the other, as a plain papermill run and a print would. Neither run has compiled
bytecode to reuse when ``PYTHONDONTWRITEBYTECODE`` is set, as on the CI machine.

Target: the brief within 1.5x the floor. This is a benchmark, not a test: it prints figures
and exits 0 (1 only when a command fails). Usage::

    .venv/bin/python benchmarks/bench_brief.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5

FLOOR_SCRIPT = r"""
import sys
from pathlib import Path

import nbformat
import papermill

from kirkuk_analysis import _chromium
from kirkuk_analysis.brief import _kernel_name

work = Path(sys.argv[1])
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
nb.metadata["kernelspec"] = {"name": _kernel_name(), "display_name": "Python", "language": "python"}
nbformat.write(nb, work / "one.ipynb")
papermill.execute_notebook(
    str(work / "one.ipynb"), str(work / "one-out.ipynb"),
    kernel_name=_kernel_name(), progress_bar=False, log_output=False, cwd=str(work),
)
(work / "one.html").write_text("<!doctype html><p>floor</p>", encoding="utf-8")
_chromium.print_to_pdf(work / "one.html", work / "one.pdf")
assert (work / "one.pdf").read_bytes().startswith(b"%PDF")
"""


def _env() -> dict:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default: 3)")
    args = parser.parse_args()
    cli = (
        shutil.which("kirkuk-analysis", path=str(Path(sys.executable).parent)) or "kirkuk-analysis"
    )
    briefs, floors = [], []
    with tempfile.TemporaryDirectory(prefix="bench-brief-") as tmp:
        work = Path(tmp)
        # One warm-up of each (first Chromium start, font cache, bytecode), not counted.
        _time([sys.executable, "-c", FLOOR_SCRIPT, str(work)])
        _time([cli, "brief", "--output", str(work / "brief.pdf")])
        for _ in range(args.repeat):
            floors.append(_time([sys.executable, "-c", FLOOR_SCRIPT, str(work)]))
            briefs.append(_time([cli, "brief", "--output", str(work / "brief.pdf")]))
        pages = None
        if shutil.which("pdfinfo"):
            info = subprocess.run(
                ["pdfinfo", str(work / "brief.pdf")], capture_output=True, text=True
            ).stdout
            pages = next(
                (ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")), None
            )
    brief, floor = statistics.median(briefs), statistics.median(floors)
    ratio = brief / floor
    print(
        f"default brief (all provinces, 2020-2024{', ' + pages + ' pages' if pages else ''}): "
        f"median {brief:.2f} s over {args.repeat} runs "
        f"({', '.join(f'{t:.2f}' for t in briefs)})"
    )
    print(
        f"floor (papermill one-cell notebook + Chromium one-line page): "
        f"median {floor:.2f} s ({', '.join(f'{t:.2f}' for t in floors)})"
    )
    verdict = "within" if ratio <= TARGET else "OVER"
    print(f"ratio brief/floor: {ratio:.2f}x ({verdict} the {TARGET}x target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
