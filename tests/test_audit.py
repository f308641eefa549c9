"""The audit against the articles, on broken copies of the package and of the articles.

Each test breaks one thing in a copy and checks that the audit names it as
``FILE:LINE: COLUMN: reason`` (the physical CSV line), through the CLI or the library. Rows
are picked by what they are (the first casualty row, a dated row with a phrase), never by
today's ids, so a correct new article keeps these tests meaningful.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from kirkuk_analysis import analysis, audit, load

pytestmark = pytest.mark.usefixtures("articles_dir")


# --------------------------------------------------------------------------------------
# Helpers: read and write a copy with the csv module, tracking physical lines.


def rows_with_lines(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        out, previous = [], 1
        for row in reader:
            out.append((previous + 1, row))
            previous = reader.line_num
        return list(reader.fieldnames), out


def write(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit(pkg: Path, table: str, pick, change) -> int:
    """Apply ``change(row)`` to the first row of ``table`` for which ``pick(row)`` holds;
    return its physical line."""
    path = pkg / f"{table}.csv"
    header, rows = rows_with_lines(path)
    for line, row in rows:
        if pick(row):
            change(row)
            write(path, header, [r for _, r in rows])
            return line
    pytest.skip(f"no row of {table} fits this test")


@pytest.fixture
def articles_copy(tmp_path, articles_dir) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(articles_dir, target)
    return target


def article_text(articles: Path, pkg: Path, source_id: str) -> str:
    with (pkg / "sources.csv").open(newline="", encoding="utf-8") as f:
        document = next(r["document"] for r in csv.DictReader(f) if r["source_id"] == source_id)
    return audit.normalise((articles / document).read_text(encoding="utf-8"))


def one_word_changed(excerpt: str, article: str) -> str:
    """``excerpt`` with one word replaced so that it is no longer in ``article``."""
    words = excerpt.split()
    for i in range(len(words) // 2, len(words)):
        for new in ("elephant", "nine", "Tuesday"):
            changed = " ".join(words[:i] + [new] + words[i + 1 :])
            if audit.normalise(changed) not in article:
                return changed
    raise AssertionError(f"cannot change one word of {excerpt!r}")


def validate(cli_command, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*cli_command, "validate", *map(str, args)], capture_output=True, text=True, check=False
    )


# --------------------------------------------------------------------------------------
# Evidence


@pytest.mark.parametrize("table", ["casualties", "coordination", "claims"])
def test_an_excerpt_changed_by_one_word_is_named_by_file_line_and_column(
    table, data_copy, articles_copy, cli_command
):
    def change(row):
        text = article_text(articles_copy, data_copy, row["source_id"])
        row["evidence"] = one_word_changed(row["evidence"], text)

    line = edit(data_copy, table, lambda r: len(r["evidence"].split()) >= 3, change)
    run = validate(cli_command, data_copy, "--articles", articles_copy)
    assert run.returncode == 2, run.stdout + run.stderr
    assert re.search(
        rf"^{table}\.csv:{line}: evidence: not verbatim in the article", run.stdout, re.M
    ), run.stdout
    assert len(run.stdout.splitlines()) == 1, run.stdout  # nothing else is reported


def test_white_space_and_curly_quotes_do_not_matter(data_copy, articles_copy):
    def change(row):
        words = row["evidence"].split(" ")
        row["evidence"] = "  ".join(words[:2]) + "\n" + " ".join(words[2:])

    edit(data_copy, "casualties", lambda r: len(r["evidence"].split()) >= 3, change)
    assert audit.audit(data_copy, articles_copy) == []


def _reference_rows(checker: Path, data: Path, articles: Path) -> set[str]:
    run = subprocess.run(
        [sys.executable, str(checker), str(data), str(articles)],
        capture_output=True,
        text=True,
        check=False,
    )
    return set(re.findall(r"^\s+- (\w+\.csv:\d+):", run.stdout, re.M))


def test_the_audit_flags_the_same_rows_as_the_shared_checker(
    data_copy, articles_copy, evidence_checker
):
    """One break of each kind the reference knows: a changed word, a too-short excerpt, an
    excerpt under the wrong source, an article that is gone."""
    edit(
        data_copy,
        "casualties",
        lambda r: len(r["evidence"].split()) >= 3,
        lambda r: r.update(
            evidence=one_word_changed(
                r["evidence"], article_text(articles_copy, data_copy, r["source_id"])
            )
        ),
    )
    # long enough for the loader's minLength, too short once white space is folded
    too_short = "too" + " " * 12 + "short"
    edit(data_copy, "coordination", lambda r: True, lambda r: r.update(evidence=too_short))
    with (data_copy / "sources.csv").open(newline="", encoding="utf-8") as f:
        sources = list(csv.DictReader(f))
    if len(sources) < 3:
        pytest.skip("needs three sources")
    first, second, gone = sources[0], sources[1], sources[2]

    def wrong_source(row):
        row["source_id"] = second["source_id"]

    def excerpt_not_in_second(row):
        return row["source_id"] == first["source_id"] and audit.normalise(
            row["evidence"]
        ) not in article_text(articles_copy, data_copy, second["source_id"])

    edit(data_copy, "claims", excerpt_not_in_second, wrong_source)
    (articles_copy / gone["document"]).unlink()

    ours = {
        f"{p.file}:{p.line}"
        for p in audit.audit(data_copy, articles_copy)
        if p.column in ("evidence", "source_id")
    }
    assert ours == _reference_rows(evidence_checker, data_copy, articles_copy)
    assert len(ours) >= 4


# --------------------------------------------------------------------------------------
# Sources: files, hashes, printed dates


def test_an_article_that_changed_fails_its_hash(data_copy, articles_copy):
    with (data_copy / "sources.csv").open(newline="", encoding="utf-8") as f:
        document = next(csv.DictReader(f))["document"]
    with (articles_copy / document).open("a", encoding="utf-8") as f:
        f.write("\nA line added after the rows were coded.\n")
    problems = [str(p) for p in audit.audit(data_copy, articles_copy)]
    assert problems == [p for p in problems if p.startswith("sources.csv:2: sha256: ")]
    assert len(problems) == 1 and document in problems[0]


def test_a_missing_article_is_named_and_its_rows_cannot_be_checked(data_copy, articles_copy):
    with (data_copy / "sources.csv").open(newline="", encoding="utf-8") as f:
        source = next(csv.DictReader(f))
    (articles_copy / source["document"]).unlink()
    problems = audit.audit(data_copy, articles_copy)
    assert any(p.file == "sources.csv" and p.column == "document" for p in problems)
    assert all(p.column in ("document", "source_id") for p in problems)
    assert any("has no readable article" in p.reason for p in problems)


def test_a_date_marked_printed_must_be_printed_in_the_article(data_copy, articles_copy):
    from kirkuk_analysis.dates import printed_dates

    def not_printed(row):
        text = (articles_copy / row["document"]).read_text(encoding="utf-8")
        return date.fromisoformat(row["published"]) not in printed_dates(text)

    line = edit(data_copy, "sources", not_printed, lambda r: r.update(published_basis="printed"))
    problems = [str(p) for p in audit.audit(data_copy, articles_copy)]
    assert any(p.startswith(f"sources.csv:{line}: published: ") for p in problems), problems


def test_printed_dates_in_other_outlets_forms_are_recognised(data_copy, articles_copy):
    """The same article, its printed date rewritten in each form outlets use."""
    import hashlib

    def printed(row):
        return row["published_basis"] == "printed"

    header, rows = rows_with_lines(data_copy / "sources.csv")
    row = next((r for _, r in rows if printed(r)), None)
    if row is None:
        pytest.skip("no source with a printed date")
    from kirkuk_analysis.dates import printed_dates

    day = date.fromisoformat(row["published"])
    path = articles_copy / row["document"]
    stripped = path.read_text(encoding="utf-8")
    for form in (f"{day:%d-%m-%Y}", day.isoformat(), f"{day:%B} {day.day}, {day.year}"):
        stripped = stripped.replace(form, "")
    assert day not in printed_dates(stripped)
    for printed_form in (
        f"{day:%d-%m-%Y}",
        day.isoformat(),
        f"{day:%B} {day.day}, {day.year}",
        f"{day.day} {day:%B} {day.year}",
    ):
        path.write_text(f"Published {printed_form}\n{stripped}", encoding="utf-8")
        row["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        write(data_copy / "sources.csv", header, [r for _, r in rows])
        problems = [p for p in audit.audit(data_copy, articles_copy) if p.file == "sources.csv"]
        assert problems == [], (printed_form, problems)
    path.write_text(stripped, encoding="utf-8")
    row["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    write(data_copy / "sources.csv", header, [r for _, r in rows])
    problems = [p.column for p in audit.audit(data_copy, articles_copy) if p.file == "sources.csv"]
    assert problems == ["published"]


# --------------------------------------------------------------------------------------
# Dates re-derived from their phrases


def _phrase_row(row) -> bool:
    return row["date_basis"] == "phrase" and row.get("status", "") != "planned"


def test_a_date_that_its_phrase_does_not_give_is_named(data_copy, cli_command, articles_copy):
    def shift(row):
        row["date_start"] = (date.fromisoformat(row["date_start"]) - timedelta(days=1)).isoformat()

    line = edit(data_copy, "incidents", _phrase_row, shift)
    run = validate(cli_command, data_copy, "--articles", articles_copy)
    assert run.returncode == 2
    assert re.search(rf"^incidents\.csv:{line}: date_start: .* gives: \d{{4}}-", run.stdout, re.M)


def test_without_articles_validate_says_the_audit_was_not_run(data_copy, cli_command):
    run = validate(cli_command, data_copy)
    assert run.returncode == 0
    assert "audit against the articles" in run.stderr and "not run" in run.stderr
    assert "--articles" in run.stderr


def test_a_planned_step_resolves_forward_and_only_a_planned_one(data_copy):
    def planned_phrase(row):
        return row["status"] == "planned" and row["date_basis"] == "phrase"

    ds_problems = audit.check_dates(load(data_copy))
    assert ds_problems == []
    line = edit(data_copy, "coordination", planned_phrase, lambda r: r.update(status="agreed"))
    problems = audit.check_dates(load(data_copy))
    # read backwards, a weekday or "this week" said of a plan lands elsewhere or after publication
    assert problems and {p.line for p in problems} == {line}


def test_an_unresolvable_phrase_and_an_unexplained_inferred_date(data_copy):
    line_a = edit(data_copy, "incidents", _phrase_row, lambda r: r.update(date_phrase="recently"))
    line_b = edit(
        data_copy,
        "coordination",
        lambda r: r["date_basis"] == "phrase",
        lambda r: r.update(date_basis="inferred", notes=""),
    )
    problems = [str(p) for p in audit.check_dates(load(data_copy))]
    assert any(
        p.startswith(f"incidents.csv:{line_a}: date_phrase: no rule resolves") for p in problems
    )
    assert f"coordination.csv:{line_b}: notes: date_basis is 'inferred', so notes must say " in (
        "\n".join(problems)
    )


def test_an_inferred_date_with_notes_is_not_re_derived(data_copy):
    def change(row):
        row["date_basis"] = "inferred"
        row["notes"] = "Date from another report (test)."
        row["date_start"] = (date.fromisoformat(row["date_start"]) - timedelta(days=1)).isoformat()
        row["date_precision"] = "week"

    edit(data_copy, "incidents", lambda r: _phrase_row(r) and r["date_precision"] == "day", change)
    assert audit.check_dates(load(data_copy)) == []


def test_an_event_after_its_article_is_named(data_copy):
    def later(row):
        after = date.fromisoformat(row["date_end"]) + timedelta(days=400)
        row.update(date_start=after.isoformat(), date_end=after.isoformat(), date_precision="day")
        row.update(date_basis="inferred", notes="test")

    line = edit(data_copy, "incidents", lambda r: True, later)
    problems = [str(p) for p in audit.check_dates(load(data_copy))]
    assert any(
        p.startswith(f"incidents.csv:{line}: date_end: ") and "after its article" in p
        for p in problems
    )


# --------------------------------------------------------------------------------------
# Claims and overlaps


def _claim_with_incidents(ds):
    s = analysis.claims_summary(ds)
    s = s[s.incident_figure.notna() & (s.incident_figure > 1)]
    if s.empty:
        pytest.skip("no claim overlaps incidents with figures")
    return s.iloc[0]


def _contradictions(ds) -> set[str]:
    s = analysis.claims_summary(ds)
    return set(s.claim_id[s.contradiction])


def test_a_claim_smaller_than_its_incidents_is_recorded_and_flagged(data_copy):
    before = load(data_copy)
    claim = _claim_with_incidents(before)
    smaller = str(int(claim.incident_figure) - 1)
    edit(
        data_copy,
        "claims",
        lambda r: r["claim_id"] == claim.claim_id,
        lambda r: r.update(best=smaller, low=smaller, high=smaller),
    )
    ds = load(data_copy)
    assert audit.check_overlaps(ds) == []  # recorded, not rejected
    summary = analysis.claims_summary(ds).set_index("claim_id")
    assert summary.loc[claim.claim_id, "contradiction"]
    assert summary.loc[claim.claim_id, "beyond_incidents"] == -1
    assert _contradictions(ds) == _contradictions(before) | {claim.claim_id}


def test_an_open_ended_claim_contradicts_nothing(data_copy):
    before = load(data_copy)
    claim = _claim_with_incidents(before)
    smaller = str(int(claim.incident_figure) - 1)
    edit(
        data_copy,
        "claims",
        lambda r: r["claim_id"] == claim.claim_id,
        lambda r: r.update(best=smaller, low=smaller, high=""),  # "at least N"
    )
    assert claim.claim_id not in _contradictions(load(data_copy))


def test_overlaps_that_name_the_wrong_incidents_or_leave_one_out(data_copy):
    ds = load(data_copy)
    figures = analysis.claim_figures(ds)
    claim = _claim_with_incidents(ds)
    listed = str(claim.overlaps).split(";")
    outcomes = analysis.CLAIM_OUTCOMES[str(claim.metric)]
    cas = ds.casualties
    other_parties = sorted(
        set(cas.incident_id[cas.outcome.isin(outcomes)])
        - set(figures.incident_id[figures.claim_id == claim.claim_id])
    )
    if not other_parties:
        pytest.skip("no incident has figures of this metric for other parties only")
    # one listed incident swapped for one whose figures are all for other parties
    new = ";".join([*listed[1:], other_parties[0]])
    line = edit(
        data_copy,
        "claims",
        lambda r: r["claim_id"] == claim.claim_id,
        lambda r: r.update(overlaps=new),
    )
    problems = [str(p) for p in audit.check_overlaps(load(data_copy))]
    assert any(
        p.startswith(f"claims.csv:{line}: overlaps: {other_parties[0]} has ")
        and "but none for" in p
        for p in problems
    ), problems
    same_article = ds.incidents.set_index("incident_id").source_id.astype(str)
    if same_article[listed[0]] == str(claim.source_id):
        assert any(
            p.startswith(
                f"claims.csv:{line}: overlaps: {listed[0]} (reported by the claim's own article"
            )
            for p in problems
        ), problems


def test_an_incident_whose_dead_are_given_only_in_the_total_may_be_listed(data_copy):
    """An article gives "four killed in the two blasts": the blasts have no figure of their
    own, and the claim may still name them."""
    ds = load(data_copy)
    claim = _claim_with_incidents(ds)
    outcomes = analysis.CLAIM_OUTCOMES[str(claim.metric)]
    without = ds.incidents[
        ~ds.incidents.incident_id.isin(
            ds.casualties.incident_id[ds.casualties.outcome.isin(outcomes)]
        )
    ]
    end = claim.period_end
    start = claim.period_start
    without = without[(without.date_start <= end) & (pd.isna(start) | (without.date_end >= start))]
    if not pd.isna(claim.place_id):
        province = ds.places.set_index("place_id").province.astype(str)
        without = without[without.place_id.map(province) == province[claim.place_id]]
    if without.empty:
        pytest.skip("no incident without figures fits this claim")
    iid = without.incident_id.iloc[0]
    edit(
        data_copy,
        "claims",
        lambda r: r["claim_id"] == claim.claim_id,
        lambda r: r.update(overlaps=f"{r['overlaps']};{iid}"),
    )
    assert audit.check_overlaps(load(data_copy)) == []


def test_a_claim_that_counts_no_casualties_lists_no_incidents(data_copy):
    ds = load(data_copy)
    iid = ds.incidents.incident_id.iloc[0]
    line = edit(
        data_copy,
        "claims",
        lambda r: r["metric"] in ("gap_width_km", "attacks", "attacks_claimed"),
        lambda r: r.update(overlaps=iid),
    )
    problems = [str(p) for p in audit.check_overlaps(load(data_copy))]
    assert [p for p in problems if p.startswith(f"claims.csv:{line}: overlaps: a ")], problems


def test_an_audit_of_a_package_that_does_not_load_raises_its_problems(data_copy, articles_copy):
    from kirkuk_analysis import DataValidationError

    edit(data_copy, "incidents", lambda r: True, lambda r: r.update(date_start="not a date"))
    with pytest.raises(DataValidationError):
        audit.audit(data_copy, articles_copy)


def test_an_incident_listed_twice_in_overlaps(data_copy):
    claim = _claim_with_incidents(load(data_copy))
    first = str(claim.overlaps).split(";")[0]
    line = edit(
        data_copy,
        "claims",
        lambda r: r["claim_id"] == claim.claim_id,
        lambda r: r.update(overlaps=f"{r['overlaps']};{first}"),
    )
    problems = [str(p) for p in audit.check_overlaps(load(data_copy))]
    assert f"claims.csv:{line}: overlaps: lists {first} more than once" in problems


def test_a_retired_id_is_not_used_again(data_copy):
    import json

    first = load(data_copy).incidents.incident_id.iloc[0]
    descriptor = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["retired_ids"] = {"incidents": [first]}
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    problems = [str(p) for p in audit.check_ids(load(data_copy))]
    assert len(problems) == 1 and problems[0].startswith(f"incidents.csv:2: incident_id: {first}")


def test_a_phrase_needs_a_source_dated_to_the_day(data_copy):
    with (data_copy / "incidents.csv").open(newline="", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if _phrase_row(r))
    edit(
        data_copy,
        "sources",
        lambda r: r["source_id"] == row["source_id"],
        lambda r: r.update(published_precision="month"),
    )
    problems = audit.check_dates(load(data_copy))
    assert problems and all(p.column == "date_basis" for p in problems)
    assert "dated only to the month" in problems[0].reason


def test_a_publication_date_in_the_future(data_copy, articles_copy):
    line = edit(data_copy, "sources", lambda r: True, lambda r: r.update(published="2999-01-01"))
    problems = [str(p) for p in audit.audit(data_copy, articles_copy)]
    assert f"sources.csv:{line}: published: 2999-01-01 is in the future" in problems


@pytest.mark.parametrize(
    ("outcome", "figures", "evidence", "column"),
    [
        # a total of attacks entered as a death toll: no word for killed
        ("killed", (40, 40, ""), "There have been more than 40 attacks this year", "evidence"),
        # an excerpt cut short of its verb
        ("wounded", (2, 2, 2), "two soldiers of the Iraqi army in the convoy", "evidence"),
        # a 0 the article never gives: unknown stays empty
        ("captured", (0, 0, 0), "the two attackers were arrested at dawn", "best"),
        ("killed", (3, 0, 3), "three soldiers were killed", "low"),
        # a figure the article says it does not know is unknown, not none
        ("killed", (0, 0, 0), "it was not clear how many people were killed", "best"),
    ],
)
def test_a_figure_whose_evidence_does_not_say_it_is_named(
    tmp_path, outcome, figures, evidence, column
):
    from packages import load_package

    best, low, high = figures
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[
            {"party": "civilians", "best": 1, "evidence": "a fictional villager was killed"},
            {"outcome": outcome, "best": best, "low": low, "high": high, "evidence": evidence},
        ],
    )
    problems = [str(p) for p in audit.check_figures(ds)]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"casualties.csv:3: {column}: ")
    assert ("no word for " + outcome if column == "evidence" else "never 0") in problems[0]


@pytest.mark.parametrize(
    ("outcome", "evidence"),
    [
        ("killed", "No one was killed in the blast, the police said"),
        ("wounded", "the convoy passed without injuries"),
        ("captured", "none of the attackers was arrested"),
    ],
)
def test_a_zero_the_article_gives_passes(tmp_path, outcome, evidence):
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[{"outcome": outcome, "best": 0, "low": 0, "high": 0, "evidence": evidence}],
    )
    assert audit.check_figures(ds) == []


@pytest.mark.parametrize(
    ("figures", "evidence", "column", "reason"),
    [
        # a range entered as a point, inside it or beyond it
        ((4, 3, 5), "Between three and five soldiers were killed", "best", "not a figure"),
        ((6, 6, 6), "Between three and five soldiers were killed", "low", "not a figure"),
        ((3, 3, 5), "Between three and five soldiers were killed", "best", "in the range"),
        ((None, 2, 3), "two or three soldiers were killed", None, None),
        # an "at least" closed by a high
        ((2, 2, 2), "at least two soldiers were killed", "high", "only as a floor"),
        ((40, 40, 40), "more than 40 soldiers were killed", "high", "only as a floor"),
        ((2, 2, None), "at least two soldiers were killed", None, None),
        # the same number also given exactly: not only a floor
        ((2, 2, 2), "at least two were killed in May; two soldiers were killed", None, None),
        # vague quantities: the codebook's floor, low only
        ((None, 24, None), "dozens of soldiers were killed", None, None),
        ((24, 24, None), "dozens of soldiers were killed", "best", "gives low 24 only"),
        ((None, 20, 20), "tens of soldiers were killed", "high", "only as a floor"),
        ((None, 30, None), "dozens of soldiers were killed", "low", "not a figure"),
        # digits, number words, compounds and a dozen are read alike
        ((1200, 1200, 1200), "1,200 soldiers were killed", None, None),
        ((25, 25, 25), "Twenty-five soldiers were killed", None, None),
        ((12, 12, 12), "a dozen soldiers were killed", None, None),
        ((2, 2, 2), "both soldiers were killed", None, None),
        ((6, 6, 6), "half a dozen soldiers were killed", None, None),
        ((13, 13, 13), "Twenty-five soldiers were killed", "low", "'Twenty-five'"),
        # 1 may be said by a singular alone
        ((1, 1, 1), "killed the commander of the brigade", None, None),
    ],
)
def test_a_figure_is_what_its_evidence_states(tmp_path, figures, evidence, column, reason):
    from packages import load_package

    best, low, high = figures
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[{"best": best, "low": low, "high": high, "evidence": evidence}],
    )
    problems = [str(p) for p in audit.check_figures(ds)]
    if column is None:
        assert problems == []
    else:
        assert len(problems) == 1, problems
        assert problems[0].startswith(f"casualties.csv:2: {column}: ") and reason in problems[0]


def test_an_article_published_before_its_incident_cannot_report_it(tmp_path):
    from packages import load_package

    ds = load_package(
        tmp_path,
        sources=[
            {"source_id": "later", "published": "2021-12-17"},
            {"source_id": "earlier", "published": "2021-12-08"},
        ],
        incidents=[
            {
                "incident_id": "I01",
                "source_id": "later",
                "date_start": "2021-12-14",
                "notes": "Date from the article's own account (test).",
            }
        ],  # fmt: skip
        casualties=[
            {"source_id": "later", "best": 3, "evidence": "three soldiers were killed"},
            {"source_id": "earlier", "best": 5, "evidence": "five soldiers were killed"},
        ],
    )
    problems = [str(p) for p in audit.check_dates(ds)]
    assert problems == [
        "casualties.csv:3: source_id: I01 began 2021-12-14, after earlier was published "
        "(2021-12-08): the article cannot report it; check the row's incident_id and "
        "source_id, or the dates"
    ]


@pytest.mark.parametrize(
    ("place", "said"),
    [
        # a wrong province for the point
        ({"province": "Basra"}, "lies in the Kirkuk polygon of the shipped Natural Earth"),
        # a point typed in the next governorate
        ({"lat": "34.6900"}, "lies in the Salahaddin polygon"),
        # a de jure exception that does not say so
        ({"notes": "Drawn elsewhere by the map."}, "says 'Kirkuk polygon' in notes"),
        # ... and one that does
        ({"notes": "The point lies in the Kirkuk polygon (codebook §6)."}, None),
        ({}, None),
    ],
)
def test_a_place_lies_in_its_province_or_says_where(tmp_path, place, said):
    from packages import load_package

    row = {"place_id": "kirkuk-city", "lat": "35.4681", "lon": "44.3922", "province": "Kirkuk"}
    if "notes" in place:  # the exception: a place coded by another governorate than drawn
        row["province"] = "Diyala"
    ds = load_package(tmp_path, places=[row | place], incidents=[{"incident_id": "I01"}])
    problems = [str(p) for p in audit.check_places(ds)]
    if said is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith("places.csv:2: lat: ")
        assert said in problems[0], problems


def test_a_claim_includes_the_incidents_its_article_gives_figures_for(tmp_path):
    """An article that re-reports another outlet's attack (casualty rows under its own
    source) and totals the month: its claim must list that incident too."""
    from packages import load_package

    def package(overlaps):
        return load_package(
            tmp_path / overlaps.replace(";", "-") if overlaps else tmp_path / "none",
            sources=[{"source_id": "first"}, {"source_id": "second"}],
            incidents=[{"incident_id": "I01", "source_id": "first"}],
            casualties=[
                {"source_id": "first", "best": 10, "evidence": "ten Peshmerga were killed"},
                {"source_id": "second", "best": 11, "evidence": "11 Peshmerga were killed"},
            ],
            claims=[{"source_id": "second", "best": 20, "overlaps": overlaps,
                     "notes": "A fixture total (test)."}],
        )  # fmt: skip

    problems = [str(p) for p in audit.check_overlaps(package(""))]
    assert len(problems) == 1 and problems[0].startswith(
        "claims.csv:2: overlaps: I01 (reported by the claim's own article second, in the "
        "claim's period and place, with killed of peshmerga given by first, second)"
    )
    assert audit.check_overlaps(package("I01")) == []


def test_an_attack_entered_twice_is_named(tmp_path):
    """A second outlet's report of an attack entered as a new incident (same place,
    overlapping dates) is named: its dead were counted twice. Distinct attacks say so."""
    from packages import load_package

    def incidents(notes=""):
        return load_package(
            tmp_path / str(len(notes)),
            sources=[{"source_id": "a"}, {"source_id": "b"}],
            incidents=[
                {"incident_id": "I01", "date_start": "2021-12-02", "source_id": "a"},
                {"incident_id": "I02", "date_start": "2021-12-01", "date_end": "2021-12-07",
                 "date_precision": "week", "source_id": "b",
                 "notes": notes or "Week from the article (test)."},
                {"incident_id": "I03", "date_start": "2021-12-02", "place_id": "elsewhere",
                 "source_id": "b"},
                # one article's two attacks there, and one on another target: not named
                {"incident_id": "I04", "date_start": "2021-12-03", "source_id": "a",
                 "notes": "Not the attack of I02 (test)."},
                {"incident_id": "I05", "date_start": "2021-12-02", "source_id": "b",
                 "target": "civilians", "notes": "Another target (test)."},
            ],
            places=[{"place_id": "kirkuk-city"},
                    {"place_id": "elsewhere", "lat": "35.4700", "lon": "44.4000"}],
        )  # fmt: skip

    problems = [str(p) for p in audit.check_duplicates(incidents())]
    assert problems == [
        "incidents.csv:3: notes: I02 and I01 are at the same place on dates a day apart at "
        "most: if it is I01 reported again, enter its figures as casualty rows of I01 with "
        "this source; if they are distinct attacks, name I01 in notes"
    ]
    assert audit.check_duplicates(incidents("A second attack, distinct from I01 (test).")) == []
    # an id inside another (I010) does not name I01
    assert len(audit.check_duplicates(incidents("Distinct from I010 and I01-b (test)."))) == 1


def test_the_same_dead_under_a_branch_and_under_security_forces_are_named(tmp_path):
    """One outlet's "two soldiers" and another's "two security force members" for one
    attack were added (rule 5 takes the largest per party): named, unless the notes say
    they are others."""
    from packages import load_package

    def package(notes):
        return load_package(
            tmp_path / str(len(notes)),
            sources=[{"source_id": "a"}, {"source_id": "b"}],
            incidents=[{"incident_id": "I01", "source_id": "a", "notes": notes}],
            casualties=[
                {"source_id": "a", "party": "iraqi_army", "best": 2,
                 "evidence": "two soldiers were killed"},
                {"source_id": "b", "party": "iraqi_security_forces", "best": 2,
                 "evidence": "two security force members were killed"},
            ],
        )  # fmt: skip

    problems = [str(p) for p in audit.check_figures(package("Fixture (test)."))]
    assert len(problems) == 1 and problems[0].startswith(
        "casualties.csv:3: party: I01's killed are iraqi_security_forces here and iraqi_army "
        "in a row of a: if they are the same dead, code both as iraqi_army"
    )
    others = "b's iraqi_security_forces are two policemen, not a's soldiers (test)."
    assert audit.check_figures(package(others)) == []
    # one article's "four members of the security forces, including two soldiers": the
    # two are among the four, coded twice they were added
    within = load_package(
        tmp_path / "within",
        incidents=[{"incident_id": "I01", "notes": "Fixture (test)."}],
        casualties=[
            {"party": "iraqi_security_forces", "best": 4, "evidence": "Four members of the "
             "security forces, including two soldiers, were killed"},
            {"party": "iraqi_army", "best": 2, "evidence": "Four members of the security "
             "forces, including two soldiers, were killed"},
        ],
    )  # fmt: skip
    assert [p.column for p in audit.check_figures(within)] == ["party"]
    # security forces of no stated branch, alone or in two articles, are no one else's dead
    alone = load_package(
        tmp_path / "alone",
        sources=[{"source_id": "a"}, {"source_id": "b"}],
        incidents=[{"incident_id": "I01", "source_id": "a", "notes": "Fixture (test)."}],
        casualties=[
            {"source_id": "a", "party": "iraqi_security_forces", "best": 1,
             "evidence": "A policeman was killed"},
            {"source_id": "b", "party": "iraqi_security_forces", "best": 1,
             "evidence": "a member of the security forces was killed"},
        ],
    )  # fmt: skip
    assert audit.check_figures(alone) == []


@pytest.mark.parametrize(
    ("party", "outcome", "best", "evidence"),
    [
        # counts that add up what the words state
        ("iraqi_army", "killed", 3, "Two soldiers and an officer were killed"),
        ("iraqi_army", "killed", 4, "Three soldiers were killed, and a fourth died"),
        ("civilians", "killed", 3, "killed a Kakai farmer and his two sons"),
        # counts by nouns alone: no number to look for
        ("civilians", "killed", 2, "Gunmen killed a father and son"),
        # numbers in words the reader must combine
        ("civilians", "wounded", 100, "A hundred people were injured"),
        ("civilians", "killed", 120, "killed one hundred and twenty people"),
        # verbs outlets use for each outcome
        ("local_police", "killed", 2, "assassinated two police officers"),
        ("civilians", "killed", 3, "gunned down three shepherds"),
        ("civilians", "killed", 2, "Two farmers were murdered"),
        ("iraqi_army", "killed", 1, "later succumbed to his wounds in hospital"),
        ("peshmerga", "killed", 2, "The Peshmerga lost two fighters"),
        ("unknown", "captured", 12, "rounded up 12 suspects"),
        ("civilians", "captured", 4, "took four villagers captive"),
        # unnumbered noun phrases of their own, joined to a number
        ("iraqi_army", "killed", 3, "two soldiers and their commander were killed"),
        ("iraqi_army", "killed", 3, "the commander and two of his guards were killed"),
        ("iraqi_army", "killed", 4, "The brigade commander and three of his bodyguards were "
         "killed"),
        ("civilians", "killed", 5, "A man, his wife and their three children were killed"),
        ("iraqi_army", "killed", 2, "One soldier was killed instantly and the second died later"),
        # ages, unit numbers and clock times count no one
        ("civilians", "killed", 2, "A man and his 7-year-old son were killed"),
        ("civilians", "killed", 2, "a 12-year-old boy and his 10-year-old sister were killed"),
        ("civilians", "captured", 2, "a 45-year-old shepherd and his brother were kidnapped"),
        ("iraqi_army", "killed", 2, "at 3:30 am, militants attacked a checkpoint, killing a "
         "soldier and an officer"),
        ("iraqi_army", "killed", 3, "The commander of Brigade 59 and two of his guards were "
         "killed"),
        # a part of a whole the words give ("six of them civilians": 3 others)
        ("iraqi_army", "killed", 3, "Nine people were killed, six of them civilians and the rest "
         "soldiers"),
        # a toll that rose: its last figure, no range
        ("civilians", "killed", 5, "the death toll rose from three to five"),
        ("civilians", "killed", 9, "raising the death toll from 7 to 9"),
        # more words outlets use
        ("isis", "killed", 5, "Iraqi forces eliminated five ISIS militants"),
        ("civilians", "killed", 4, "the corpses of four shepherds were found"),
        ("unknown", "captured", 2, "security forces picked up two suspects"),
        ("iraqi_army", "wounded", 2, "a couple of soldiers were wounded and 3 civilians killed"),
    ],
)  # fmt: skip
def test_correct_rows_in_the_words_outlets_use_pass(tmp_path, party, outcome, best, evidence):
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[{"party": party, "outcome": outcome, "best": best, "evidence": evidence}],
    )
    assert audit.check_figures(ds) == []


def test_more_than_two_dozen_is_a_floor_of_24(tmp_path):
    from packages import load_package

    def row(high):
        return load_package(
            tmp_path / str(high),
            incidents=[{"incident_id": "I01"}],
            casualties=[{"party": "civilians", "outcome": "wounded", "best": 24, "high": high,
                         "evidence": "More than two dozen civilians were wounded"}],
        )  # fmt: skip

    assert audit.check_figures(row("")) == []
    assert "only as a floor" in str(audit.check_figures(row(24))[0])


def test_a_claim_at_a_town_or_excluding_an_attack_need_not_list_it(tmp_path):
    """A town's total covers that town; a total "in addition to Tuesday's attack" excludes
    it, as its notes say: neither must list the attack its own article reports."""
    from packages import load_package

    def package(claim):
        return load_package(
            tmp_path / str(len(claim)),
            places=[{"place_id": "kirkuk-city"},
                    {"place_id": "daquq", "name": "Daquq", "kind": "town", "district": "Daquq",
                     "lat": "35.1400", "lon": "44.4500"},
                    {"place_id": "kirkuk-province", "name": "Kirkuk province",
                     "kind": "province", "district": "", "lat": "35.3545", "lon": "44.1376"}],
            incidents=[{"incident_id": "I01", "place_id": "daquq"}],
            casualties=[{"best": 3, "evidence": "three Peshmerga were killed in Daquq"}],
            claims=[{"best": 12, "notes": "A fixture total (test).", **claim}],
        )  # fmt: skip

    assert audit.check_overlaps(package({"place_id": "kirkuk-city"})) == []
    wide = {"place_id": "kirkuk-province"}
    assert len(audit.check_overlaps(package(wide))) == 1
    excludes = {**wide, "notes": "In addition to the Daquq attack: excludes I01 (test)."}
    assert audit.check_overlaps(package(excludes)) == []


def test_one_attack_told_as_another_day_or_only_to_its_province_is_named(tmp_path):
    """Outlets disagree on the day ("Sunday", "Monday") or place an attack only in its
    province: a day apart, or a province-level row beside a located one in that province,
    may be one attack. An arrest beside an attack is not."""
    from packages import load_package

    ds = load_package(
        tmp_path,
        sources=[{"source_id": "a", "published": "2022-03-25"},
                 {"source_id": "b", "published": "2022-03-25"}],
        places=[{"place_id": "kirkuk-city"},
                {"place_id": "kirkuk-province", "name": "Kirkuk province", "kind": "province",
                 "district": "", "lat": "35.3545", "lon": "44.1376"}],
        incidents=[
            {"incident_id": "I01", "date_start": "2022-03-06", "source_id": "a"},
            {"incident_id": "I02", "date_start": "2022-03-07", "notes": "Monday (test).",
             "source_id": "b"},
            {"incident_id": "I03", "date_start": "2022-03-20", "place_id": "kirkuk-province",
             "source_id": "a"},
            {"incident_id": "I04", "date_start": "2022-03-20", "event_type": "arrest",
             "source_id": "b"},
            {"incident_id": "I05", "date_start": "2022-03-21", "place_id": "kirkuk-city",
             "source_id": "b"},
        ],
    )  # fmt: skip
    named = [(p.line, p.reason.split(" are ")[0]) for p in audit.check_duplicates(ds)]
    assert named == [(3, "I02 and I01"), (6, "I05 and I03")]


def test_an_inferred_date_takes_the_narrowest_precision(tmp_path):
    from packages import load_package

    def dated(end, precision):
        return load_package(
            tmp_path / f"{end}-{precision}",
            incidents=[{"incident_id": "I01", "date_start": "2021-11-01", "date_end": end,
                        "date_precision": precision, "notes": "Inferred (test)."}],
        )  # fmt: skip

    problems = [str(p) for p in audit.check_dates(dated("2021-11-30", "year"))]
    assert problems == [
        "incidents.csv:2: date_precision: year for a range of 30 days: the narrowest "
        "precision that holds it is month (day 1 day, week 7, month 31, year 366)"
    ]
    assert audit.check_dates(dated("2021-11-30", "month")) == []
    assert audit.check_dates(dated("2021-12-06", "year")) == []  # 36 days: a year's


def test_a_place_where_the_shipped_map_differs_from_the_federal_one_passes(tmp_path):
    """A new village of Makhmour district, coded Nineveh (de jure) and lying in Erbil's
    polygon, passes without notes: the map's known difference (codebook §6). A Kirkuk
    point typed into Salahaddin does not."""
    from packages import load_package

    def place(**cells):
        return load_package(
            tmp_path / "-".join(cells.values()),
            places=[{"place_id": "kirkuk-city", "notes": "", **cells}],
            incidents=[{"incident_id": "I01"}],
        )

    gwer = place(province="Nineveh", district="Makhmour", lat="36.0400", lon="43.4900")
    assert audit.check_places(gwer) == []
    slip = place(lat="34.6900")  # 35.4681 typed as 34.69
    assert "lies in the Salahaddin polygon" in str(audit.check_places(slip)[0])


@pytest.mark.parametrize(
    ("metric", "best", "low", "high", "evidence", "column"),
    [
        # a total the words do not give
        ("killed", 18, 18, 18, "attacks in the province have killed 17 soldiers", "low"),
        # a range given a best
        ("gap_width_km", 7, 5, 10, "the gap ranges from 5-10 km", "best"),
        # a floor closed by high
        ("killed", 5, 5, 5, "at least five members of the security forces were killed", "high"),
        # a vague quantity's floor is 20, never 10
        ("attacks", 10, 10, "", "tens of attacks were carried out", "low"),
        # 0 on no word saying none
        ("wounded", 0, 0, 0, "several members were wounded in the attacks", "best"),
    ],
)
def test_a_claims_figure_is_checked_against_its_words(
    tmp_path, metric, best, low, high, evidence, column
):
    """Claims' figures had no check at all: each wrong entry passed validate."""
    from packages import load_package

    ds = load_package(
        tmp_path,
        claims=[{"metric": metric, "best": best, "low": low, "high": high, "evidence": evidence,
                 "party": "iraqi_security_forces"}],
    )  # fmt: skip
    problems = audit.check_figures(ds)
    assert [(p.file, p.column) for p in problems] == [("claims.csv", column)], problems


