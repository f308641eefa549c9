"""The curation commands of docs/curating.md, and a sixth article added with them.

The sixth article (``tests/fixtures/articles/fictional-2021-05-12.txt``) is fictional, written
for these tests in our own words and marked as such in its first line. It is added to a copy
of the package exactly as docs/curating.md tells a researcher to add a real one: register it,
take the next free ids, resolve its date phrases, write the rows, audit, then analyse and run
a notebook on the result.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from kirkuk_analysis import curate

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FICTIONAL = FIXTURES / "articles" / "fictional-2021-05-12.txt"


def run(cli_command, *args, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [*cli_command, *map(str, args)], capture_output=True, text=True, check=False
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def sources(pkg: Path) -> dict[str, dict[str, str]]:
    with (pkg / "sources.csv").open(newline="", encoding="utf-8") as f:
        return {r["source_id"]: r for r in csv.DictReader(f)}


# --------------------------------------------------------------------------------------
# register


def test_register_a_printed_date_hash_name_and_copy(data_copy, tmp_path, cli_command):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "007_0123456789abcdef.txt").write_text("an earlier article\n", encoding="utf-8")
    done = run(
        cli_command,
        "register",
        FICTIONAL,
        "--outlet",
        "Test Outlet",
        "--published",
        "2021-05-12",
        "--url",
        "https://example.org/fictional",
        "--data-dir",
        data_copy,
        "--articles",
        articles,
    )
    source_id = done.stdout.strip()
    assert source_id == "test-outlet-2021-05-12"
    row = sources(data_copy)[source_id]
    digest = hashlib.sha256(FICTIONAL.read_bytes()).hexdigest()
    assert row["sha256"] == digest
    assert row["published_basis"] == "printed"  # the text prints "May 12, 2021"
    # numbered after everything in sources.csv and in the folder, named by its hash
    assert row["document"] == f"008_{digest[:16]}.txt"
    assert (articles / row["document"]).read_bytes() == FICTIONAL.read_bytes()
    # registering the same text again is refused, and nothing is written
    again = run(
        cli_command,
        "register",
        FICTIONAL,
        "--outlet",
        "Other",
        "--published",
        "2021-05-12",
        "--url",
        "https://example.org/x",
        "--data-dir",
        data_copy,
        check=False,
    )
    assert again.returncode == 2 and f"already registered as {source_id}" in again.stderr
    assert len(sources(data_copy)) == len(sources(curate._folder(None))) + 1


def test_register_an_unprinted_date_needs_notes_and_a_url_or_a_reason(data_copy, tmp_path):
    article = tmp_path / "undated.txt"
    article.write_text("Fictional test text with no date in it at all.\n", encoding="utf-8")
    with pytest.raises(curate.CurationError, match="--notes"):
        curate.register(article, "Test", "2022-03-04", url="https://x.org", data_dir=data_copy)
    with pytest.raises(curate.CurationError, match="--url"):
        curate.register(FICTIONAL, "Test", "2021-05-12", data_dir=data_copy)
    done = curate.register(
        article,
        "Test",
        "2022-03-04",
        notes="Dated from the outlet's archive page (test).",
        data_dir=data_copy,
    )
    assert done.row["published_basis"] == "inferred"
    assert done.row["document"] == "undated.txt"  # no --articles: stays where it is
    assert sources(data_copy)[done.row["source_id"]]["url"] == ""


def test_register_takes_a_captions_date_for_no_printed_date(data_copy, tmp_path):
    """A date only a photo caption prints dates the photo: registered with it, the article
    is no printed date; the message names the caption's date as evidence for the notes."""
    article = tmp_path / "captioned.txt"
    article.write_text(
        "Officials meet in Erbil on July 20, 2020. Photo: Fixture Outlet\n\n"
        "Fictional test text: talks began on Monday.\n",
        encoding="utf-8",
    )
    with pytest.raises(curate.CurationError, match="its photo captions date 2020-07-20"):
        curate.register(article, "Test", "2020-07-20", url="https://x.org", data_dir=data_copy)
    done = curate.register(
        article, "Test", "2020-07-20", url="https://x.org", data_dir=data_copy, dry_run=True,
        notes="The caption dates the meeting; Monday (test).",
    )  # fmt: skip
    assert done.row["published_basis"] == "inferred"


