"""The command line: exit codes, messages, and nothing run when the parameters are wrong."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kirkuk_analysis import brief, cli
from kirkuk_analysis.vocab import read_vocabulary

PROVINCES = read_vocabulary().provinces

PROBLEM_LINE = re.compile(
    r"^(?P<file>[\w.-]+\.csv):(?P<line>\d+): (?P<column>[^:]+): (?P<reason>.+)$"
)


def run_cli(cli_command, *args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*cli_command, *args], capture_output=True, text=True, timeout=300, **kwargs
    )


# --- validate -----------------------------------------------------------------------------


def test_validate_shipped_data_exits_0(cli_command):
    done = run_cli(cli_command, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stdout


def test_validate_explicit_dir_exits_0(cli_command, data_copy):
    done = run_cli(cli_command, "validate", str(data_copy))
    assert done.returncode == 0, done.stdout + done.stderr


def _set_cell(path: Path, row_index: int, column: str, value: str) -> None:
    """Set one cell of a CSV (row 0 is the first data row, on file line 2)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0].keys())
    rows[row_index][column] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_validate_lists_every_problem_and_exits_2(cli_command, data_copy):
    _set_cell(data_copy / "incidents.csv", 1, "date_start", "2021-13-45")
    _set_cell(data_copy / "casualties.csv", 0, "outcome", "vanished")
    done = run_cli(cli_command, "validate", str(data_copy))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, done.stderr
    for line in lines:
        assert PROBLEM_LINE.match(line), line
    found = {(m["file"], m["column"].strip()) for m in map(PROBLEM_LINE.match, lines)}
    assert ("incidents.csv", "date_start") in found
    assert ("casualties.csv", "outcome") in found
    incident_line = next(
        int(m["line"]) for m in map(PROBLEM_LINE.match, lines) if m["column"] == "date_start"
    )
    assert incident_line == 3  # header is line 1, the second data row is line 3
    assert "Traceback" not in done.stderr


def test_validate_missing_dir_exits_2(cli_command, tmp_path):
    done = run_cli(cli_command, "validate", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "datapackage.json" in done.stderr
    assert "Traceback" not in done.stderr


# --- brief: parameters are refused before anything runs -----------------------------------


@pytest.fixture
def no_notebook_may_run(monkeypatch):
    """Fail the test if papermill or Chromium is reached."""
    import papermill

    from kirkuk_analysis import _chromium

    def forbidden(*args, **kwargs):
        raise AssertionError("a notebook (or Chromium) ran although the parameters were bad")

    monkeypatch.setattr(papermill, "execute_notebook", forbidden)
    monkeypatch.setattr(_chromium, "print_to_pdf", forbidden)
    monkeypatch.setattr(brief, "execute_notebook", forbidden)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--province", "Atlantis"], "unknown province 'Atlantis'"),
        (["--province", "Kirkuk", "--province", 'Kirkuk"); import os #'], "unknown province"),
        (["--start", "2023-01-01", "--end", "2022-12-31"], "is after end"),
        (["--start", "2020-13-01"], "YYYY-MM-DD"),
        (["--end", "31/12/2024"], "YYYY-MM-DD"),
        (["--start", "20200101"], "YYYY-MM-DD"),
        (["--party", "martians"], "unknown party 'martians'"),
        (["--output", "brief.html"], "must end in .pdf"),
    ],
)
def test_brief_bad_parameters_exit_2_before_any_notebook(
    args, expected, tmp_path, monkeypatch, capsys, no_notebook_may_run
):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["brief", *args]) == 2
    err = capsys.readouterr().err
    assert expected in err
    if "province" in expected:
        for province in PROVINCES:  # the message names the valid choices
            assert province in err
    assert not any(tmp_path.rglob("*.ipynb")) and not any(tmp_path.rglob("*.pdf"))


def test_brief_bad_parameters_as_a_real_process(cli_command, tmp_path):
    done = run_cli(cli_command, "brief", "--province", "Atlantis", cwd=tmp_path)
    assert done.returncode == 2
    assert "valid choices are: Anbar, Babil" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_brief_argparse_errors_exit_2(cli_command):
    done = run_cli(cli_command, "brief", "--no-such-option")
    assert done.returncode == 2


def test_brief_without_chromium_gives_one_clear_message(tmp_path, monkeypatch, capsys):
    import papermill

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        papermill, "execute_notebook", lambda *a, **k: pytest.fail("notebook ran without Chromium")
    )
    assert cli.main(["brief"]) == 1
    err = capsys.readouterr().err
    assert "needs Chromium" in err
    assert "apt-get install chromium" in err
    assert "Traceback" not in err
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


# --- set-up: a missing Chromium as a non-root user ----------------------------------------