@pytest.mark.parametrize(
    ("metric", "best", "low", "high", "evidence"),
    [
        ("killed", 17, 17, 17, "attacks in the province have killed 17 soldiers"),
        ("gap_width_km", "", 5, 10, "the gap ranges from 5-10 km"),
        ("killed", 5, 5, "", "at least five members of the security forces were killed"),
        ("attacks", "", 20, "", "tens of attacks were carried out"),
        ("gap_width_km", 40, 40, 40, "a 40-kilometre security gap"),
        # digits against their unit, a scale word after a range, many numbers
        ("gap_width_km", "", 5, 10, "the gap between the two forces is 5-10km wide"),
        ("gap_width_km", "", 10, 15, "a security gap of 10 to 15km"),
        ("militants_present", "", 2000, 3000, "between two and three thousand ISIS fighters"),
        ("attacks", 82, 82, 82, "ISIS carried out 5 attacks in January, 7 in February, 8 in "
         "March, 9 in April, 10 in May, 11 in June, 12 in July, 6 in August and 14 in "
         "September, a total of 82"),
        ("attacks", 35, 35, 35, "attacks rose from 20 to 35 this year"),
    ],
)  # fmt: skip
def test_a_claims_figure_its_words_give_passes(tmp_path, metric, best, low, high, evidence):
    from packages import load_package

    ds = load_package(
        tmp_path,
        claims=[{"metric": metric, "best": best, "low": low, "high": high, "evidence": evidence,
                 "party": "iraqi_security_forces"}],
    )  # fmt: skip
    assert audit.check_figures(ds) == []