def test_register_dry_run_writes_nothing(data_copy, tmp_path):
    before = (data_copy / "sources.csv").read_bytes()
    (tmp_path / "new-articles").mkdir()
    done = curate.register(
        FICTIONAL,
        "Test Outlet",
        "2021-05-12",
        url="https://example.org/f",
        data_dir=data_copy,
        articles=tmp_path / "new-articles",
        dry_run=True,
    )
    assert done.row["published_basis"] == "printed"
    assert (data_copy / "sources.csv").read_bytes() == before
    assert list((tmp_path / "new-articles").iterdir()) == []


def test_source_ids_of_one_outlet_and_day_get_a_suffix():
    taken = {"rudaw-2021-05-22", "rudaw-2021-05-22-2"}
    assert curate.source_id_for("Rudaw", date(2021, 5, 22), taken) == "rudaw-2021-05-22-3"
    assert curate.source_id_for("Al-Monitor ", date(2021, 5, 22)) == "al-monitor-2021-05-22"


# --------------------------------------------------------------------------------------
# next-id


def _ids(pkg: Path, table: str, column: str) -> list[str]:
    with (pkg / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        return [r[column] for r in csv.DictReader(f)]


def test_next_id_is_one_above_the_highest_ever_used(data_copy, cli_command):
    done = run(cli_command, "next-id", "--data-dir", data_copy)
    shown = dict(line.split() for line in done.stdout.splitlines())
    for table, column, prefix in (
        ("incidents", "incident_id", "I"),
        ("coordination", "step_id", "K"),
        ("claims", "claim_id", "C"),
    ):
        top = max(int(i[1:]) for i in _ids(data_copy, table, column))
        assert int(shown[table][1:]) == top + 1 and shown[table][0] == prefix
    assert run(cli_command, "next-id", "claims", "--data-dir", data_copy).stdout == (
        shown["claims"] + "\n"
    )


def test_retired_ids_are_never_reused_and_numbers_grow_past_99(data_copy):
    descriptor = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["retired_ids"] = {"incidents": ["I99"]}
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert curate.next_ids(data_copy)["incidents"] == "I100"


# --------------------------------------------------------------------------------------
# date


def test_date_command_resolves_against_a_source_and_forward(data_copy, cli_command):
    source_id, row = next(iter(sources(data_copy).items()))
    published = date.fromisoformat(row["published"])
    done = run(
        cli_command, "date", "the day before", "--source", source_id, "--data-dir", data_copy
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "date_start,date_end,date_precision,date_phrase"
    day = date.fromordinal(published.toordinal() - 1).isoformat()
    assert lines[1] == f"{day},{day},day,the day before"
    ahead = run(cli_command, "date", "next week", "--published", "2021-05-22", "--forward")
    assert ahead.stdout.splitlines()[1] == "2021-05-24,2021-05-30,week,next week"
    bad = run(cli_command, "date", "recently", "--published", "2021-05-22", check=False)
    assert bad.returncode == 2 and "date_basis 'inferred'" in bad.stderr
    neither = run(cli_command, "date", "on Sunday", check=False)
    assert neither.returncode == 2 and "--published" in neither.stderr


# --------------------------------------------------------------------------------------
# A sixth article, added as docs/curating.md says


@pytest.fixture
def sixth(data_copy, tmp_path, articles_dir, cli_command) -> dict:
    """The shipped package plus the fictional article, added with the documented commands."""
    articles = tmp_path / "articles"
    shutil.copytree(articles_dir, articles)
    source_id = run(
        cli_command,
        "register",
        FICTIONAL,
        "--outlet",
        "Test Outlet",
        "--published",
        "2021-05-12",
        "--url",
        "https://example.org/fictional-test-article",
        "--headline",
        "Gunmen strike federal police twice near Daquq",
        "--dateline",
        "Kirkuk",
        "--data-dir",
        data_copy,
        "--articles",
        articles,
    ).stdout.strip()
    ids = dict(
        line.split()
        for line in run(cli_command, "next-id", "--data-dir", data_copy).stdout.split("\n")
        if line
    )
    i1 = ids["incidents"]
    i2 = f"I{int(i1[1:]) + 1:0{len(i1) - 1}d}"

    def when(*phrases, forward=False):
        args = ["date", *phrases, "--source", source_id, "--data-dir", data_copy]
        out = run(cli_command, *args, *(["--forward"] if forward else [])).stdout
        rows = list(csv.DictReader(out.splitlines()))
        return {r["date_phrase"]: r for r in rows}

    d = when("Monday night", "Tuesday afternoon", "this week")
    plan = when("on Sunday", forward=True)["on Sunday"]

    if "daquq" not in _ids(data_copy, "places", "place_id"):
        curate.append_rows(
            data_copy / "places.csv",
            [
                {
                    "place_id": "daquq",
                    "name": "Daquq",
                    "kind": "town",
                    "district": "Daquq",
                    "province": "Kirkuk",
                    "lat": "35.1367",
                    "lon": "44.4486",
                    "disputed": "true",
                    "notes": "Town centre (test fixture).",
                }
            ],
        )
    common = {"place_id": "daquq", "geo_precision": "2", "perpetrator": "unknown"}
    curate.append_rows(
        data_copy / "incidents.csv",
        [
            {
                "incident_id": i1,
                "date_start": d["Monday night"]["date_start"],
                "date_end": d["Monday night"]["date_end"],
                "date_precision": d["Monday night"]["date_precision"],
                "date_phrase": "Monday night",
                "date_basis": "phrase",
                "event_type": "armed_assault",
                "target": "federal_police",
                "summary": "Gunmen attacked a federal police checkpoint near Daquq (fictional).",
                "source_id": source_id,
                **common,
            },
            {
                "incident_id": i2,
                "date_start": d["Tuesday afternoon"]["date_start"],
                "date_end": d["Tuesday afternoon"]["date_end"],
                "date_precision": d["Tuesday afternoon"]["date_precision"],
                "date_phrase": "Tuesday afternoon",
                "date_basis": "phrase",
                "event_type": "explosive_device",
                "target": "federal_police",
                "summary": "A roadside bomb hit a federal police patrol (fictional).",
                "source_id": source_id,
                **common,
            },
        ],
    )
    fig = {"source_id": source_id, "party": "federal_police"}
    curate.append_rows(
        data_copy / "casualties.csv",
        [
            {
                "incident_id": i1,
                "outcome": "killed",
                "best": "2",
                "low": "2",
                "high": "2",
                "evidence": "Two federal police officers were killed",
                **fig,
            },
            {
                "incident_id": i1,
                "outcome": "wounded",
                "best": "3",
                "low": "3",
                "high": "3",
                "evidence": "three others wounded when gunmen attacked a checkpoint",
                **fig,
            },
            {
                "incident_id": i2,
                "outcome": "killed",
                "best": "3",
                "low": "3",
                "high": "3",
                "evidence": "a federal police patrol south of Daquq, killing three",
                **fig,
            },
        ],
    )
    # The article's running total (4) is smaller than its two attacks (2 + 3): recorded.
    curate.append_rows(
        data_copy / "claims.csv",
        [
            {
                "claim_id": ids["claims"],
                "period_start": d["this week"]["date_start"],
                "period_end": d["this week"]["date_end"],
                "claimant": "A police source (via Test Outlet)",
                "metric": "killed",
                "party": "federal_police",
                "best": "4",
                "low": "4",
                "high": "4",
                "place_id": "kirkuk-province",
                "source_id": source_id,
                "evidence": "bring to four the number of federal police officers killed",
                "overlaps": f"{i1};{i2}",
                "period_phrase": "this week",
                "date_basis": "phrase",
            }
        ],
    )
    curate.append_rows(
        data_copy / "coordination.csv",
        [
            {
                "step_id": ids["coordination"],
                "date_start": plan["date_start"],
                "date_end": plan["date_end"],
                "date_precision": plan["date_precision"],
                "date_phrase": "on Sunday",
                "date_basis": "phrase",
                "kind": "meeting",
                "status": "planned",
                "parties": "peshmerga;iraqi_army",
                "place_id": "kirkuk-province",
                "summary": "Peshmerga and Iraqi army officers are to meet in Kirkuk (fictional).",
                "source_id": source_id,
                "evidence": "will meet in Kirkuk on Sunday to discuss a joint coordination room",
            }
        ],
    )
    return {
        "data": data_copy,
        "articles": articles,
        "source_id": source_id,
        "incidents": (i1, i2),
        "claim": ids["claims"],
        "step": ids["coordination"],
    }


def test_the_sixth_article_passes_the_audit(sixth, cli_command):
    done = run(cli_command, "validate", sixth["data"], "--articles", sixth["articles"])
    assert "valid and audited" in done.stdout


def test_the_sixth_article_with_a_word_changed_fails_on_its_line(sixth, cli_command):
    path = sixth["data"] / "casualties.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "Two federal police officers were killed" in lines[-3]
    lines[-3] = lines[-3].replace("Two federal police", "Two federal army")
    path.write_text("".join(lines), encoding="utf-8")
    done = run(cli_command, "validate", sixth["data"], "--articles", sixth["articles"], check=False)
    assert done.returncode == 2
    assert done.stdout.startswith(f"casualties.csv:{len(lines) - 2}: evidence: ")


def test_the_sixth_article_in_the_analyses(sixth):
    from kirkuk_analysis import analysis, load, report

    ds = load(sixth["data"])
    i1, i2 = sixth["incidents"]
    table = analysis.incident_table(ds).set_index("incident_id")
    assert table.loc[i1, "killed"] == 2 and table.loc[i1, "wounded"] == 3
    assert table.loc[i2, "killed"] == 3 and str(table.loc[i1, "province"]) == "Kirkuk"
    may = analysis.select(ds, "2021-05-01", "2021-05-31", provinces="Kirkuk")
    assert {i1, i2} <= set(may.incidents.incident_id)
    assert sixth["step"] in set(may.coordination.step_id)
    step = ds.coordination.set_index("step_id").loc[sixth["step"]]
    assert step.date_start.date() == date(2021, 5, 16)  # "on Sunday", announced on a Wednesday
    summary = analysis.claims_summary(ds).set_index("claim_id")
    claim = summary.loc[sixth["claim"]]
    assert claim.incident_figure == 5 and claim.contradiction  # recorded and flagged
    claims = report.claims_table(may).set_index("ID")
    assert "contradict" in claims.loc[sixth["claim"], "Includes"]
    assert "1 claim gives a total smaller than the incidents" in report.method_note(may)


@pytest.mark.slow
def test_a_notebook_runs_on_the_sixth_article(sixth, tmp_path, repo_root):
    import papermill

    from kirkuk_analysis.brief import _kernel_name

    out = tmp_path / "attacks.ipynb"
    papermill.execute_notebook(
        str(repo_root / "notebooks" / "attacks_timeline.ipynb"),
        str(out),
        parameters={
            "start": "2021-05-01",
            "end": "2021-05-31",
            "provinces": ["Kirkuk"],
            "data_dir": str(sixth["data"]),
        },
        kernel_name=_kernel_name(),
        progress_bar=False,
    )
    text = out.read_text(encoding="utf-8")
    for iid in sixth["incidents"]:
        assert iid in text
    assert "Daquq" in text


# --------------------------------------------------------------------------------------
# What register refuses, and what it never leaves behind


@pytest.mark.parametrize(
    "content,published,match",
    [
        (b"", "2021-05-12", "holds no text"),
        (b"  \n\n", "2021-05-12", "holds no text"),
        (b"May 12, 2021\x00binary", "2021-05-12", "NUL"),
        (b"May 12, 2021 \x92quoted\x92", "2021-05-12", "not UTF-8"),
        (b"Published May 12, 2099", "2099-05-12", "in the future"),
        (b"May 12, 2021", "12/05/2021", "not a date"),
    ],
)
def test_register_refuses_what_is_not_an_article(data_copy, tmp_path, content, published, match):
    article = tmp_path / "a.txt"
    article.write_bytes(content)
    before = (data_copy / "sources.csv").read_bytes()
    with pytest.raises(curate.CurationError, match=match):
        curate.register(article, "Test", published, url="https://x.org/a", data_dir=data_copy)
    assert (data_copy / "sources.csv").read_bytes() == before


def test_register_refuses_rows_validate_would_reject(data_copy, tmp_path):
    md = tmp_path / "story.md"
    md.write_text("May 12, 2021\n", encoding="utf-8")
    with pytest.raises(curate.CurationError, match=r"ends in \.txt"):
        curate.register(md, "Test", "2021-05-12", url="https://x.org/a", data_dir=data_copy)
    with pytest.raises(curate.CurationError, match="not an address"):
        curate.register(FICTIONAL, "Test", "2021-05-12", url="not a url", data_dir=data_copy)
    with pytest.raises(curate.CurationError, match="no such folder"):
        curate.register(
            FICTIONAL,
            "Test",
            "2021-05-12",
            url="https://x.org/a",
            data_dir=data_copy,
            articles=tmp_path / "typo",
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("outlet", "Ru\x01daw"),
        ("headline", "two\rlines"),
        ("notes", "a\x00b"),
        ("dateline", "\x1b[2J"),
    ],
)
def test_register_refuses_control_characters_the_loader_would_reject(
    data_copy, tmp_path, field, value
):
    before = (data_copy / "sources.csv").read_bytes()
    fields = {"outlet": "Test", "url": "https://x.org/a", field: value}
    with pytest.raises(curate.CurationError, match=f"--{field} .* holds the control character"):
        curate.register(FICTIONAL, published="2021-05-12", data_dir=data_copy, **fields)
    assert (data_copy / "sources.csv").read_bytes() == before


def test_register_refuses_text_in_another_encoding_and_a_non_web_url(data_copy, tmp_path):
    before = (data_copy / "sources.csv").read_bytes()
    articles = tmp_path / "articles"
    articles.mkdir()
    with pytest.raises(curate.CurationError, match="lone surrogate"):
        curate.register(FICTIONAL, "a\udcffb", "2021-05-12", notes="n", data_dir=data_copy,
                        articles=articles)  # fmt: skip
    with pytest.raises(curate.CurationError, match="pattern for addresses"):
        curate.register(FICTIONAL, "Test", "2021-05-12", url="javascript:alert(1)",
                        data_dir=data_copy, articles=articles)  # fmt: skip
    assert (data_copy / "sources.csv").read_bytes() == before
    assert list(articles.iterdir()) == []  # no copy left behind


def test_next_id_refuses_a_table_it_cannot_read_rightly(data_copy, cli_command):
    import os

    incidents = data_copy / "incidents.csv"
    original = incidents.read_bytes()
    incidents.write_bytes(b"\xef\xbb\xbf" * 2 + original)  # a BOM, then one more
    with pytest.raises(curate.CurationError, match="no incident_id column"):
        curate.next_ids(data_copy)
    incidents.write_bytes(original)
    (data_copy / "claims.csv").unlink()
    os.mkfifo(data_copy / "claims.csv")  # reading it would block forever
    done = subprocess.run(
        [*cli_command, "next-id", "--data-dir", str(data_copy)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "not a regular file" in done.stderr, done.stderr


def test_register_takes_a_timestamp_and_refuses_the_same_text_reformatted(data_copy, tmp_path):
    import pandas as pd

    articles = tmp_path / "articles"
    articles.mkdir()
    done = curate.register(
        FICTIONAL,
        "Test Outlet",
        pd.Timestamp("2021-05-12"),
        url="https://x.org/a",
        data_dir=data_copy,
        articles=articles,
    )
    assert done.row["published"] == "2021-05-12" and done.row["published_basis"] == "printed"
    crlf = tmp_path / "same.txt"
    crlf.write_bytes(b"\xef\xbb\xbf" + FICTIONAL.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(curate.CurationError, match="already registered"):
        curate.register(
            crlf,
            "Other",
            "2021-05-12",
            url="https://x.org/b",
            data_dir=data_copy,
            articles=articles,
        )


def test_register_leaves_no_copy_when_the_row_cannot_be_written(data_copy, tmp_path, monkeypatch):
    articles = tmp_path / "articles"
    articles.mkdir()

    def fail(path, rows):
        raise curate.CurationError(f"cannot write {path}: disk full (simulated)")

    monkeypatch.setattr(curate, "append_rows", fail)
    with pytest.raises(curate.CurationError, match="disk full"):
        curate.register(
            FICTIONAL,
            "Test",
            "2021-05-12",
            url="https://x.org/a",
            data_dir=data_copy,
            articles=articles,
        )
    assert list(articles.iterdir()) == []


def test_a_broken_package_is_a_message_not_a_traceback(data_copy, cli_command):
    (data_copy / "claims.csv").unlink()
    done = run(cli_command, "next-id", "--data-dir", data_copy, check=False)
    assert done.returncode == 2 and "claims.csv: missing file" in done.stderr
    assert "Traceback" not in done.stderr
    (data_copy / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    for args in (["next-id"], ["date", "on Monday", "--source", "x"]):
        done = run(cli_command, *args, "--data-dir", data_copy, check=False)
        assert done.returncode == 2 and "datapackage.json cannot be read" in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("retired", ['"I13"', '["I20"]', '{"incidents": ["I20", 21]}'])
def test_malformed_retired_ids_are_refused_by_next_id_and_validate(data_copy, cli_command, retired):
    descriptor = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["retired_ids"] = json.loads(retired)
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    done = run(cli_command, "next-id", "--data-dir", data_copy, check=False)
    assert done.returncode == 2 and "retired_ids" in done.stderr
    done = run(cli_command, "validate", data_copy, check=False)
    assert done.returncode == 2 and "datapackage.json:1: retired_ids: " in done.stdout


def test_date_refuses_a_source_dated_only_to_the_month(data_copy, tmp_path, cli_command):
    article = tmp_path / "month.txt"
    article.write_text("Fictional test text, undated.\n", encoding="utf-8")
    row = curate.register(
        article,
        "Test",
        "2021-05-01",
        published_precision="month",
        url="https://x.org/m",
        notes="Only the month is known (test).",
        data_dir=data_copy,
    ).row
    done = run(
        cli_command,
        "date",
        "yesterday",
        "--source",
        row["source_id"],
        "--data-dir",
        data_copy,
        check=False,
    )
    assert done.returncode == 2 and "only to the month" in done.stderr


def test_register_dry_run_prints_the_row(data_copy, cli_command):
    before = (data_copy / "sources.csv").read_bytes()
    done = run(
        cli_command,
        "register",
        FICTIONAL,
        "--outlet",
        "Test Outlet",
        "--published",
        "2021-05-12",
        "--url",
        "https://example.org/f",
        "--data-dir",
        data_copy,
        "--dry-run",
    )
    (row,) = list(csv.DictReader(done.stdout.splitlines()))
    header = next(csv.reader((data_copy / "sources.csv").open(encoding="utf-8")))
    assert list(row) == header
    assert row["source_id"] == "test-outlet-2021-05-12" and row["published_basis"] == "printed"
    assert (data_copy / "sources.csv").read_bytes() == before


def test_without_data_dir_the_commands_say_they_read_the_shipped_package(data_copy, cli_command):
    """A curator of a copy who forgets --data-dir learns it from the message: next-id
    names the package whose ids it gives (on stderr, its stdout unchanged), and an unknown
    source names the sources.csv it was looked for in."""
    from kirkuk_analysis import _paths

    shipped = run(cli_command, "next-id", "incidents")
    assert "shipped data package" in shipped.stderr and str(_paths.data_dir()) in shipped.stderr
    assert shipped.stdout.strip() and "\n" not in shipped.stdout.strip()
    copy = run(cli_command, "next-id", "incidents", "--data-dir", data_copy)
    assert copy.stderr == ""
    missing = run(cli_command, "date", "on Monday", "--source", "no-such-source", check=False)
    assert missing.returncode == 2
    assert (
        str(_paths.data_dir() / "sources.csv") in missing.stderr and "--data-dir" in missing.stderr
    )
