"""How fast is load(), with and without pyarrow? Synthetic packages of 10^4..10^6 incidents,
and the warm load of the shipped package.

    python benchmarks/bench_load.py [N ...] [--repeat K] [--other PYTHON]

For each size it writes a package in the contract's format (the shipped sources, places,
coordination and claims; N incidents with two casualty rows each) and measures, each step in
a fresh subprocess (so the peak memory is that step's alone), the median of K alternating
runs (this machine's timings wander by a quarter from run to run):

* with pyarrow: ``load()`` against a bare ``pd.read_csv(path, engine="pyarrow")`` of the same
  six files; targets at 10^6: time within 2x, peak memory within 1.3x;
* without pyarrow: ``load()`` against a bare ``pd.read_csv(path)`` (C parser, untyped: the
  floor of parsing the bytes); target: time within 1.5x;
* ``monthly()`` on the loaded data;

then the warm load of the shipped package in each environment: the median of seven loads
after the first, in each of K processes (target: under 50 ms).

This interpreter runs the half its environment has; the other half runs in ``--other PYTHON``
(by default the first of ``.venv-nopyarrow/bin/python`` and ``.venv/bin/python`` that differs
from this one in having pyarrow, and that imports this checkout), else it is reported as not
run. Ratios are median load() over median bare read; the range is over the K pairs.

This is a benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TARGET_TIME = {True: 2.0, False: 1.5}  # with / without pyarrow, at 10^6 incidents
TARGET_MEMORY = {True: 1.3, False: None}
TARGET_WARM_MS = 50


def write_package(folder: Path, n: int, seed: int = 0) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    for name in ("datapackage.json", "sources.csv", "places.csv", "coordination.csv", "claims.csv"):
        shutil.copy(DATA / name, folder / name)
    schema = {
        r["name"]: r["schema"]
        for r in json.loads((DATA / "datapackage.json").read_text())["resources"]
    }
    enum = {
        (t, f["name"]): f["constraints"]["enum"]
        for t, s in schema.items()
        for f in s["fields"]
        if "enum" in f.get("constraints", {})
    }
    places = pd.read_csv(DATA / "places.csv", dtype=str).place_id.to_numpy()
    sources = pd.read_csv(DATA / "sources.csv", dtype=str).source_id.to_numpy()

    ids = np.char.add("I", np.char.zfill(np.arange(1, n + 1).astype(str), 2))
    start = np.datetime64("2020-01-01") + rng.integers(0, 1800, n).astype("timedelta64[D]")
    month_precise = rng.random(n) < 0.1
    end = np.where(month_precise, start + np.timedelta64(20, "D"), start)
    precision = np.where(month_precise, "month", "day")
    parties = np.array(enum[("incidents", "target")])
    incidents = pd.DataFrame(
        {
            "incident_id": ids,
            "date_start": start.astype(str),
            "date_end": end.astype(str),
            "date_precision": precision,
            "date_phrase": np.where(month_precise, "in recent weeks", "on Sunday"),
            "place_id": rng.choice(places, n),
            "geo_precision": rng.integers(1, 4, n),
            "event_type": rng.choice(enum[("incidents", "event_type")], n),
            "perpetrator": rng.choice(parties, n),
            "target": rng.choice(parties, n),
            "summary": "ISIS militants attacked a checkpoint near the village, killing several.",
            "notes": "Synthetic row for the load benchmark.",
            "source_id": rng.choice(sources, n),
        }
    )
    # Columns the schema has and the benchmark does not vary (date_basis, ...) take one value.
    columns = [f["name"] for f in schema["incidents"]["fields"]]
    constant = {"date_basis": "inferred"}
    incidents = incidents.assign(
        **{c: constant.get(c, "") for c in columns if c not in incidents.columns}
    )[columns]
    incidents.to_csv(folder / "incidents.csv", index=False)
    best = rng.integers(0, 20, 2 * n)
    casualties = pd.DataFrame(
        {
            "incident_id": np.repeat(ids, 2),
            "source_id": np.repeat(incidents.source_id.to_numpy(), 2),
            "party": np.repeat(rng.choice(parties, n), 2),
            "outcome": np.tile(["killed", "wounded"], n),
            "best": best,
            "low": best,
            "high": best + rng.integers(0, 3, 2 * n),
            "evidence": "militants killed three federal police officers",
        }
    )
    casualties.to_csv(folder / "casualties.csv", index=False)


def bare_read(folder: Path, arrow: bool) -> dict:
    """The floor: pandas reads the six files, untyped (pyarrow's reader when ``arrow``)."""
    import pandas as pd

    descriptor = json.loads((folder / "datapackage.json").read_text())
    engine = {"engine": "pyarrow"} if arrow else {}
    return {r["name"]: pd.read_csv(folder / r["path"], **engine) for r in descriptor["resources"]}


def _peak_mib() -> float:
    # VmHWM: this process's peak RSS (ru_maxrss would carry the parent's over exec)
    status = Path("/proc/self/status").read_text()
    hwm = next(ln for ln in status.splitlines() if ln.startswith("VmHWM:"))
    return int(hwm.split()[1]) / 1024


def child(step: str, folder: str) -> None:
    """Run one step in this fresh process; print a JSON line of its figures."""
    import importlib.util

    import pandas  # noqa: F401  (import costs are not measured)

    import kirkuk_analysis
    from kirkuk_analysis import analysis, data  # noqa: F401

    arrow = importlib.util.find_spec("pyarrow") is not None
    if arrow:
        import pyarrow.compute  # noqa: F401
        import pyarrow.csv  # noqa: F401
    result = {"pyarrow": arrow, "module": kirkuk_analysis.__file__}
    if step == "warm":
        kirkuk_analysis.load()
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            kirkuk_analysis.load()
            times.append(time.perf_counter() - t0)
        result["seconds"] = statistics.median(times)
    elif step == "bare":
        t0 = time.perf_counter()
        bare_read(Path(folder), arrow)
        result["seconds"] = time.perf_counter() - t0
    else:
        t0 = time.perf_counter()
        ds = kirkuk_analysis.load(folder)
        result["seconds"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        analysis.monthly(ds)
        result["monthly"] = time.perf_counter() - t1
    result["peak_mib"] = _peak_mib()
    print(json.dumps(result))


def run_child(python: str, step: str, folder: Path | str) -> dict:
    out = subprocess.run(
        [python, __file__, "--child", step, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def probe(python: str) -> dict | None:
    """Whether ``python`` has pyarrow and imports this checkout (None: unusable)."""
    code = (
        "import importlib.util, json, kirkuk_analysis; print(json.dumps({'pyarrow': "
        "importlib.util.find_spec('pyarrow') is not None, 'module': kirkuk_analysis.__file__}))"
    )
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    info = json.loads(out.stdout)
    return info if Path(info["module"]).resolve().is_relative_to(ROOT) else None


def environments(other: str | None) -> dict[bool, str]:
    """{has pyarrow: interpreter}: this one, and another that differs, when there is one."""
    mine = probe(sys.executable)
    found = {mine["pyarrow"] if mine else True: sys.executable}
    candidates = (
        [other] if other else [ROOT / ".venv-nopyarrow/bin/python", ROOT / ".venv/bin/python"]
    )
    for candidate in candidates:
        info = probe(str(candidate)) if Path(candidate).exists() else None
        if info is not None and info["pyarrow"] not in found:
            found[info["pyarrow"]] = str(candidate)
    return found


def label(arrow: bool) -> str:
    return "with pyarrow" if arrow else "without pyarrow"


def main(sizes: list[int], repeat: int = 3, other: str | None = None) -> None:
    envs = environments(other)
    for arrow in (True, False):
        where = envs.get(arrow, "not run: no such interpreter (pass --other PYTHON)")
        print(f"{label(arrow)}: {where}")
    print(
        f"\n{'incidents':>10} {'environment':<16} {'load() s':>8} {'bare s':>7} {'ratio':>6} "
        f"{'range':>9} {'target':>6} {'load MiB':>8} {'bare MiB':>8} {'ratio':>6} {'target':>6} "
        f"{'monthly s':>9}"
    )
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_package(folder, n)
            for arrow, python in sorted(envs.items(), reverse=True):
                # Alternating pairs, each step in a fresh process: a slow spell of a shared
                # machine then slows both sides of a pair, and medians drop a stray run.
                pairs = [
                    (run_child(python, "load", folder), run_child(python, "bare", folder))
                    for _ in range(repeat)
                ]
                load = {
                    k: statistics.median(p[0][k] for p in pairs)
                    for k in ("seconds", "peak_mib", "monthly")
                }
                bare = {
                    k: statistics.median(p[1][k] for p in pairs) for k in ("seconds", "peak_mib")
                }
                ratios = [a["seconds"] / b["seconds"] for a, b in pairs]
                memory = load["peak_mib"] / bare["peak_mib"]
                target_mem = TARGET_MEMORY[arrow]
                print(
                    f"{n:>10} {label(arrow):<16} {load['seconds']:>8.2f} {bare['seconds']:>7.2f} "
                    f"{load['seconds'] / bare['seconds']:>6.2f} "
                    f"{min(ratios):>4.2f}-{max(ratios):<4.2f} {TARGET_TIME[arrow]:>6.1f} "
                    f"{load['peak_mib']:>8.0f} {bare['peak_mib']:>8.0f} {memory:>6.2f} "
                    f"{f'{target_mem:.1f}' if target_mem else '-':>6} {load['monthly']:>9.3f}",
                    flush=True,
                )
    print(
        f"(medians of {repeat} alternating fresh-process runs; bare = pd.read_csv of the same "
        "six files, engine='pyarrow' with pyarrow; targets apply at 10^6)"
    )
    for arrow, python in sorted(envs.items(), reverse=True):
        warm = [run_child(python, "warm", "-")["seconds"] * 1000 for _ in range(repeat)]
        print(
            f"warm load of the shipped package, {label(arrow)}: {statistics.median(warm):.1f} ms "
            f"(range {min(warm):.1f}-{max(warm):.1f}; target under {TARGET_WARM_MS} ms)"
        )
    code = "import sys, kirkuk_analysis; print(sorted(m for m in ('matplotlib', 'papermill', "
    code += "'pandas') if m in sys.modules))"
    heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    print(
        f"modules imported by `import kirkuk_analysis` among matplotlib, papermill, pandas: "
        f"{heavy.stdout.strip()}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        args = sys.argv[1:]
        options = {"--repeat": "3", "--other": None}
        for flag in options:
            if flag in args:
                i = args.index(flag)
                options[flag] = args[i + 1]
                del args[i : i + 2]
        main(
            [int(a) for a in args] or [10_000, 100_000, 1_000_000],
            int(options["--repeat"]),
            options["--other"],
        )