def test_a_zero_stands_on_none_said_of_casualties_not_on_any_no(tmp_path):
    """'No group has claimed the attack' says nothing about the wounded: a 0 beside it is
    refused; 'no one was wounded' still carries it."""
    from packages import load_package

    def zero(evidence):
        return load_package(
            tmp_path / str(len(evidence)),
            incidents=[{"incident_id": "I01"}],
            casualties=[{"outcome": "wounded", "best": 0, "evidence": evidence}],
        )

    claimed = "No group has claimed the Daquq attack. Three soldiers were wounded."
    assert [p.column for p in audit.check_figures(zero(claimed))] == ["best"]
    assert audit.check_figures(zero("Two soldiers were killed; no one was wounded.")) == []


@pytest.mark.parametrize("figure", [3, 5])
def test_one_end_of_a_range_is_not_a_count(tmp_path, figure):
    from packages import load_package

    def row(best, low, high, evidence="between three and five soldiers were killed"):
        return load_package(
            tmp_path / f"{best}-{low}-{high}-{len(evidence)}",
            incidents=[{"incident_id": "I01"}],
            casualties=[{"party": "iraqi_army", "best": best, "low": low, "high": high,
                         "evidence": evidence}],
        )  # fmt: skip

    problems = audit.check_figures(row(figure, figure, figure))
    assert len(problems) == 1 and "one end of the range" in problems[0].reason
    assert audit.check_figures(row("", 3, 5)) == []
    # the number said again on its own is a count the excerpt gives
    again = "between three and five soldiers were killed; five bodies were recovered"
    assert audit.check_figures(row(5, 5, 5, again)) == []


