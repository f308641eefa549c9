"""The brief shows its evidence (issue 13 parts 1, 4, 6), end to end: a Kirkuk 2021 brief as
a PDF and as one HTML file. What is expected comes from the library's own notes for the
same selection (report.evidence_notes, report.claim_scope), never from today's totals, so a
correct new article breaks nothing here."""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

import kirkuk_analysis
from kirkuk_analysis import analysis, brief, report
from kirkuk_analysis.text import normalise

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
        reason="needs poppler-utils (make setup installs it)",
    ),
]

ARGS = ["--start", "2021-01-01", "--end", "2021-12-31", "--province", "Kirkuk"]


@pytest.fixture(scope="module")
def selection():
    return analysis.select(kirkuk_analysis.load(), "2021-01-01", "2021-12-31", "Kirkuk")


def _run(cli_command, *args):
    return subprocess.run(
        [*cli_command, "brief", *ARGS, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


@pytest.fixture(scope="module")
def pdf(tmp_path_factory, cli_command):
    if not (
        os.environ.get("CHROMIUM")
        or any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))
    ):
        pytest.skip("needs Chromium (make setup installs it)")
    path = tmp_path_factory.mktemp("pdf") / "kirkuk.pdf"
    done = _run(cli_command, "--output", str(path))
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def page(tmp_path_factory, cli_command):
    path = tmp_path_factory.mktemp("html") / "kirkuk.html"
    done = _run(cli_command, "--format", "html", "--output", str(path))
    assert done.returncode == 0, done.stderr
    # its own executed notebook: a PDF brief of the same name keeps kirkuk.brief-run.ipynb
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "kirkuk.html",
        "kirkuk.html.brief-run.ipynb",
    ]
    return path.read_text(encoding="utf-8")


_FOOTER = re.compile(r"^(kirkuk-analysis \S+ \u00b7 data package .*|page \d+ / \d+)$")


def _text(pdf) -> str:
    """The PDF's words as a reader follows them: without the page footers, which pdftotext
    puts in the middle of a paragraph that runs on to the next page."""
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    lines = [ln for ln in out.stdout.replace("\f", "\n").splitlines()
             if not _FOOTER.match(ln.strip())]  # fmt: skip
    return normalise("\n".join(lines))


def test_every_evidence_excerpt_of_the_selection_is_in_the_pdf(pdf, selection):
    text = _text(pdf)
    notes = report.evidence_notes(selection)
    assert len(notes)  # the shipped data has rows there; an added article may add more
    for evidence in set(notes["evidence"]):
        assert normalise(evidence) in text, evidence
    assert "Evidence" in text


def test_references_and_urls_are_links_in_the_pdf(pdf, selection):
    reader = PdfReader(pdf)
    uris, dests = set(), set()
    for p in reader.pages:
        for annot in p.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if action is not None and "/URI" in action:
                uris.add(str(action["/URI"]))
            elif "/Dest" in annot or (action is not None and action.get("/S") == "/GoTo"):
                dests.add(str(annot.get("/Dest") or action.get("/D")))
    notes = report.evidence_notes(selection)
    # every note is a destination in the document, and referenced by an internal link
    named = set(reader.named_destinations)
    for n in set(notes["note"]):
        assert f"/ev-{n}" in named, n
    assert {f"/ev-{n}" for n in notes["note"]} <= dests
    # every article address is an external link; no reference became a file:// link
    for url in set(notes["url"]) - {""}:
        assert url in uris, url
    assert not [u for u in uris if u.startswith("file:")], uris


def test_each_printed_address_is_one_link_per_line(pdf, selection):
    # an address printed as fragments (break hints inside it) became a link per fragment:
    # about twenty for one address, each read out as a link of its own
    reader = PdfReader(pdf)
    links: dict[str, int] = {}
    for p in reader.pages:
        for annot in p.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                links[str(action["/URI"])] = links.get(str(action["/URI"]), 0) + 1
    notes = report.evidence_notes(selection)
    printed = notes[notes["url"] != ""]["url"].value_counts()
    assert len(printed)  # the selection has notes with an address
    for url, times in printed.items():
        # each printing of it takes at most three lines; the Sources table may print it too
        assert links[url] <= 3 * (times + 1), (url, links[url], times)


