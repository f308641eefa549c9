"""How fast is load()? Synthetic data packages at 10^4, 10^5 and 10^6 incidents.

    python benchmarks/bench_load.py [N ...] [--repeat K]   (default: 10000 100000 1000000; K=3)

For each size it writes a package in the contract's format (the shipped sources, places,
coordination and claims; N incidents with two casualty rows each) and prints, each
measured in a fresh subprocess (so the peak memory is that step's alone), as the median
of K alternating runs (this machine's timings wander by a quarter from run to run):

* ``load()``: validated, typed load, its peak resident memory;
* ``read_csv``: bare pandas ``read_csv`` of the same six files into the same dtypes
  (categoricals from the enums, nullable Int64, parsed dates), its peak memory;
* their ratio (target: within 1.5x at 10^6);
* ``monthly()`` on the loaded data (target: under 1 s at 10^6).

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


def bare_read_csv(folder: Path) -> dict:
    """pandas read_csv of the six files into the dtypes load() returns."""
    import pandas as pd

    descriptor = json.loads((folder / "datapackage.json").read_text())
    frames = {}
    for r in descriptor["resources"]:
        dtype, dates = {}, []
        for f in r["schema"]["fields"]:
            c = f.get("constraints", {})
            kind = f.get("type", "string")
            if kind == "date":
                dates.append(f["name"])
            elif kind == "integer":
                dtype[f["name"]] = "Int64"
            elif kind == "number":
                dtype[f["name"]] = "float64"
            elif kind == "boolean":
                dtype[f["name"]] = "boolean"
            elif "enum" in c:
                dtype[f["name"]] = pd.CategoricalDtype(c["enum"])
            else:
                dtype[f["name"]] = "str"
        frames[r["name"]] = pd.read_csv(
            folder / r["path"],
            dtype=dtype,
            parse_dates=dates,
            date_format="%Y-%m-%d",
            keep_default_na=False,
            na_values=[""],
        )
    return frames


def child(step: str, folder: str) -> None:
    """Run one step, print a JSON line: seconds and peak RSS (MiB)."""
    import resource

    import pandas  # noqa: F401  (import cost is not measured)

    import kirkuk_analysis
    from kirkuk_analysis import analysis

    result = {}
    t0 = time.perf_counter()
    if step == "read_csv":
        bare_read_csv(Path(folder))
        result["seconds"] = time.perf_counter() - t0
    else:
        ds = kirkuk_analysis.load(folder)
        result["seconds"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        analysis.monthly(ds)
        result["monthly"] = time.perf_counter() - t1
    # VmHWM: this process's peak RSS (ru_maxrss would carry the parent's over exec)
    status = Path("/proc/self/status").read_text()
    hwm = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), None)
    if hwm:
        result["peak_mib"] = int(hwm.split()[1]) / 1024
    else:
        result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(step: str, folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(sizes: list[int], repeat: int = 3) -> None:
    print(
        f"{'incidents':>10} {'load() s':>9} {'read_csv s':>10} {'ratio':>6} {'ratio range':>12} "
        f"{'load MiB':>9} {'read MiB':>9} {'monthly s':>10}"
    )
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_package(folder, n)
            # Alternating pairs, each step in a fresh process: a slow spell of a shared
            # machine then slows both sides of a pair, and medians drop a stray run.
            pairs = [
                (run_child("load", folder), run_child("read_csv", folder)) for _ in range(repeat)
            ]
            loaded = {k: statistics.median(p[0][k] for p in pairs) for k in pairs[0][0]}
            bare = {k: statistics.median(p[1][k] for p in pairs) for k in pairs[0][1]}
            ratios = [a["seconds"] / b["seconds"] for a, b in pairs]
            spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
            print(
                f"{n:>10} {loaded['seconds']:>9.2f} {bare['seconds']:>10.2f} "
                f"{loaded['seconds'] / bare['seconds']:>6.2f} {spread:>12} "
                f"{loaded['peak_mib']:>9.0f} {bare['peak_mib']:>9.0f} "
                f"{loaded['monthly']:>10.3f}",
                flush=True,
            )
    print(f"(medians of {repeat} alternating runs; ratio = median load() / median read_csv)")
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
        repeat = 3
        if "--repeat" in args:
            i = args.index("--repeat")
            repeat = int(args[i + 1])
            del args[i : i + 2]
        main([int(a) for a in args] or [10_000, 100_000, 1_000_000], repeat)