@pytest.mark.parametrize(
    ("outcome", "evidence", "party"),
    [
        ("killed", "The attack didn't cause any casualties", "iraqi_army"),
        ("wounded", "There weren\u2019t any casualties", "iraqi_army"),
        ("wounded", "No U.S. troops were injured in the attack", "coalition"),
        ("killed", "No Iraqi or U.S. personnel were killed or injured", "coalition"),
        ("killed", "No one was\nkilled in the attack", "iraqi_army"),
        ("wounded", "all the soldiers escaped unhurt", "iraqi_army"),
        ("wounded", "The four soldiers in the vehicle were unharmed", "iraqi_army"),
        ("killed", "The attack caused no human losses", "iraqi_army"),
    ],
)
def test_zeros_said_in_the_words_outlets_use_pass(tmp_path, outcome, evidence, party):
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[{"party": party, "outcome": outcome, "best": 0, "evidence": evidence}],
    )
    assert audit.check_figures(ds) == []


@pytest.mark.parametrize(
    "evidence",
    ["There were no immediate reports of casualties", "No information was given on casualties"],
)
def test_no_report_of_casualties_is_an_unknown_not_a_zero(tmp_path, evidence):
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[{"best": 0, "evidence": evidence}],
    )
    assert [p.column for p in audit.check_figures(ds)] == ["best"]


