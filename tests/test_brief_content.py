"""What a reader finds in the PDF brief: places and figures, checked with pdftotext.

Figures are recomputed here straight from data/*.csv (not through the library), so a wrong
total in the library or the notebook shows up as a failing test.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)"),
]


def _rows(name):
    with open(DATA / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _totals(start, end, provinces=None):
    """Killed/wounded/captured by party and in all, for the incidents overlapping a period."""
    province_of = {r["place_id"]: r["province"] for r in _rows("places")}
    ids = {
        r["incident_id"]
        for r in _rows("incidents")
        if r["date_end"] >= start
        and r["date_start"] <= end
        and (provinces is None or province_of[r["place_id"]] in provinces)
    }
    best = {}
    for r in _rows("casualties"):
        if r["incident_id"] in ids and (r["best"] or r["low"]):
            key = (r["incident_id"], r["party"], r["outcome"])
            best[key] = max(best.get(key, 0), int(r["best"] or r["low"]))
    totals = defaultdict(int)
    for (_, party, outcome), n in best.items():
        totals[(party, outcome)] += n
        totals[("all", outcome)] += n
    return ids, totals


def _brief(tmp_path, *args) -> str:
    pdf = tmp_path / "brief.pdf"
    cli = Path(sys.executable).parent / "kirkuk-analysis"
    done = subprocess.run(
        [str(cli), "brief", *args, "--output", str(pdf)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "MPLBACKEND": "Agg"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (tmp_path / "brief.brief-run.ipynb").is_file()  # the executed notebook, for audit
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"[ \t]+", " ", text)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _shows(flat: str, words: str) -> bool:
    """``words`` in the flattened text, also where a table cell hyphenated them at a line end."""
    return words in flat or words in flat.replace("- ", "")


def _shows_id(flat: str, identifier: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(identifier)}(?![\w-])", flat) is not None


#: Each figure's section heading, and words of the figure itself (its title or key).
FIGURE_SECTIONS = {
    "Killed by month": "Recorded killed per month",
    "Map": "Incidents by place",
    "Timeline": "time axis stretched",
}
SECTIONS = (
    "Summary", *FIGURE_SECTIONS, "Incidents", "Coordination steps",
    "Reported aggregate claims", "Method", "Sources", "Evidence",
)  # fmt: skip


def _check_pages(text: str) -> None:
    """A figure is on the page of its section heading, and no page ends with a heading."""
    pages = [[ln.strip() for ln in page.splitlines() if ln.strip()] for page in text.split("\f")]
    for heading, figure in FIGURE_SECTIONS.items():
        at = [i for i, lines in enumerate(pages) if heading in lines]
        shown = [i for i, lines in enumerate(pages) if any(figure in ln for ln in lines)]
        assert at and at == shown[:1], (heading, at, shown)
    for i, lines in enumerate(pages):
        body = [ln for ln in lines if not ln.startswith("kirkuk-analysis ")]  # the footer
        assert not body or body[-1] not in SECTIONS, (i + 1, body[-1])


def _check_places(flat: str, ids: set[str]) -> None:
    """Each selected incident's place and id are in the brief.

    What is left out is checked on the tables themselves (tests/test_report.py): a whole-PDF
    search for "near X" would also hit an article's headline in the sources list."""
    places = {r["place_id"]: r for r in _rows("places")}
    for r in _rows("incidents"):
        if r["incident_id"] in ids:
            name = places[r["place_id"]]["name"]
            assert _shows(flat, name), (r["incident_id"], name)
            assert _shows_id(flat, r["incident_id"]), r["incident_id"]  # the incident table


def test_brief_kirkuk_2021(tmp_path):
    text = _brief(tmp_path, "--start", "2021-01-01", "--end", "2021-12-31", "--province", "Kirkuk")
    flat = _flat(text)
    ids, totals = _totals("2021-01-01", "2021-12-31", {"Kirkuk"})
    assert ids  # the shipped data has incidents there; an added article may add more
    _check_places(flat, ids)
    _check_pages(text)
    assert f"{len(ids)} incident{'s' if len(ids) != 1 else ''} in Kirkuk province" in flat
    assert f"{totals[('all', 'killed')]} killed" in flat
    if totals[("peshmerga", "killed")]:
        assert f"{totals[('peshmerga', 'killed')]} Peshmerga" in flat
    for heading in ("Key figures", "Summary", "Timeline", "Map", "Incidents",
                    "Coordination steps", "Method", "Sources"):  # fmt: skip
        assert heading.lower() in flat.lower(), heading
    assert "reported totals, not added to the figures above" in flat
    assert "page 1 /" in flat  # page numbers in the footer
    assert "data package 0.1.0" in flat


def test_brief_all_provinces_2020_2024(tmp_path):
    text = _brief(tmp_path, "--start", "2020-01-01", "--end", "2024-12-31")
    flat = _flat(text)
    ids, totals = _totals("2020-01-01", "2024-12-31")
    _check_places(flat, ids)
    _check_pages(text)
    # no province chosen: the provinces where the incidents happened are named
    province_of = {r["place_id"]: r["province"] for r in _rows("places")}
    provinces = sorted({province_of[r["place_id"]] for r in _rows("incidents")
                        if r["incident_id"] in ids})  # fmt: skip
    named = " and ".join([", ".join(provinces[:-1]), provinces[-1]] if len(provinces) > 1
                         else provinces)  # fmt: skip
    assert f"{len(ids)} incidents in {named} provinces" in flat
    for outcome in ("killed", "wounded", "captured"):
        assert f"{totals[('all', outcome)]} {outcome}" in flat, outcome
    assert f"{totals[('peshmerga', 'killed')]} Peshmerga" in flat
    # context items (base handovers, statements) are counted apart from the steps
    kinds = [r["kind"] for r in _rows("coordination")]
    assert f"{len(kinds) - kinds.count('context')} coordination steps" in flat
    if "context" in kinds:
        assert f"{kinds.count('context')} context item" in flat
    for source in _rows("sources"):
        if source["headline"]:
            assert _shows(flat, _flat(source["headline"])[:40]), source["source_id"]
    assert "reported totals, not added to the figures above" in flat
    # No code reaches the PDF.
    for code in ("import ", "check_selection", "display(", "report.", "plt."):
        assert code not in flat, code
