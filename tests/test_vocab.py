"""One home per rule: vocabularies and labels from the package being used, selections checked
in one place, the counting rule in one function, figures that leave matplotlib's settings
alone.

Packages here are small fixtures (tests/packages.py) or copies of the shipped one with their
``datapackage.json`` changed, so each rule is seen to come from the package, not from code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from packages import load_package, make_package

from kirkuk_analysis import analysis, export, load, report
from kirkuk_analysis.selection import SelectionError, check_selection
from kirkuk_analysis.vocab import read_vocabulary


def _edit_descriptor(folder: Path, change) -> None:
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    fields = {
        (r["name"], f["name"]): f for r in descriptor["resources"] for f in r["schema"]["fields"]
    }
    change(fields)
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


# --------------------------------------------------------------------------------------
# Vocabularies and labels come from the package being used


def test_a_package_is_judged_by_its_own_provinces(data_copy, cli_command):
    def drop_basra(fields):
        enum = fields[("places", "province")]["constraints"]["enum"]
        enum.remove("Basra")

    _edit_descriptor(data_copy, drop_basra)
    assert "Basra" in read_vocabulary().provinces  # the shipped package is unchanged
    with pytest.raises(SelectionError, match="unknown province 'Basra'; valid choices are: "):
        check_selection(provinces=["Basra"], data_dir=data_copy)
    ds = load(data_copy)
    with pytest.raises(SelectionError, match="unknown province .basra."):
        analysis.select(ds, provinces="basra")
    # the CLI refuses it before any notebook runs, naming that package's choices
    run = subprocess.run(
        [*cli_command, "brief", "--data-dir", str(data_copy), "--province", "Basra"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2 and "unknown province 'Basra'" in run.stderr
    assert "Basra" not in run.stderr.split("valid choices are:")[1]


def test_labels_come_from_the_package(data_copy):
    def relabel(fields):
        for category in fields[("casualties", "party")]["categories"]:
            if category["value"] == "peshmerga":
                category["label"] = "Kurdistan Region Peshmerga"
        for category in fields[("incidents", "event_type")]["categories"]:
            category["label"] = category["label"].upper()

    _edit_descriptor(data_copy, relabel)
    ds = load(data_copy)
    assert ds.vocab.label("party", "peshmerga") == "Kurdistan Region Peshmerga"
    text = report.narrative(ds, "2020-01-01", "2024-12-31")
    if "peshmerga" in set(ds.casualties.party.astype(str)):
        assert "Kurdistan Region Peshmerga" in text
    assert any(
        label.upper() == label and label in text for label in ds.vocab.labels["event_type"].values()
    )


def test_which_event_types_are_attacks_is_data(data_copy):
    def arrests_count(fields):
        for category in fields[("incidents", "event_type")]["categories"]:
            category.pop("attack", None)

    before = load(data_copy)
    _edit_descriptor(data_copy, arrests_count)
    after = load(data_copy)
    assert set(after.vocab.attack_types) == set(after.vocab.event_types)
    arrests = int((before.incidents.event_type == "arrest").sum())
    assert len(analysis.attacks(after)) == len(analysis.attacks(before)) + arrests
    assert report.key_figures(after)["attacks"] == len(after.incidents)


def test_categories_that_disagree_with_the_enum_are_a_problem(data_copy, cli_command):
    def disagree(fields):
        fields[("casualties", "party")]["categories"].pop()

    _edit_descriptor(data_copy, disagree)
    run = subprocess.run(
        [*cli_command, "validate", str(data_copy)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 2
    # named on the line of the field, in its table's part of the descriptor
    lines = (data_copy / "datapackage.json").read_text(encoding="utf-8").splitlines()
    table = next(i for i, t in enumerate(lines) if '"name": "casualties"' in t)
    field = next(i for i, t in enumerate(lines) if i > table and '"name": "party"' in t) + 1
    said = f"datapackage.json:{field}: casualties.party: categories must list the enum's values"
    assert said in run.stdout


# --------------------------------------------------------------------------------------
# Selections are checked in one place


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"start": "2021-13-01"}, "start '2021-13-01' is no day of the calendar: month 13"),
        ({"end": "2021-02-30"}, "February 2021 has 28 days, not 30"),
        ({"start": "20210101"}, "start must be a date written YYYY-MM-DD"),
        ({"start": pd.NaT}, r"start is a missing value \(NaT\): give a date"),
        ({"end": float("nan")}, r"end is a missing value \(nan\)"),
        ({"end": "May 2021"}, "end must be a date written YYYY-MM-DD"),
        ({"start": "2021-05-02", "end": "2021-05-01"}, "is after end"),
        ({"provinces": ["Kirkuk City"]}, "unknown province 'Kirkuk City'; valid choices are: "),
        ({"parties": "peshmergas"}, "unknown party 'peshmergas'"),
        ({"provinces": 3}, "province must be a name or a list of names"),
    ],
)
def test_select_the_cli_and_the_notebooks_refuse_alike(kwargs, match):
    with pytest.raises(SelectionError, match=match):
        check_selection(**kwargs)
    with pytest.raises(SelectionError, match=match):
        analysis.select(load(), **kwargs)


def test_names_are_matched_case_insensitively_everywhere():
    chosen = check_selection(provinces=[" kirkuk", "DIYALA", "Kirkuk"], parties="PMF")
    assert chosen.provinces == ("Kirkuk", "Diyala") and chosen.parties == ("pmf",)
    ds = load()
    assert analysis.select(ds, provinces="kirkuk") == analysis.select(ds, provinces=["Kirkuk"])
    assert analysis.select(ds, chosen) == analysis.select(
        ds, provinces=["Kirkuk", "Diyala"], parties=["pmf"]
    )


def test_a_selection_error_shows_as_one_line_in_ipython():
    error = SelectionError("unknown province 'X'; valid choices are: A, B")
    assert error._render_traceback_() == [
        "SelectionError: unknown province 'X'; valid choices are: A, B"
    ]


# --------------------------------------------------------------------------------------
# The counting rule, in one function that every count goes through


@pytest.fixture
def disagreeing(tmp_path):
    """One incident: three sources give 10, 13 (exact) and "at least 7" Peshmerga killed;
    a second incident only "at least 4" (low); the same party twice in one incident is not
    possible (primary key), so the third incident has two parties."""
    return load_package(
        tmp_path,
        sources=[{"source_id": s} for s in ("a", "b", "c")],
        incidents=[
            {"incident_id": "I01"},
            {"incident_id": "I02", "date_start": "2021-11-05"},
            {"incident_id": "I03", "date_start": "2021-10-05"},
        ],
        casualties=[
            {"incident_id": "I01", "source_id": "a", "best": 10},
            {"incident_id": "I01", "source_id": "b", "best": 13},
            {"incident_id": "I01", "source_id": "c", "best": 7, "high": ""},
            {"incident_id": "I02", "source_id": "a", "best": "", "low": 4, "high": ""},
            {"incident_id": "I03", "source_id": "a", "best": 2},
            {"incident_id": "I03", "source_id": "a", "party": "civilians", "best": 3},
        ],
    )


def test_every_count_takes_the_largest_figure_never_the_sum(disagreeing):
    ds = disagreeing
    fig = analysis.casualty_figures(ds).set_index(["incident_id", "party"])
    assert fig.loc[("I01", "peshmerga"), "figure"] == 13
    assert fig.loc[("I02", "peshmerga"), "figure"] == 4  # only low known
    table = analysis.incident_table(ds).set_index("incident_id")
    assert list(table.killed) == [13, 4, 5]
    assert int(analysis.monthly(ds).killed.sum()) == 13 + 4 + 5
    assert int(analysis.monthly(ds, by="party").killed.sum()) == 22
    assert int(analysis.monthly(ds, by="province").killed.sum()) == 22
    totals = report.casualty_totals(ds)
    assert totals.loc["peshmerga", "killed"] == 13 + 4 + 2
    assert report.key_figures(ds)["killed"] == 22
    assert "22 killed" in report.narrative(ds, "2021-01-01", "2021-12-31")
    assert list(report.incidents_table(ds).set_index("ID").Killed) == [5, 4, 13]
    acled = export.to_acled(ds).set_index("event_id_cnty")
    assert list(acled.fatalities) == [13, 4, 5]
    ucdp = export.to_ucdp(ds).set_index("id")
    assert ucdp.loc["I01", "best"] == 13 and ucdp.loc["I01", "high"] == 13
    assert ucdp.loc["I01", "low"] == 7  # the least any source gives ("at least 7"), as GED's low


def test_the_open_ended_flag_follows_the_largest_figure(disagreeing):
    fig = analysis.casualty_figures(disagreeing).set_index(["incident_id", "party"])
    assert not fig.loc[("I01", "peshmerga"), "open_ended"]  # 13 is exact; "at least 7" is below
    assert fig.loc[("I02", "peshmerga"), "open_ended"]  # "at least 4"
    totals = report.casualty_totals(disagreeing)
    assert totals.loc["peshmerga", "open_ended"] and not totals.loc["civilians", "open_ended"]
    assert "*" in report.key_figures_html(disagreeing)


def test_the_open_ended_flag_when_the_floor_is_the_largest(tmp_path):
    ds = load_package(
        tmp_path,
        sources=[{"source_id": "a"}, {"source_id": "b"}],
        incidents=[{}],
        casualties=[
            {"source_id": "a", "best": 10},
            {"source_id": "b", "best": 12, "high": ""},  # "at least 12"
        ],
    )
    row = analysis.casualty_figures(ds).iloc[0]
    assert row.figure == 12 and row.open_ended and row.low == 12 and row.high == 12
    assert bool(report.casualty_totals(ds).loc["total", "open_ended"])


def test_monthly_draws_from_the_one_rule(disagreeing):
    from kirkuk_analysis import plots

    ax = plots.monthly_casualties(disagreeing)
    assert sum(p.get_height() for p in ax.patches) == 22


# --------------------------------------------------------------------------------------
# Figures leave matplotlib's settings alone; plots does not need report


def test_drawing_does_not_change_global_settings(tmp_path):
    import matplotlib.pyplot as plt

    from kirkuk_analysis import plots

    before = dict(plt.rcParams)
    ds = load_package(tmp_path)
    for draw in (plots.timeline, plots.monthly_casualties, plots.coordination):
        ax = draw(ds)
        assert not ax.spines["top"].get_visible()  # drawn in the package's theme
        plt.close(ax.figure)
    after = dict(plt.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_plots_imports_neither_report_nor_papermill():
    code = (
        "import sys, kirkuk_analysis.plots; "
        "print(sorted({'kirkuk_analysis.report', 'papermill'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_fixture_packages_are_built_from_the_one_schema(tmp_path):
    folder = make_package(tmp_path)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    shipped = json.loads(
        (Path(__file__).resolve().parents[1] / "data" / "datapackage.json").read_text("utf-8")
    )
    assert descriptor["resources"] == shipped["resources"]