def _as_non_root(script: Path, bare_path: Path) -> subprocess.CompletedProcess:
    """Run the set-up check as a user who is not root, with nothing but ``bare_path`` on PATH.

    The script goes in on standard input (``bash -s``), so user nobody needs no access to
    this checkout or to pytest's private temporary folder.
    """
    inner = f"PATH={bare_path} exec /bin/bash -s"
    if os.geteuid() == 0:
        if shutil.which("su") is None:
            pytest.skip("needs su to drop root")
        cmd = ["su", "nobody", "-s", "/bin/bash", "-c", inner]
    else:
        cmd = ["/bin/bash", "-c", inner]
    return subprocess.run(
        cmd,
        input=script.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
    )


def test_setup_without_chromium_as_non_root_says_what_to_install(repo_root, tmp_path):
    # An empty folder as PATH hides every Chromium and poppler program.
    bare = tmp_path / "empty-bin"
    bare.mkdir()
    done = _as_non_root(repo_root / "scripts" / "ensure-system-deps", bare)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not installed: chromium poppler-utils" in done.stderr
    assert "sudo apt-get update && sudo apt-get install chromium poppler-utils" in done.stderr
    assert "Traceback" not in done.stderr and "command not found" not in done.stderr
    assert "installing" not in done.stderr  # never tries apt-get without root
    assert done.stdout == ""


def test_setup_check_is_silent_when_everything_is_there(repo_root):
    if shutil.which("chromium") is None or shutil.which("pdfinfo") is None:
        pytest.skip("Chromium or poppler-utils not installed here")
    done = subprocess.run(
        ["bash", str(repo_root / "scripts" / "ensure-system-deps")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


# --- export ---------------------------------------------------------------------------------


def test_export_geojson_to_stdout(cli_command):
    done = run_cli(cli_command, "export", "--format", "geojson")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["type"] == "FeatureCollection"
    assert doc["features"] and all(f["geometry"]["type"] == "Point" for f in doc["features"])


@pytest.mark.parametrize("fmt", ["acled", "ucdp"])
def test_export_csv_to_file(fmt, tmp_path, capsys):
    out = tmp_path / "sub" / f"{fmt}.csv"
    assert cli.main(["export", "--format", fmt, "--output", str(out)]) == 0
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary left behind


def test_export_unknown_format_exits_2(cli_command):
    assert run_cli(cli_command, "export", "--format", "xlsx").returncode == 2


# --- naming and light imports -----------------------------------------------------------


def test_default_output_names():
    p = brief.validate_params("2021-01-01", "2021-12-31", ["kirkuk", "Dhi Qar", "Kirkuk"])
    assert p.provinces == ("Kirkuk", "Dhi Qar")  # canonical spelling, no duplicates
    assert brief.default_output(p) == Path("reports/brief-2021-01-01-2021-12-31-kirkuk-dhi-qar.pdf")
    everything = brief.validate_params()
    assert brief.default_output(everything) == Path("reports/brief-2020-01-01-2024-12-31.pdf")


def test_import_is_light():
    code = (
        "import sys, kirkuk_analysis, kirkuk_analysis.cli, kirkuk_analysis.brief; "
        "heavy = {'matplotlib', 'papermill', 'pandas', 'nbconvert'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_version_option(cli_command):
    from kirkuk_analysis import __version__

    done = run_cli(cli_command, "--version")
    assert done.returncode == 0 and __version__ in done.stdout


# --- signals, pipes and file modes -----------------------------------------------------


def test_a_closed_pipe_is_quiet(cli_command, repo_root):
    """`validate ... | head -0`: no BrokenPipeError traceback, the conventional 141."""
    import subprocess as sp

    articles = repo_root.parent / "shared" / "articles"
    args = [*cli_command, "validate", str(repo_root / "data")]
    if articles.is_dir():
        args += ["--articles", str(articles)]
    proc = sp.Popen(args, stdout=sp.PIPE, stderr=sp.PIPE)
    proc.stdout.close()  # the reader goes away before the first line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 141)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err


SLOW_COMMAND = (
    "import sys, time, kirkuk_analysis.cli as cli\n"
    "def slow(args):\n"
    "    print('working', flush=True)\n"
    "    time.sleep(60)\n"
    "    return 0\n"
    "cli.cmd_next_id = slow\n"
    "sys.exit(cli.main(['next-id']))\n"
)


@pytest.mark.parametrize(
    "sig,code,word", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")]
)
def test_signals_end_with_a_line_and_the_conventional_code(sig, code, word):
    import signal
    import subprocess as sp

    proc = sp.Popen([sys.executable, "-c", SLOW_COMMAND], stdout=sp.PIPE, stderr=sp.PIPE)
    assert proc.stdout.readline() == b"working\n"  # inside the command, handlers in place
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.decode().strip() == f"kirkuk-analysis: error: {word}"


def test_export_file_mode_follows_the_umask(tmp_path):
    out = tmp_path / "incidents.geojson"
    old = os.umask(0o022)
    try:
        assert cli.main(["export", "--format", "geojson", "--output", str(out)]) == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644
    assert cli.main(["export", "--format", "acled", "--output", str(tmp_path)]) == 2