@pytest.mark.parametrize(
    "evidence",
    [
        "Several police officers were wounded, but the police did not give a number",
        "the police didn't say how many were wounded",
        "officials would not disclose how many people were wounded",
        "no casualty toll was given for the wounded",
        "no exact number of wounded was released",
    ],
)
def test_a_figure_withheld_is_no_figure_of_none(tmp_path, evidence):
    """Words saying the number was not given ("did not give a number", "didn't say how
    many", "no casualty toll") make the figure unknown: a 0 beside them is refused."""
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[{"outcome": "wounded", "best": 0, "evidence": evidence}],
    )
    problems = audit.check_figures(ds)
    assert [p.column for p in problems] == ["best"] and "never 0" in problems[0].reason


def _with_article(tmp_path, text: str, **tables):
    """A package citing one fictional article ``text`` (source "a"), and its folder."""
    import hashlib

    from packages import load_package

    folder = tmp_path / "articles"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(text, encoding="utf-8")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    ds = load_package(tmp_path, sources=[{"source_id": "a", "sha256": sha}], **tables)
    return ds, folder


def test_an_excerpt_cut_from_its_floor_or_range_is_named(tmp_path):
    """Verbatim, yet cut from "At least four..." or "between three and five...": the
    excerpt hides what makes its figure a floor or a range, and the row is named with the
    article's whole words; an excerpt that keeps them, or a figure stated plainly, passes."""
    text = (
        "A fictional report. At least four militants were killed in the clash, and between "
        "three and five civilians were killed in the village. Two soldiers were wounded. "
        "The attackers fled toward 3 to 4 villages nearby."
    )
    ds, folder = _with_article(
        tmp_path,
        text,
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02"}],
        casualties=[
            {"party": "isis", "best": 4, "low": 4,
             "evidence": "four militants were killed in the clash"},
            {"party": "civilians", "best": 5, "low": 5, "high": 5,
             "evidence": "five civilians were killed in the village"},
            {"party": "iraqi_army", "outcome": "wounded", "best": 2,
             "evidence": "Two soldiers were wounded"},
            {"incident_id": "I02", "party": "isis", "best": 4, "low": 4,
             "evidence": "At least four militants were killed in the clash"},
        ],
    )  # fmt: skip
    problems = [p for p in audit.check_articles(ds, folder) if p.file == "casualties.csv"]
    assert [(p.line, p.column) for p in problems] == [(2, "evidence"), (3, "evidence")]
    # a dateline's year, a dash aside and a change over time are no floor nor range
    whole = (
        "KIRKUK, May 12, 2021 - Four militants were killed. Gunmen killed four \u2013 two "
        "soldiers and two civilians \u2013 at dawn. The toll rose from three to five soldiers "
        "killed."
    )
    fine, folder = _with_article(
        tmp_path / "fine",
        whole,
        incidents=[{"incident_id": f"I0{i}"} for i in (1, 2, 3)],
        casualties=[
            {"incident_id": "I01", "party": "isis", "evidence": "Four militants were killed"},
            {"incident_id": "I02", "party": "civilians", "evidence": "Gunmen killed four"},
            {"incident_id": "I03", "party": "iraqi_army", "best": 5,
             "evidence": "five soldiers killed"},
        ],
    )  # fmt: skip
    assert [p for p in audit.check_articles(fine, folder) if p.file == "casualties.csv"] == []
    assert "'At least four militants were killed in the clash'" in problems[0].reason
    assert "'between three and five civilians were killed in the village'" in problems[1].reason


