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


def test_validate_without_articles_runs_the_rules_the_tables_alone_can_check(
    cli_command, data_copy
):
    """Without --articles, an incident dated after every article that reports it (its
    phrase contradicting it too) is still refused: 'valid' is never printed beside it."""
    path = data_copy / "incidents.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        count = sum(1 for _ in csv.DictReader(fh))
    for row in range(count):
        _set_cell(path, row, "date_start", "9999-01-01")
        _set_cell(path, row, "date_end", "9999-01-01")
    done = run_cli(cli_command, "validate", str(data_copy))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert all(PROBLEM_LINE.match(line) for line in lines), lines
    assert any(
        line.startswith("incidents.csv:") and "9999-01-01 is after its article" in line
        for line in lines
    ), lines
    assert "valid" not in done.stdout
    assert "--articles DIR" in done.stderr  # the article-reading rules were not run


def test_a_package_that_does_not_load_says_the_audit_was_not_run(cli_command, data_copy):
    """Without --articles, validate always says the audit against the articles was not
    run (CONTRACT.md), and a package that does not load says its audit waits for it."""
    path = data_copy / "places.csv"
    rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head = rows[0].rstrip("\n").split(",")
    cells = rows[1].split(",")
    cells[head.index("kind")] = "Nowhere"
    rows[1] = ",".join(cells)
    path.write_text("".join(rows), encoding="utf-8")
    done = run_cli(cli_command, "validate", str(data_copy))
    assert done.returncode == 2
    assert "places.csv:2: kind: unknown value 'Nowhere'" in done.stdout
    assert "--articles DIR" in done.stderr
    assert "the package must load first" in done.stderr


