"""The notebooks run under papermill with real parameters (as pyhf tests its notebooks).

nbval (``make test``) checks the committed outputs of the default run; these tests drive the
parameters: one province, a single year, an empty selection and a bad value. Expected places,
ids and figures are read here from data/*.csv (not through the library), so that a correct
article added to data/ breaks none of them.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

papermill = pytest.importorskip("papermill")
from papermill.exceptions import PapermillExecutionError  # noqa: E402

from kirkuk_analysis.vocab import read_vocabulary  # noqa: E402

PROVINCES = read_vocabulary().provinces

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
DATA = NOTEBOOKS.parent / "data"
ALL = ("attacks_timeline.ipynb", "coordination_timeline.ipynb", "brief.ipynb")

pytestmark = pytest.mark.slow


from kirkuk_analysis.brief import _kernel_name  # noqa: E402  (the one lookup, shared)


@pytest.fixture(autouse=True)
def _agg(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "agg")
    # The generic python3 kernel runs `python` from PATH: make that this interpreter.
    monkeypatch.setenv(
        "PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    )


def run(name: str, tmp_path: Path, **parameters) -> str:
    """Execute a notebook with papermill; return all its text outputs joined."""
    out = tmp_path / name
    papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(out),
        parameters=parameters,
        kernel_name=_kernel_name(),
        progress_bar=False,
        cwd=str(tmp_path),
    )
    return outputs_text(nbformat.read(str(out), as_version=4))


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def incidents_in(start: str, end: str, province: str | None = None) -> list[dict[str, str]]:
    """The incidents whose date range overlaps start..end (in a province), from the CSVs."""
    province_of = {p["place_id"]: p["province"] for p in rows("places")}
    return [
        i
        for i in rows("incidents")
        if i["date_end"] >= start
        and i["date_start"] <= end
        and (province is None or province_of[i["place_id"]] == province)
    ]


def killed(incident_ids: set[str], party: str) -> int:
    """Recorded killed of a party: per incident the largest figure of the sources, summed."""
    largest: dict[str, int] = {}
    for r in rows("casualties"):
        figure = r["best"] or r["low"]
        if r["incident_id"] in incident_ids and (r["party"], r["outcome"]) == (party, "killed"):
            if figure:
                largest[r["incident_id"]] = max(largest.get(r["incident_id"], 0), int(figure))
    return sum(largest.values())


def mentions(text: str, identifier: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(identifier)}(?![\w-])", text) is not None


def outputs_text(nb) -> str:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append(output["text"])
            for mime in ("text/markdown", "text/html", "text/plain"):
                if mime in output.get("data", {}):
                    texts.append(output["data"][mime])
    return "\n".join(texts)


def test_every_notebook_has_a_parameters_cell_then_a_validation_cell():
    for name in ALL:
        nb = nbformat.read(str(NOTEBOOKS / name), as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", []), name
        for param in ("start", "end", "provinces", "parties"):
            assert f"{param} =" in code[0].source, (name, param)
        assert "check_selection" in code[1].source, name
        assert nb.metadata.kernelspec.name == "kirkuk-analysis", name


def test_attacks_one_province(tmp_path):
    text = run("attacks_timeline.ipynb", tmp_path, provinces=["Kirkuk"])
    places = {p["place_id"]: p for p in rows("places")}
    inside = incidents_in("2020-01-01", "2024-12-31", "Kirkuk")
    assert inside
    for incident in inside:  # in the incident table, by place
        assert places[incident["place_id"]]["name"] in text, incident["incident_id"]
    for incident in rows("incidents"):
        place = places[incident["place_id"]]
        if place["province"] != "Kirkuk" and incident["geo_precision"] == "2":
            assert f"near {place['name']}" not in text  # e.g. Makhmour, in Nineveh
    assert "reported totals, not added to the figures above" in text
    # what the selection leaves out or cannot place is said, as in the brief
    from kirkuk_analysis import analysis, load, report

    beyond = report.selection_markdown(analysis.select(load(), provinces=["Kirkuk"]))
    assert not beyond or beyond.split(". ")[0].replace("*", "") in text.replace("*", "")


def test_coordination_single_year(tmp_path):
    text = run("coordination_timeline.ipynb", tmp_path, start="2021-01-01", end="2021-12-31")
    steps = rows("coordination")
    inside = [s for s in steps if s["date_end"] >= "2021-01-01" and s["date_start"] <= "2021-12-31"]
    assert inside and len(inside) < len(steps)
    for step in steps:
        assert mentions(text, step["step_id"]) == (step in inside), step["step_id"]


def test_brief_kirkuk_2021(tmp_path):
    text = run(
        "brief.ipynb",
        tmp_path,
        start="2021-01-01",
        end="2021-12-31",
        provinces=["Kirkuk"],
        title="Kirkuk in 2021",
    )
    assert "Kirkuk in 2021" in text
    inside = {i["incident_id"] for i in incidents_in("2021-01-01", "2021-12-31", "Kirkuk")}
    assert inside
    assert f"{len(inside)} incident{'s' if len(inside) != 1 else ''} in Kirkuk province" in text
    peshmerga = killed(inside, "peshmerga")
    if peshmerga:
        assert f"{peshmerga} Peshmerga" in text


@pytest.mark.parametrize("name", ALL)
def test_empty_selection_says_so(name, tmp_path):
    text = run(name, tmp_path, provinces=["Basra"])
    assert "No incidents in this selection" in text


@pytest.mark.parametrize("name", ALL)
def test_bad_province_names_the_valid_choices(name, tmp_path):
    with pytest.raises(PapermillExecutionError) as info:
        run(name, tmp_path, provinces=["Atlantis"])
    message = str(info.value)
    assert "Atlantis" in message
    for province in PROVINCES:
        assert province in message


def test_bad_dates_are_refused(tmp_path):
    with pytest.raises(PapermillExecutionError) as info:
        run("attacks_timeline.ipynb", tmp_path, start="2022-01-01", end="2021-01-01")
    assert "start" in str(info.value) and "after end" in str(info.value)


def test_a_province_holding_code_reaches_the_notebook_as_data(tmp_path):
    marker = tmp_path / "pwned"
    evil = f'Kirkuk"]\nopen({str(marker)!r}, "w").close()  # \'"'
    with pytest.raises(PapermillExecutionError) as info:
        run("attacks_timeline.ipynb", tmp_path, provinces=[evil])
    assert "unknown province" in str(info.value)
    assert not marker.exists()


def test_a_title_holding_code_and_markup_is_shown_as_text(tmp_path):
    marker = tmp_path / "pwned"
    title = f'Q"\'\n__import__("pathlib").Path({str(marker)!r}).touch() <b>bold</b>'
    text = run("brief.ipynb", tmp_path, title=title, provinces=["Kirkuk"])
    assert not marker.exists()
    assert "&lt;b&gt;bold&lt;/b&gt;" in text and "<b>bold</b>" not in text


def test_figures_keep_showing_in_a_fresh_kernel_after_a_themed_plot():
    """In a new notebook without %matplotlib inline, the first figure a plotting function
    makes loads the inline backend inside the package's theme: its interactive mode, turned
    off again as the theme ended, stopped every later figure from showing (plain
    plt.plot's too). Each cell here must still display its figure."""
    from jupyter_client.manager import start_new_kernel

    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's own
    km, kc = start_new_kernel(kernel_name=_kernel_name(), env=env)

    def images(code: str) -> int:
        msg_id = kc.execute(code)
        shown = 0
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            if msg["msg_type"] == "error":
                raise AssertionError(f"{content['ename']}: {content['evalue']}")
            if msg["msg_type"] in ("display_data", "execute_result"):
                shown += "image/png" in content["data"]
            if msg["msg_type"] == "status" and content["execution_state"] == "idle":
                return shown

    try:
        setup = (
            "import kirkuk_analysis\nfrom kirkuk_analysis import plots\nds = kirkuk_analysis.load()"
        )
        assert images(setup + "\nax = plots.timeline(ds)") == 1
        assert images("ax = plots.monthly_casualties(ds)") == 1
        assert images("import matplotlib.pyplot as plt\nplt.plot([1, 2]);") == 1
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