def test_a_date_phrase_must_be_the_articles_own_words(tmp_path):
    """A phrase edited to fit a wrong date ("on Wednesday", nowhere in the article) is
    named; the article's phrase passes in any case ("On Sunday" quoted as "on Sunday")."""
    ds, folder = _with_article(
        tmp_path,
        "On Sunday, gunmen attacked a checkpoint. Two soldiers were killed.",
        incidents=[
            {"incident_id": "I01", "date_phrase": "on Sunday"},
            {"incident_id": "I02", "date_phrase": "on Wednesday"},
        ],
        coordination=[{"step_id": "K01", "date_phrase": "last week"}],
    )
    problems = audit.check_articles(ds, folder)
    named = sorted((p.file, p.line, p.column) for p in problems if p.column == "date_phrase")
    assert named == [("coordination.csv", 2, "date_phrase"), ("incidents.csv", 3, "date_phrase")]
    assert "'on Wednesday' is not in the article of a" in str(problems)
    # whole words ("on May 2" is not "on May 21"); a hyphen typed for the article's dash
    more, folder = _with_article(
        tmp_path / "more",
        "Gunmen attacked on May 21. Talks ran 29 April\u20132 May.",
        incidents=[
            {"incident_id": "I01", "date_phrase": "on May 2"},
            {"incident_id": "I02", "date_phrase": "29 April-2 May"},
        ],
    )
    named = [p.line for p in audit.check_articles(more, folder) if p.column == "date_phrase"]
    assert named == [2]


