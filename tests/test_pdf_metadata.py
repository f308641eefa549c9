"""The brief's PDF metadata (issue 13 part 1): written as an incremental update after
Chromium prints, so the printed document (outline, tags, links) is kept byte for byte."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter

from kirkuk_analysis import brief


@pytest.fixture
def printed(tmp_path):
    """A small PDF with an outline entry and a title, as Chromium would leave it."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    writer.add_outline_item(title="Evidence", page_number=1)
    writer.add_metadata({"/Title": "printed title", "/Creator": "HeadlessChrome"})
    path = tmp_path / "printed.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


def test_metadata_is_appended_and_the_document_kept(printed, tmp_path):
    params = brief.validate_params("2021-01-01", "2021-12-31", ["Kirkuk"], ["peshmerga"],
                                   title="Kirkuk \u2014 \u00fcn\u00efcode \u2603")  # fmt: skip
    meta = brief.document_metadata(params)
    target = tmp_path / "final.pdf"
    brief.write_pdf_metadata(printed, target, meta)
    original = printed.read_bytes()
    assert target.read_bytes().startswith(original)  # an update, not a rewrite
    reader = PdfReader(target, strict=True)
    info = reader.metadata
    assert info.title == "Kirkuk \u2014 \u00fcn\u00efcode \u2603"
    assert info.author == brief.AUTHOR
    assert info.subject == "Period 2021-01-01 to 2021-12-31; provinces: Kirkuk; parties: Peshmerga"
    assert "Kirkuk" in info["/Keywords"] and "Peshmerga" in info["/Keywords"]
    assert info["/Creator"] == "HeadlessChrome"  # what Chromium wrote is kept
    assert len(reader.pages) == 2
    assert [item.title for item in reader.outline] == ["Evidence"]


def test_the_parties_are_named_as_the_brief_names_them():
    """Subject, keywords and every page's footer give the parties' labels from the
    package's vocabulary (what the brief's text says), not the tables' codes."""
    from kirkuk_analysis.vocab import read_vocabulary

    vocab = read_vocabulary()
    params = brief.validate_params("2021-01-01", "2021-12-31", (), ["pmf", "unknown"])
    labels = [vocab.label("party", "pmf"), vocab.label("party", "unknown")]
    assert labels != ["pmf", "unknown"]  # the shipped vocabulary labels both
    meta = brief.document_metadata(params)
    assert meta["subject"].endswith("parties: " + ", ".join(labels))
    assert all(label in meta["keywords"].split("; ") for label in labels)
    assert brief.footer_text(params).endswith("parties: " + ", ".join(labels))


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="needs poppler-utils")
def test_poppler_reads_the_metadata(printed, tmp_path):
    meta = brief.document_metadata(brief.validate_params())
    target = tmp_path / "final.pdf"
    brief.write_pdf_metadata(printed, target, meta)
    done = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True)
    assert done.stderr == ""  # no syntax error in the appended section
    info = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    assert info["Subject"].strip() == meta["subject"]
    assert info["Author"].strip() == brief.AUTHOR
    assert info["Pages"].strip() == "2"
