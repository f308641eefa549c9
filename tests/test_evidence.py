"""Evidence notes and honest selections (issue 13 parts 1 and 4), on fixture packages whose
rows fix the answer: every figure and step cites the verbatim excerpt it rests on, and a
province or period selection says what it shows without a place or leaves out."""

from __future__ import annotations

import html
import re

import pytest
from packages import load_package

from kirkuk_analysis import analysis, report

SOURCES = [
    {
        "source_id": "a",
        "outlet": "Outlet A",
        "published": "2021-12-06",
        "url": "https://a.example/1",
    },
    {"source_id": "b", "outlet": "Outlet B", "published": "2021-12-07", "url": ""},
    {
        "source_id": "c",
        "outlet": "Outlet C",
        "published": "2021-12-08",
        "url": "https://c.example/3",
    },
]
PLACES = [
    {"place_id": "kirkuk-city"},  # Kirkuk province (the fixture default)
    {
        "place_id": "makhmour",
        "name": "Makhmour",
        "kind": "town",
        "district": "Makhmour",
        "province": "Nineveh",
        "lat": "35.7760",
        "lon": "43.5800",
    },
]
BOTH = "two fighters were killed and three were wounded in Kirkuk"


@pytest.fixture
def two_provinces(tmp_path):
    """I02 (Kirkuk, 5 December) and I01 (Makhmour, 1 December, a lower id, an earlier
    date); a claim over both, starting before December; a step with no place and one at
    Makhmour. Source c is cited only by the Makhmour rows."""
    return load_package(
        tmp_path,
        sources=SOURCES,
        places=PLACES,
        incidents=[
            {
                "incident_id": "I01",
                "date_start": "2021-12-01",
                "place_id": "makhmour",
                "source_id": "c",
            },
            {"incident_id": "I02", "date_start": "2021-12-05", "place_id": "kirkuk-city"},
        ],  # fmt: skip
        casualties=[
            # one excerpt supports two figures of I02: one note
            {
                "incident_id": "I02",
                "source_id": "a",
                "outcome": "killed",
                "best": 2,
                "evidence": BOTH,
            },
            {
                "incident_id": "I02",
                "source_id": "a",
                "outcome": "wounded",
                "best": 3,
                "evidence": BOTH,
            },
            # a second article gives a smaller figure for the same dead: its own note
            {
                "incident_id": "I02",
                "source_id": "b",
                "outcome": "killed",
                "best": 1,
                "evidence": "one fighter was killed in Kirkuk, police said",
            },
            {
                "incident_id": "I01",
                "source_id": "c",
                "outcome": "killed",
                "best": 2,
                "evidence": "two soldiers died near Makhmour on Wednesday",
            },
        ],  # fmt: skip
        coordination=[
            {
                "step_id": "K01",
                "place_id": "",
                "source_id": "a",
                "evidence": "Baghdad and Erbil agreed to meet again",
            },
            {
                "step_id": "K02",
                "place_id": "makhmour",
                "source_id": "c",
                "evidence": "a joint room opened in Makhmour",
            },
        ],  # fmt: skip
        claims=[
            {
                "claim_id": "C01",
                "period_start": "2021-11-01",
                "period_end": "2021-12-06",
                "best": 3,
                "low": 3,
                "high": 3,
                "overlaps": "I01;I02",
                "place_id": "kirkuk-city",
                "source_id": "a",
                "evidence": "three fighters were killed in a month of attacks",
            },
        ],  # fmt: skip
    )


def _kirkuk(ds):
    return analysis.select(ds, "2021-12-02", "2021-12-31", provinces="Kirkuk")


def test_notes_are_numbered_once_per_excerpt_in_the_order_shown(two_provinces):
    notes = report.evidence_notes(two_provinces)
    note = {
        (r.table, r.row_id, r.source_id, r.outcome or None): int(r.note) for r in notes.itertuples()
    }
    # I01 (1 December) comes before I02 in the Incidents table: its note is 1
    assert note[("casualties", "I01", "c", "killed")] == 1
    # killed and wounded of I02 rest on the same words of article a: one note
    assert note[("casualties", "I02", "a", "killed")] == note[("casualties", "I02", "a", "wounded")]
    assert note[("casualties", "I02", "b", "killed")] not in (
        1,
        note[("casualties", "I02", "a", "killed")],
    )
    # then the coordination steps, then the claims; numbers 1..N without a gap
    assert note[("coordination", "K01", "a", None)] < note[("claims", "C01", "a", None)]
    assert sorted(set(notes["note"])) == list(range(1, notes["note"].max() + 1))
    assert len(set(notes["note"])) == notes["evidence"].nunique()