def test_a_package_of_the_contracts_columns_alone_validates(cli_command, data_copy):
    """CONTRACT.md fixes each table's first columns; "more may follow". A package without
    the shipped extra columns (date_basis, incidents' source_id, claims' notes ...) is
    checked by every rule its columns allow, and passes: validate had crashed on it."""
    from kirkuk_analysis.data import CONTRACT_COLUMNS

    descriptor = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        keep = list(CONTRACT_COLUMNS[resource["name"]])
        schema = resource["schema"]
        schema["fields"] = [f for f in schema["fields"] if f["name"] in keep]
        schema["foreignKeys"] = [
            fk for fk in schema.get("foreignKeys", [])
            if set([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]) <= set(keep)
        ]  # fmt: skip
        path = data_copy / resource["path"]
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, keep, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    done = run_cli(cli_command, "validate", str(data_copy))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("valid: ")
    # and it exports and makes a brief: an incident's article is then its casualty rows'
    for fmt in ("acled", "ucdp", "geojson"):
        done = run_cli(cli_command, "export", "--format", fmt, "--data-dir", str(data_copy))
        assert done.returncode == 0 and done.stdout, (fmt, done.stderr)
    out = data_copy.parent / "b.html"
    done = run_cli(
        cli_command, "brief", "--format", "html", "--data-dir", str(data_copy),
        "--output", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Evidence" in out.read_text(encoding="utf-8")


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
        (["--start", "2020-13-01"], "is no day of the calendar: month 13 does not exist"),
        (["--start", "13/01/2020"], "YYYY-MM-DD"),
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


@pytest.mark.parametrize(
    "command",
    [["validate"], ["export", "--format", "acled"], ["export", "--format", "geojson"],
     ["export", "--format", "ucdp"], ["next-id", "incidents"]],
)  # fmt: skip
def test_every_command_is_quiet_when_its_reader_goes_away(cli_command, command):
    import subprocess as sp

    proc = sp.Popen([*cli_command, *command], stdout=sp.PIPE, stderr=sp.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 141), err
    assert b"Traceback" not in err and b"Exception ignored" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    "command", [["validate"], ["export", "--format", "acled"], ["export", "--format", "geojson"]]
)
def test_a_full_standard_output_is_one_line_and_exit_1(cli_command, command):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [*cli_command, *command], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120
        )
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == "kirkuk-analysis: error: No space left on device (writing the standard output)"
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


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
    "sig,code,word",
    [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted"), ("SIGHUP", 129, "hung up")],
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


@pytest.mark.parametrize(
    ("setup", "output", "expected"),
    [
        ("dir:out", "out", "it is a folder"),
        ("link:x.csv>target.csv", "x.csv", "it is a symbolic link (to target.csv)"),
        ("file:afile", "afile/x.csv", "afile is not a folder"),
        ("file:afile", "afile/deeper/x.csv", "afile is not a folder"),
        ("", "x" * 300 + ".csv", "the name is too long for the file system (304 bytes"),
        ("", "new/" + "d" * 300 + "/x.csv", "File name too long"),
    ],
)
def test_export_refuses_an_output_it_cannot_write_before_any_work(
    cli_command, tmp_path, setup, output, expected
):
    kind, _, spec = setup.partition(":")
    name, _, target = spec.partition(">")
    if kind == "dir":
        (tmp_path / name).mkdir()
    elif kind == "link":
        (tmp_path / target).write_text("theirs")
        (tmp_path / name).symlink_to(target)
    elif kind == "file":
        (tmp_path / name).write_text("theirs")
    before = _tree(tmp_path)
    done = subprocess.run(
        [*cli_command, "export", "--format", "acled", "--output", str(tmp_path / output)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert _tree(tmp_path) == before  # nothing written, no folder left, no link followed


def test_export_writes_to_a_device_or_fifo_in_place(cli_command, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    done = subprocess.run(
        [*cli_command, "export", "--format", "geojson", "--output", str(fifo)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    got, _ = reader.communicate(timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(got)["type"] == "FeatureCollection"
    assert fifo.is_fifo()  # written through, not replaced by a file
    assert cli.main(["export", "--format", "acled", "--output", os.devnull]) == 0


# --- brief: the output path is checked before any work (issue 11) ---------------------------


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (a link: its target; else None)."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = os.readlink(path).encode()
        elif path.is_file():
            found[key] = path.read_bytes()
        else:  # a folder, a fifo
            found[key] = None
    return found


RESEARCHER_NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'


@pytest.mark.parametrize(
    "setup, output, expected",
    [
        ("file:afile", "afile/b.pdf", "afile is not a folder"),
        ("file:afile", "afile/sub/b.pdf", "afile is not a folder"),
        ("dir:b.pdf", "b.pdf", "it is a folder"),
        ("link:b.pdf>target.pdf", "b.pdf", "it is a symbolic link (to target.pdf)"),
        ("link:b.pdf>missing.pdf", "b.pdf", "it is a symbolic link"),
        ("fifo:b.pdf", "b.pdf", "not a regular file"),
        ("notebook:b.brief-run.ipynb", "b.pdf", "b.brief-run.ipynb exists and was not written"),
        ("text:b.brief-run.ipynb", "b.pdf", "was not written by a brief"),
        ("dir:b.brief-run.ipynb", "b.pdf", "was not written by a brief"),
        ("link:b.brief-run.ipynb>target.pdf", "b.pdf", "was not written by a brief"),
        ("", "x" * 250 + ".pdf", "the name is too long for the file system"),
        ("", "d" * 300 + "/b.pdf", "File name too long"),
        ("", "b.PDF.html", "must end in .pdf"),
        ("", ".pdf", "the name has nothing before .pdf"),
        ("", "", "it names no file"),
        ("", "/", "it names no file"),
        ("dir:out", "out/", "it is a folder; give a file name ending in .pdf"),
        ("dir:out", "out", "it is a folder"),
    ],
)
def test_brief_output_errors_exit_2_before_any_notebook(
    setup, output, expected, tmp_path, monkeypatch, capsys, no_notebook_may_run
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "target.pdf").write_bytes(b"%PDF someone else's")
    kind, _, name = setup.partition(":")
    name, _, target = name.partition(">")
    if kind == "file" or kind == "text":
        (tmp_path / name).write_text("not a folder, not a notebook")
    elif kind == "dir":
        (tmp_path / name).mkdir()
    elif kind == "link":
        (tmp_path / name).symlink_to(target)
    elif kind == "fifo":
        os.mkfifo(tmp_path / name)
    elif kind == "notebook":
        (tmp_path / name).write_text(RESEARCHER_NOTEBOOK)
    before = _tree(tmp_path)
    assert cli.main(["brief", "--output", output]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _tree(tmp_path) == before  # nothing written, nothing replaced, no folder made


def test_brief_makes_a_missing_folder_and_removes_it_when_nothing_was_written(tmp_path):
    target = tmp_path / "a" / "b" / "brief.pdf"
    with pytest.raises(KeyboardInterrupt):
        with brief.prepare_output(target) as out:
            assert target.parent.is_dir()  # made before any work, as `export` makes it
            assert out.notebook == target.parent / "brief.brief-run.ipynb"
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []  # the brief wrote nothing: its folders are gone


def _without_write_permission(argv: list[str]) -> list[list[str]]:
    """Ways to run ``argv`` subject to file permissions: as it is for a user who is not root;
    for root, as user nobody, else as root without the capabilities that override them."""
    import shlex

    if os.geteuid() != 0:
        return [argv]
    ways = []
    if shutil.which("su"):
        ways.append(["su", "nobody", "-s", "/bin/sh", "-c", shlex.join(argv)])
    if shutil.which("setpriv"):
        drop = "-dac_override,-dac_read_search,-fowner"
        ways.append(["setpriv", "--bounding-set", drop, *argv])
    return ways


def test_brief_output_in_a_folder_it_cannot_write_as_non_root(cli_command, tmp_path):
    """As a user who may not write there (root may write anywhere)."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="kirkuk-ro-", dir="/tmp"))
    try:
        locked = base / "locked"
        locked.mkdir()
        (locked / "sub").mkdir()
        base.chmod(0o755)
        locked.chmod(0o555)  # readable by everyone, writable by no one but root
        cases = [
            (locked / "b.pdf", f"cannot create files in {locked}: Permission denied"),
            (locked / "new" / "b.pdf", f"cannot create the folder {locked / 'new'}"),
        ]
        ran = 0
        for output, expected in cases:
            for argv in _without_write_permission([*cli_command, "brief", "--output", str(output)]):
                done = subprocess.run(
                    argv, capture_output=True, text=True, timeout=120, cwd="/",
                    env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(base)},
                )  # fmt: skip
                if "kirkuk-analysis: error" not in done.stderr:
                    continue  # e.g. user nobody cannot reach this interpreter
                ran += 1
                assert done.returncode == 2, done.stderr
                assert expected in done.stderr and "Traceback" not in done.stderr
                assert sorted(p.name for p in locked.iterdir()) == ["sub"]
                break
        if not ran:
            pytest.skip("no way to run the CLI without permission to write here")
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


# --- brief: an invalid data package is bad input (exit 2), before any cell runs ----------------


def _no_cell_runs(monkeypatch) -> None:
    """Fail the test if the notebook's client sends any cell to the kernel (papermill itself
    may start: it readies the notebook while the kernel imports)."""
    from nbclient.client import NotebookClient

    def executed(*args, **kwargs):
        pytest.fail("a cell ran on invalid data")

    monkeypatch.setattr(NotebookClient, "async_execute_cell", executed)


def test_brief_with_invalid_data_exits_2_before_any_cell(data_copy, tmp_path, monkeypatch, capsys):
    _no_cell_runs(monkeypatch)
    _set_cell(data_copy / "incidents.csv", 1, "date_start", "2021-13-45")
    _set_cell(data_copy / "casualties.csv", 0, "outcome", "vanished")
    out = tmp_path / "out" / "b.pdf"
    assert cli.main(["brief", "--data-dir", str(data_copy), "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "kirkuk-analysis: error: the data package is not valid (2 problem(s), the first: "
        "incidents.csv:3: date_start: '2021-13-45' is not a date (YYYY-MM-DD)); "
        f"run `kirkuk-analysis validate {data_copy}` to list them"
    )
    assert not out.parent.exists()


def test_invalid_data_is_found_in_this_process_when_the_kernel_cannot_tell(
    data_copy, tmp_path, monkeypatch, capsys
):
    """The kernel checks the data before any cell; when it gives no answer (it failed or
    died first), the brief checks here, with the same message."""
    monkeypatch.setattr(brief, "_preload_answer", lambda *a, **k: brief._UNANSWERED)
    _no_cell_runs(monkeypatch)
    _set_cell(data_copy / "casualties.csv", 0, "outcome", "vanished")
    out = tmp_path / "out" / "b.pdf"
    assert cli.main(["brief", "--data-dir", str(data_copy), "--output", str(out)]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(
        "kirkuk-analysis: error: the data package is not valid (1 problem(s), the first: "
        "casualties.csv:2: outcome: unknown value 'vanished'"
    )
    assert last.endswith(f"); run `kirkuk-analysis validate {data_copy}` to list them")
    assert not out.parent.exists()


def test_a_relative_data_folder_is_checked_in_the_kernel_and_named_as_given(
    data_copy, tmp_path, monkeypatch, capsys
):
    """The kernel runs in a folder of its own: it checks the folder the user meant, and the
    message names it as the user wrote it."""
    _no_cell_runs(monkeypatch)
    _set_cell(data_copy / "incidents.csv", 1, "date_start", "2021-13-45")
    monkeypatch.chdir(data_copy.parent)
    out = tmp_path / "out" / "b.pdf"
    assert cli.main(["brief", "--data-dir", data_copy.name, "--output", str(out)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "kirkuk-analysis: error: the data package is not valid (1 problem(s), the first: "
        "incidents.csv:3: date_start: '2021-13-45' is not a date (YYYY-MM-DD)); "
        f"run `kirkuk-analysis validate {data_copy.name}` to list them"
    )


def test_brief_with_unreadable_data_exits_2_as_a_real_process(cli_command, data_copy, tmp_path):
    (data_copy / "places.csv").write_bytes(b"place_id,name\n\xff\xfe,broken\n")
    done = run_cli(
        cli_command, "brief", "--data-dir", str(data_copy), "--output", str(tmp_path / "b.pdf")
    )
    assert done.returncode == 2, done.stderr
    assert "kirkuk-analysis validate" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_validate_reports_an_unreadable_table_as_non_root(cli_command, repo_root):
    """A table the user may not read is a problem on its line, not a traceback."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="kirkuk-unreadable-", dir="/tmp"))
    try:
        package = base / "data"
        shutil.copytree(repo_root / "data", package)
        base.chmod(0o755)
        for path in package.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        package.chmod(0o755)
        (package / "incidents.csv").chmod(0)
        ran = 0
        for argv in _without_write_permission([*cli_command, "validate", str(package)]):
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=120, cwd="/",
                env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(base)},
            )  # fmt: skip
            if "incidents.csv" not in done.stdout:
                continue  # e.g. user nobody cannot reach this interpreter
            ran += 1
            assert done.returncode == 2, done.stderr
            assert done.stdout == "incidents.csv:1: -: cannot be read: Permission denied\n"
            assert "Traceback" not in done.stderr
            break
        if not ran:
            pytest.skip("no way to run the CLI without permission to read the file")
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def full_disk(tmp_path):
    """A 256 kB tmpfs filled to the last block: a real full disk (needs root and mount)."""
    where = tmp_path / "full"
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        try:
            with open(where / "filler", "wb", buffering=0) as handle:
                while True:
                    handle.write(b"\0" * 4096)
        except OSError:
            pass  # full
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_is_one_line_and_leaves_nothing(cli_command, full_disk):
    before = sorted(os.listdir(full_disk))
    for command in (
        ["export", "--format", "geojson", "--output", str(full_disk / "x.geojson")],
        ["brief", "--start", "2021-01-01", "--end", "2021-03-31",
         "--output", str(full_disk / "b.pdf")],
    ):  # fmt: skip
        done = subprocess.run([*cli_command, *command], capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stderr
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith("kirkuk-analysis: error: ") and "No space left on device" in last
        assert "Traceback" not in done.stderr
        assert sorted(os.listdir(full_disk)) == before  # no partial file, no temporary


@pytest.mark.parametrize("command", [["validate"], ["export", "--format", "acled"], ["next-id"]])
def test_a_closed_standard_output_is_one_line_and_exit_1(cli_command, command):
    done = subprocess.run(
        [*cli_command, *command], stdout=None, stderr=subprocess.PIPE, text=True, timeout=120,
        preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "kirkuk-analysis: error: standard output is closed (writing the standard output)"
    )
    assert "Traceback" not in done.stderr


def test_a_brief_without_standard_error_is_made_and_says_nothing_elsewhere(cli_command, tmp_path):
    """Started with its standard error closed (``2>&-``), the brief is made; its progress
    lines go nowhere, not to standard output."""
    out = tmp_path / "b.html"
    done = subprocess.run(
        [*cli_command, "brief", "--start", "2021-01-01", "--end", "2021-03-31",
         "--format", "html", "--output", str(out)],
        stdout=subprocess.PIPE, stderr=None, text=True, timeout=300,
        preexec_fn=lambda: os.close(2),
    )  # fmt: skip
    assert done.returncode == 0
    assert done.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_ctrl_c_before_the_command_runs_is_one_line_and_130():
    """Ctrl-C while the command loads and reads its arguments (before it watches for
    signals itself): one line and 130, no traceback."""
    code = (
        "from kirkuk_analysis import cli\n"
        "def interrupted():\n"
        "    raise KeyboardInterrupt\n"
        "cli.build_parser = interrupted\n"
        "cli.console_main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130
    assert done.stderr == "kirkuk-analysis: error: interrupted\n"


def test_export_cut_short_by_its_reader_is_141(cli_command, tmp_path, repo_root):
    """The reader leaves part-way through a large export: 141, not a silent 0."""
    sys.path.insert(0, str(repo_root / "benchmarks"))
    import bench_load

    bench_load.write_package(tmp_path, 20_000)
    proc = subprocess.Popen(
        [*cli_command, "export", "--format", "geojson", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout.read(1) == b"{"
    proc.stdout.close()  # gone after one byte of several megabytes
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 141, err
    assert b"Traceback" not in err


def test_a_brief_with_a_read_only_home_leaves_nothing_in_tmpdir(cli_command, tmp_path):
    """IPython and matplotlib fall back to folders of their own in $TMPDIR when HOME cannot
    be written; the brief gives them folders in its own work folder instead."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="kirkuk-home-", dir="/tmp"))
    try:
        home, tmp, out = base / "home", base / "tmp", base / "out"
        for folder in (home, tmp, out):
            folder.mkdir()
        base.chmod(0o755)
        tmp.chmod(0o777)
        out.chmod(0o777)
        home.chmod(0o555)
        argv = [*cli_command, "brief", "--start", "2021-01-01", "--end", "2021-03-31",
                "--output", str(out / "b.pdf")]  # fmt: skip
        ran = False
        for way in _without_write_permission(argv):
            done = subprocess.run(
                way, capture_output=True, text=True, timeout=300, cwd="/",
                env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(home),
                     "TMPDIR": str(tmp)},
            )  # fmt: skip
            if "running notebook" not in done.stderr:
                continue  # e.g. user nobody cannot reach this interpreter
            ran = True
            assert done.returncode == 0, done.stderr
            assert list(tmp.iterdir()) == []
            assert "Warning" not in done.stderr, done.stderr
            break
        if not ran:
            pytest.skip("no way to run the CLI without permission to write HOME")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_brief_whose_config_folders_cannot_be_used_leaves_nothing_in_tmpdir(
    cli_command, tmp_path
):
    """IPYTHONDIR and MPLCONFIGDIR naming folders IPython and matplotlib cannot use (a
    parent that does not exist, a file): each would make its own in $TMPDIR, IPython one
    more each time it looks, and the kernel stopped at the end never removes them."""
    tmp, out = tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    out.mkdir()
    (tmp_path / "a-file").write_text("")
    done = subprocess.run(
        [*cli_command, "brief", "--start", "2021-01-01", "--end", "2021-03-31",
         "--output", str(out / "b.pdf")],
        capture_output=True, text=True, timeout=300,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "TMPDIR": str(tmp),
             "IPYTHONDIR": str(tmp_path / "missing" / "ipython"),
             "MPLCONFIGDIR": str(tmp_path / "a-file" / "matplotlib"),
             **{var: os.environ[var] for var in ("HOME",) if var in os.environ}},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out / "b.pdf").read_bytes().startswith(b"%PDF")
    assert list(tmp.iterdir()) == []
    assert not (tmp_path / "missing").exists()


def test_validate_given_the_descriptor_asks_for_its_folder(data_copy, tmp_path, capsys):
    assert cli.main(["validate", str(data_copy / "datapackage.json")]) == 2
    err = capsys.readouterr().err
    assert f"give the folder that holds datapackage.json ({data_copy})" in err
    assert cli.main(["validate", str(tmp_path / "nowhere")]) == 2
    assert "no datapackage.json there" in capsys.readouterr().err