@pytest.mark.parametrize(
    ("outcome", "figure", "evidence", "refused"),
    [
        ("killed", 6, "the attack killed two soldiers and wounded four", True),
        # said alone, another outcome's number still passes: whose it is rests on the reading
        ("killed", 4, "the attack killed two soldiers and wounded four", False),
        ("killed", 10, "killed about 10 people and wounded 30", False),
        ("killed", 40, "killed about 10 people and wounded 30", True),
        ("killed", 3, "Three Peshmerga lost their lives from injuries", False),
        ("killed", 4, "killed all four soldiers in the convoy and injured two", False),
        ("killed", 2, "the attack killed two soldiers and wounded four", False),
        ("wounded", 4, "the attack killed two soldiers and wounded four", False),
        ("killed", 7, "Three soldiers were killed and four wounded", True),
        ("killed", 3, "two soldiers and an officer were killed and four wounded", False),
        ("wounded", 4, "Four people were killed or wounded in the blast", False),
        ("killed", 5, "three soldiers were killed, and two civilians died later", False),
    ],
)
def test_a_figure_is_not_made_of_another_outcomes_numbers(
    tmp_path, outcome, figure, evidence, refused
):
    """Killed entered as killed + wounded ("killed two and wounded four" as 6) is refused:
    a number tied to another outcome by its verb is no part of this one's sum; numbers of
    the same outcome still add up, and a number said alone still passes."""
    from packages import load_package

    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[{"outcome": outcome, "best": figure, "evidence": evidence}],
    )
    problems = audit.check_figures(ds)
    assert bool(problems) is refused, problems
    if refused:
        assert problems[0].column in ("low", "best") and "is not a figure" in problems[0].reason