def test_tables_cite_their_notes_and_the_evidence_list_quotes_them(two_provinces):
    ds = two_provinces
    notes = report.evidence_notes(ds)
    number = dict(zip(notes["evidence"], notes["note"], strict=False))
    incidents = report.incidents_html(ds)
    # the Killed cell of I02 cites both articles' notes, the Wounded cell only article a's
    row = re.search(r"<td[^>]*>I02</td>(.*?)</tr>", incidents, re.S)[1]
    killed, wounded = re.findall(r"<td[^>]*right[^>]*>(.*?)</td>", row, re.S)
    for evidence in (BOTH, "one fighter was killed in Kirkuk, police said"):
        assert f'href="#ev-{number[evidence]}"' in killed
    assert re.findall(r'href="#ev-(\d+)"', wounded) == [str(number[BOTH])]
    assert f'href="#ev-{number["Baghdad and Erbil agreed to meet again"]}"' in (
        report.coordination_html(ds)
    )
    claim = number["three fighters were killed in a month of attacks"]
    assert f'href="#ev-{claim}"' in report.claims_html(ds)

    listing = report.evidence_html(ds)
    for n, evidence in {n: e for e, n in number.items()}.items():
        item = re.search(rf'<li id="ev-{n}"[^>]*>(.*?)</li>', listing, re.S)[1]
        assert html.escape(evidence, quote=False) in item
    first = re.search(r'<li id="ev-1"[^>]*>(.*?)</li>', listing, re.S)[1]  # I01, source c
    assert "Outlet C" in first and "8 December 2021" in first
    assert '<a class="ev-url" href="https://c.example/3">' in first  # an external link
    no_url = re.search(rf'<li id="ev-{number["one fighter was killed in Kirkuk, police said"]}"'
                       r"[^>]*>(.*?)</li>", listing, re.S)[1]  # fmt: skip
    assert "href" not in no_url and "no public address known" in no_url


def test_the_narrative_cites_the_deadliest_incident(two_provinces):
    sel = _kirkuk(two_provinces)
    notes = report.evidence_notes(sel)
    killed = notes[(notes["row_id"] == "I02") & (notes["outcome"] == "killed")]["note"]
    text = report.narrative(sel, "2021-12-02", "2021-12-31", ["Kirkuk"])
    for n in set(killed):
        assert f"[[{n}]](#ev-{n})" in text


def test_a_province_selection_says_what_it_leaves_out(two_provinces):
    sel = _kirkuk(two_provinces)
    assert list(sel.incidents["incident_id"]) == ["I02"]
    # the claim counts I01 (Makhmour) and began in November: both said, in its row
    claims = report.claims_table(sel).set_index("ID")
    assert claims.loc["C01", "Includes"].endswith("includes 1 incident outside Kirkuk province")
    assert claims.loc["C01", "Period"].endswith("(starts before the selection)")
    notes = " ".join(report.selection_notes(sel))
    assert "1 coordination step shown has no place" in notes
    assert "not located in Kirkuk province" in notes
    assert "1 claim covers a period starting before 2 December 2021" in notes
    assert "1 claim includes incidents outside this selection" in notes
    # the step with no place is shown as such, not as an unknown figure
    steps = report.coordination_table(sel).set_index("ID")
    assert list(steps.index) == ["K01"] and steps.loc["K01", "Place"] == report.NO_PLACE
    # the sources are those the rows shown cite: article c is cited only by Makhmour rows
    assert set(report.sources_table(sel)["Outlet"]) == {"Outlet A", "Outlet B"}
    assert "Sources lists the 2 articles cited by the rows shown, of 3" in notes
    # the whole package leaves nothing out
    assert report.selection_notes(two_provinces) == []
    whole = report.claims_table(two_provinces).set_index("ID")
    assert "outside" not in whole.loc["C01", "Includes"]


def test_a_claim_is_judged_against_all_its_incidents_not_the_selected_ones(two_provinces):
    # C01 says 3 killed but includes I01 (2) and I02 (2): a contradiction, in any selection
    whole = analysis.claims_summary(two_provinces).set_index("claim_id")
    assert whole.loc["C01", "incident_figure"] == 4 and whole.loc["C01", "contradiction"]
    sel = analysis.claims_summary(_kirkuk(two_provinces)).set_index("claim_id")
    assert sel.loc["C01", "incident_figure"] == 4 and sel.loc["C01", "contradiction"]


def test_a_claim_with_no_start_is_said_to_reach_before_the_period(tmp_path):
    ds = load_package(
        tmp_path,
        incidents=[{"incident_id": "I01", "date_start": "2021-12-05"}],
        claims=[{"claim_id": "C01", "period_start": "", "period_end": "2021-12-06"}],
    )
    sel = analysis.select(ds, "2021-12-01", "2021-12-31")
    scope = report.claim_scope(sel).set_index("claim_id")
    assert scope.loc["C01", "open_start"] and not scope.loc["C01", "starts_before"]
    assert "1 claim gives no start" in " ".join(report.selection_notes(sel))
    # a selection with no start of its own leaves no earlier attacks out
    open_ended = analysis.select(ds, None, "2021-12-31")
    assert not report.claim_scope(open_ended)["open_start"].any()
    assert "no start" not in " ".join(report.selection_notes(open_ended))


def test_an_empty_selection_says_it_has_nothing_to_quote(tmp_path):
    ds = load_package(tmp_path)  # one source, one place, no rows
    assert report.evidence_notes(ds).empty
    listing = report.evidence_html(ds)
    assert "<li" not in listing and "no excerpt to quote" in listing


def test_the_method_counts_the_articles_the_sources_list(two_provinces):
    sel = _kirkuk(two_provinces)  # cites articles a and b, not c
    assert len(report.sources_table(sel)) == 2
    assert "Figures come from 2 news articles (Outlet A and Outlet B)" in report.method_note(sel)