def test_evidence_addresses_are_one_run_of_text():
    page = report.evidence_html(analysis.select(kirkuk_analysis.load(), "2020-01-01", "2024-12-31"))
    addresses = re.findall(r'<a class="ev-url" href="([^"]*)">(.*?)</a>', page, re.DOTALL)
    assert addresses
    for href, text in addresses:
        assert text == href  # the address shown is the address linked, with no markup in it


def test_pdf_metadata_and_outline(pdf):
    info = dict(
        line.split(":", 1)
        for line in subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        if ":" in line
    )
    expected = brief.document_metadata(brief.validate_params("2021-01-01", "2021-12-31", "Kirkuk"))
    for key in ("Title", "Author", "Subject", "Keywords"):
        assert info[key].strip() == expected[key.lower()], key
    assert "Kirkuk" in info["Subject"] and "2021-01-01" in info["Subject"]
    assert info["Tagged"].strip() == "yes"  # rewriting the metadata kept the structure
    outline = PdfReader(pdf).outline
    titles = [o.title for o in outline if hasattr(o, "title")]
    titles += [o.title for item in outline if isinstance(item, list) for o in item]
    for heading in ("Summary", "Incidents", "Coordination steps", "Sources", "Evidence"):
        assert heading in titles, titles


def test_the_pdf_says_what_the_selection_leaves_out(pdf, selection):
    text = _text(pdf)
    for sentence in report.selection_notes(selection):
        assert normalise(sentence) in text, sentence
    for outside in set(report.claim_scope(selection)["outside"]) - {""}:
        # in a table cell: the words may be broken over lines, hyphenated
        assert outside in text or outside in text.replace("- ", ""), outside


def test_html_brief_is_self_contained_and_shows_the_evidence(page, selection):
    assert page.lstrip().lower().startswith("<!doctype html")
    # nothing fetched: no script, stylesheet or image from anywhere but the file itself
    assert not re.search(r"<link\b[^>]*href", page, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc", page, re.I)
    for url in re.findall(r"""\bsrc\s*=\s*["']([^"']*)""", page):
        assert url.startswith("data:"), url[:60]
    # the figures, inline, as vector drawings whose words are text (searchable, sharp)
    figures = re.findall(r'<img [^>]*src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert figures
    assert all(b"<text" in base64.b64decode(figure) for figure in figures)
    # each says in words what it shows (plots.describe), for a reader who cannot see it
    alts = re.findall(r'<img [^>]*\balt="([^"]*)"', page)
    assert len(alts) == len(re.findall(r"<img ", page)) == len(figures)
    assert all(re.match(r"(Bar chart|Map|Timeline) of ", alt) for alt in alts), alts
    assert "<style" in page and "@page" in page  # the same stylesheet as the PDF
    notes = report.evidence_notes(selection)
    for n, evidence in zip(notes["note"], notes["evidence"], strict=True):
        assert f'id="ev-{n}"' in page and f'href="#ev-{n}"' in page
        assert html.escape(evidence, quote=False) in page, evidence
    for url in set(notes["url"]) - {""}:
        assert f'href="{html.escape(url)}"' in page, url
    meta = brief.document_metadata(brief.validate_params("2021-01-01", "2021-12-31", "Kirkuk"))
    assert f"<title>{html.escape(meta['title'], quote=False)}</title>" in page
    assert html.escape(meta["subject"]) in page
    assert "data package" in page  # the footer line, at the end of the page


def test_html_format_refuses_a_pdf_name_before_running(tmp_path, cli_command):
    target = tmp_path / "brief.pdf"
    done = _run(cli_command, "--format", "html", "--output", str(target))
    assert done.returncode == 2, done.stderr
    assert "must end in .html" in done.stderr and done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