def test_one_articles_incident_entered_twice_is_named(tmp_path):
    """A copied row (the same article, dates, place, target and summary) counts its dead
    twice: named; two attacks of one article told apart by their summaries, or a copy
    whose notes name the other, pass."""
    from packages import load_package

    same = {"date_start": "2021-05-02", "summary": "Gunmen attacked an army post."}
    ds = load_package(
        tmp_path / "copy",
        incidents=[{"incident_id": "I01", **same}, {"incident_id": "I02", **same}],
    )
    problems = audit.check_duplicates(ds)
    assert [(p.line, p.column) for p in problems] == [(3, "summary")]
    assert "I02 repeats I01" in problems[0].reason
    apart = load_package(
        tmp_path / "apart",
        incidents=[
            {"incident_id": "I01", **same},
            {"incident_id": "I02", **same, "summary": "A second post was attacked later."},
        ],
    )
    assert audit.check_duplicates(apart) == []
    named = load_package(
        tmp_path / "named",
        incidents=[
            {"incident_id": "I01", **same},
            {"incident_id": "I02", **same, "notes": "Not I01."},
        ],
    )
    assert audit.check_duplicates(named) == []


def test_a_claims_total_entered_as_an_incident_is_named(tmp_path):
    """ "12 attacks this month, killing 20" is claim C01; an incident given those 20 dead on
    the same words counts them beside the incidents the claim includes: named. An
    incident's own figure, on its own words, passes."""
    from packages import load_package

    total = "ISIS carried out 12 attacks this month, killing 20 people"
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}, {"incident_id": "I02"}],
        casualties=[
            {"incident_id": "I01", "party": "civilians", "best": 20, "evidence": total},
            {"incident_id": "I02", "party": "civilians", "best": 3,
             "evidence": "three civilians were killed in Daquq"},
        ],
        claims=[{"claim_id": "C01", "metric": "killed", "party": "", "best": 20,
                 "evidence": total, "overlaps": "I02"}],
    )  # fmt: skip
    problems = [p for p in audit.check_figures(ds) if p.file == "casualties.csv"]
    assert [(p.line, p.column) for p in problems] == [(2, "evidence")]
    assert "20 killed is claim C01's figure" in problems[0].reason


def test_a_claim_of_another_measure_on_the_same_words_is_no_incident_total(tmp_path):
    """ "killed two shepherds, one of two attacks this week": a killed row of 2 and a claim
    of 2 attacks share their words, yet the claim counts attacks, not the dead."""
    from packages import load_package

    words = "killed two shepherds near Daquq, one of two attacks this week"
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01"}],
        casualties=[{"party": "civilians", "best": 2, "evidence": words}],
        claims=[{"claim_id": "C01", "metric": "attacks", "party": "", "best": 2,
                 "evidence": words}],
    )  # fmt: skip
    assert [p for p in audit.check_figures(ds) if p.file == "casualties.csv"] == []
