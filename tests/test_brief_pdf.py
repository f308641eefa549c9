"""The PDF brief end to end: papermill, HTML without code, Chromium, pdfinfo/pdftotext.

Also: a failing notebook leaves no PDF and names the executed notebook; a Chromium that
fails, writes nothing, writes half a PDF or hangs is a clear error that leaves no partial PDF,
no process and no profile behind; parameters reach the notebook as data; the shipped files
are found from an installed wheel.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from probes import probe_printed

from kirkuk_analysis import _chromium, brief

pytestmark = pytest.mark.slow

needs_pdf_tools = pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None,
    reason="needs poppler-utils (make setup installs it)",
)
needs_chromium = pytest.mark.skipif(
    not (
        os.environ.get("CHROMIUM")
        or any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))
    ),
    reason="needs Chromium (make setup installs it)",
)

# Text that only code cells or notebook chrome would put on a page.
CODE_MARKERS = ("import ", "In [", "Out[", "validate_params", "def ", "pd.read_csv", "display(")


def pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdfinfo(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


@pytest.fixture(scope="module")
def province_brief(tmp_path_factory, cli_command):
    """One real run: Kirkuk and Diyala, default output name, from a scratch folder."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("needs poppler-utils")
    work = tmp_path_factory.mktemp("brief")
    done = subprocess.run(
        [*cli_command, "brief", "--start", "2020-01-01", "--end", "2024-12-31",
         "--province", "Kirkuk", "--province", "diyala"],
        cwd=work, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return work, done


@needs_pdf_tools
@needs_chromium
def test_brief_writes_a_readable_a4_pdf_with_no_code(province_brief):
    work, done = province_brief
    assert done.returncode == 0, done.stderr
    pdf = work / "reports" / "brief-2020-01-01-2024-12-31-kirkuk-diyala.pdf"
    assert pdf.is_file(), sorted(p.name for p in work.rglob("*"))
    info = pdfinfo(pdf)
    pages = int(info["Pages"])
    assert pages >= 1
    size = re.match(r"\s*([\d.]+) x ([\d.]+) pts \(A4\)", info["Page size"])
    assert size, info["Page size"]  # A4 is 595.28 x 841.89 pt; Chromium rounds to its pixels
    assert abs(float(size[1]) - 595.28) < 1 and abs(float(size[2]) - 841.89) < 1, size[0]
    assert info["Tagged"].strip() == "yes"  # structure for screen readers
    assert b"/Outlines" in pdf.read_bytes()  # bookmarks from the headings
    text = pdftotext(pdf)
    for marker in CODE_MARKERS:
        assert marker not in text, f"code on the page: {marker!r}"
    flat = re.sub(r"\s+", " ", text)
    assert "Kirkuk, Diyala" in flat  # the parameters, in the body and the footer
    # every page's footer: "page X / Y" with Y the page count, the versions, the parameters
    numbers = [(int(x), int(y)) for x, y in re.findall(r"page (\d+) / (\d+)", flat)]
    assert numbers == [(n, pages) for n in range(1, pages + 1)], numbers
    footer = f"data package {brief.data_package_version()} · 2020-01-01 to 2024-12-31; "
    assert flat.count(footer + "Kirkuk, Diyala") == pages


#: Typographic ligatures (ff, fi, fl, ffi, ffl, long st, st): U+FB00 to U+FB06.
LIGATURES = re.compile("[\ufb00-\ufb06]")


@needs_pdf_tools
@needs_chromium
def test_figure_text_prints_as_typed(tmp_path):
    """A figure's words are in the printed PDF letter for letter ("Airfield", never with a
    single "fi" glyph), so a reader's search and copy find them as typed."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kirkuk_analysis import plots

    with plt.rc_context(plots._SVG_RC):  # as the brief writes its figures: text as text
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.set_axis_off()
        ax.text(0.02, 0.5, "Qayyarah Airfield offices, no figure", fontsize=12)
        out = io.StringIO()
        fig.savefig(out, format="svg")
        plt.close(fig)
    svg = plots.svg_text_as_typed(out.getvalue())
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    page = tmp_path / "figure.html"
    page.write_text(f'<!doctype html><img src="{src}" alt="figure">', encoding="utf-8")
    _chromium.print_to_pdf(page, tmp_path / "figure.pdf")
    text = pdftotext(tmp_path / "figure.pdf")
    assert "Qayyarah Airfield offices, no figure" in " ".join(text.split())
    assert not LIGATURES.search(text), LIGATURES.findall(text)


@needs_pdf_tools
@needs_chromium
def test_the_brief_s_text_has_no_ligature_glyphs(province_brief):
    work, done = province_brief
    assert done.returncode == 0, done.stderr
    text = pdftotext(work / "reports" / "brief-2020-01-01-2024-12-31-kirkuk-diyala.pdf")
    assert not LIGATURES.search(text), sorted(set(LIGATURES.findall(text)))


@needs_pdf_tools
@needs_chromium
def test_brief_keeps_the_executed_notebook_and_no_temporaries(province_brief):
    work, done = province_brief
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (work / "reports").iterdir())
    stem = "brief-2020-01-01-2024-12-31-kirkuk-diyala"
    assert names == [f"{stem}.brief-run.ipynb", f"{stem}.pdf"]
    nb = nbformat.read(str(work / "reports" / f"{stem}.brief-run.ipynb"), as_version=4)
    assert nb.metadata["kirkuk_analysis"]["brief_run"] is True  # a brief may overwrite it
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "'Kirkuk', 'Diyala'" in injected[0].source.replace('"', "'")


def test_html_is_self_contained_and_has_no_code(tmp_path):
    executed = tmp_path / "run.ipynb"
    brief.execute_notebook(brief.validate_params("2021-01-01", "2021-12-31"), executed)
    page = brief.render_html(executed)
    assert "<script src" not in page and "<link" not in page.replace('<link rel="icon"', "")
    # nothing is fetched: every src is inline; <a href> to an article's URL is a link a
    # reader may follow (the Evidence section), not a request
    for url in re.findall(r"""src\s*=\s*["']([^"']+)""", page):
        assert not url.startswith(("http:", "https:", "//")), url
    for tag in re.findall(r"<(?!a\b)\w+[^>]*\bhref\s*=\s*[\"'](?:https?:)?//", page):
        raise AssertionError(tag)
    assert "mathjax" not in page.lower() and "require.min.js" not in page
    for marker in ("validate_params", "import html", "pd.read_csv"):
        assert marker not in page
    assert "size: A4" in page  # the print stylesheet of the brief template


def test_the_page_from_the_notebook_in_memory_is_the_page_from_its_file(tmp_path):
    """make_brief renders the notebook it ran without reading it back: the same page as
    from the file it wrote, and the notebook itself is left as it was."""
    executed = tmp_path / "run.ipynb"
    params = brief.validate_params("2021-01-01", "2021-06-30", title='Kirkuk\'s "spring"')
    nb = brief._execute_notebook(params, executed)
    before = nbformat.writes(nb)
    metadata = brief.document_metadata(params)
    from_memory = brief.render_html(nb, metadata=metadata, footer="a footer")
    assert from_memory == brief.render_html(executed, metadata=metadata, footer="a footer")
    assert nbformat.writes(nb) == before
    assert before == executed.read_text(encoding="utf-8")


def test_the_brief_page_is_what_nbconvert_makes_without_its_placeholder_pass(tmp_path):
    """render_html skips HTMLExporter's BeautifulSoup pass (a placeholder alt, tabindex),
    and nothing else: the same elements, text, links and images as nbconvert's own page."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    executed = tmp_path / "run.ipynb"
    brief.execute_notebook(brief.validate_params("2021-01-01", "2021-06-30"), executed)
    ours = BeautifulSoup(brief.render_html(executed), "html.parser")
    stock = brief.html_exporter()
    stock.__class__ = HTMLExporter  # the same configuration, nbconvert's own method
    theirs = BeautifulSoup(brief.render_html(executed, stock), "html.parser")
    for soup in (ours, theirs):
        for element in soup.find_all(attrs={"tabindex": True}):
            del element["tabindex"]

    def shape(soup):
        return [(e.name, sorted(e.attrs.items(), key=str)) for e in soup.find_all(True)]

    assert shape(ours) == shape(theirs)
    assert ours.get_text() == theirs.get_text()
    images = ours.find_all("img")
    assert images and all(img.get("alt") for img in images)  # every figure says what it shows


def test_parameters_reach_the_notebook_as_data(tmp_path):
    marker = tmp_path / "pwned"
    title = f'Q"\'\n__import__("pathlib").Path({str(marker)!r}).touch() # """'
    executed = tmp_path / "run.ipynb"
    params = brief.validate_params("2021-01-01", "2021-12-31", ["Kirkuk"], title=title)
    brief.execute_notebook(params, executed)
    assert not marker.exists()
    nb = nbformat.read(str(executed), as_version=4)
    shown = html.unescape(
        "\n".join(
            "".join(o.get("data", {}).get("text/html", ""))
            for c in nb.cells
            for o in c.get("outputs", [])
        )
    )
    assert "Q\"'" in shown and '__import__("pathlib")' in shown


def test_failing_notebook_leaves_no_pdf_and_names_the_executed_notebook(
    tmp_path, monkeypatch, capsys
):
    from kirkuk_analysis import _paths, cli

    failing = tiny_notebook(tmp_path / "nb", 'raise ValueError("boom\\nand more")')
    monkeypatch.setattr(_paths, "notebooks_dir", lambda: failing.parent)
    monkeypatch.setenv("CHROMIUM", fake_chromium(tmp_path, WRITE_TINY_PDF))
    out = tmp_path / "out" / "b.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF-1.4 stale brief from an earlier run")
    assert cli.main(["brief", "--output", str(out)]) == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last == (
        "kirkuk-analysis: error: the brief notebook failed: ValueError: boom ...; "
        f"see the executed notebook: {out.parent / 'b.brief-run.ipynb'}"
    )
    assert "Traceback" not in err
    assert not out.exists()  # it would not match the notebook beside it
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.brief-run.ipynb"]
    kept = nbformat.read(str(out.parent / "b.brief-run.ipynb"), as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells for o in c.get("outputs", []))


def test_failing_chromium_leaves_no_partial_pdf(tmp_path, monkeypatch, capsys):
    from kirkuk_analysis import cli

    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'fake chromium: crashed' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CHROMIUM", str(fake))
    out = tmp_path / "out" / "b.pdf"
    assert cli.main(["brief", "--start", "2021-01-01", "--end", "2021-06-30",
                     "--output", str(out)]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "Chromium could not print the brief" in err and "fake chromium: crashed" in err
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.brief-run.ipynb"]


def test_shipped_files_are_found_from_an_installed_wheel(tmp_path, repo_root):
    pytest.importorskip("hatchling")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(wheels), str(repo_root)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = wheels.glob("kirkuk_analysis-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "kirkuk_analysis/data_package/datapackage.json",
        "kirkuk_analysis/data_package/incidents.csv",
        "kirkuk_analysis/notebooks/brief.ipynb",
        "kirkuk_analysis/templates/brief/index.html.j2",
        "kirkuk_analysis/geo/iraq_admin1.geojson",
        "kirkuk_analysis/geo/SOURCE.md",
    ):
        assert name in names, name
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--disable-pip-version-check", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    code = (
        "from kirkuk_analysis import _paths\n"
        "for f in (_paths.data_dir, _paths.notebooks_dir, _paths.geo_dir, _paths.templates_dir):\n"
        "    print(f())\n"
    )
    done = subprocess.run(
        [str(py), "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    folders = [Path(line) for line in done.stdout.splitlines()]
    assert len(folders) == 4
    for folder in folders:
        assert str(venv) in str(folder) and "site-packages" in str(folder), folder
        assert repo_root not in folder.parents
    assert (folders[0] / "datapackage.json").is_file()


# --- printing: Chromium's command line, and every way it can fail -----------------------

_FETCH = (
    "import sys, urllib.request; "
    'open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1]).read())'
)

# A stand-in for Chromium: $OUT is the --print-to-pdf path, $PAGE the page it was given.
_FETCH = (
    "import sys, urllib.request; "
    'open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1]).read())'
)

# A stand-in for Chromium: $OUT is where it must print, $PAGE the page (a file:// page's
# path; a page served over HTTP, as Printer serves it, is fetched into the profile folder).
FAKE_CHROMIUM = f"""#!/bin/sh
for a in "$@"; do
  case "$a" in
    --print-to-pdf=*) OUT="${{a#--print-to-pdf=}}";;
    --user-data-dir=*) PROFILE="${{a#--user-data-dir=}}";;
    file://*) PAGE="${{a#file://}}";;
    http://*) URL="$a";;
  esac
done
__BEFORE_FETCH__
if [ -n "$URL" ]; then
  mkdir -p "$PROFILE"; PAGE="$PROFILE/fetched.html"
  {sys.executable} -c '{_FETCH}' "$URL" "$PAGE" || exit 7
fi
"""


def _tiny_pdf() -> str:
    """The smallest whole PDF (one empty page, a correct cross-reference table): what the
    stand-in prints, since the brief reads the printed PDF back to write its metadata."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    text, offsets = "%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(text))
        text += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(text)
    text += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    text += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    text += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return text


WRITE_TINY_PDF = f"cat > \"$OUT\" <<'PDF'\n{_tiny_pdf()}PDF\n"


def fake_chromium(folder: Path, body: str, before_fetch: str = "") -> str:
    """A stand-in Chromium running the shell lines ``body`` (``before_fetch``: before it
    asks for a page served over HTTP, which waits until the page is given)."""
    script = folder / "fake-chromium"
    script.write_text(FAKE_CHROMIUM.replace("__BEFORE_FETCH__", before_fetch) + body)
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """A $TMPDIR of the test's own, to see what is left in it."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name ([0] state, [2] process group)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that is not ours to reap it counts as gone)."""
    fields = _stat(pid)
    return bool(fields) and fields[0] not in ("Z", "X")


def _group_alive(pgid: int) -> list[int]:
    """The running processes of process group ``pgid``."""
    found = []
    for entry in Path("/proc").iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else []
        if fields and fields[0] not in ("Z", "X") and fields[2] == str(pgid):
            found.append(int(entry.name))
    return found


def print_small(tmp_path, chromium=None, **kwargs) -> Path:
    from kirkuk_analysis import _chromium

    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><head><title>t</title><style>@page { margin: 0 }</style></head>"
        "<body><p>hello</p>"
    )
    pdf = tmp_path / "out.pdf"
    _chromium.print_to_pdf(page, pdf, chromium=chromium, **kwargs)
    return pdf


def test_the_page_gets_an_a4_rule_and_the_footer_as_css(tmp_path, private_tmp):
    seen = tmp_path / "seen"
    seen.mkdir()
    chromium = fake_chromium(
        tmp_path,
        f'printf "%s\\n" "$@" > {seen}/args; cp "$PAGE" {seen}/page.html; ' + WRITE_TINY_PDF,
    )
    hostile = 'v1 · "quoted" \\ </style><h1>escaped</h1>'
    pdf = print_small(tmp_path, chromium, footer_text=hostile, margins_mm=(10, 11, 12, 13))
    assert pdf.read_bytes().startswith(b"%PDF")
    args = (seen / "args").read_text().splitlines()
    for flag in ("--headless", "--no-pdf-header-footer", "--generate-pdf-document-outline"):
        assert flag in args
    assert any(a.startswith("--user-data-dir=" + str(private_tmp)) for a in args)
    page = (seen / "page.html").read_text()
    at = page.index("@page { size: A4")
    rule = page[at : page.index("</style>", at)]
    assert "size: A4; margin: 10mm 11mm 12mm 13mm;" in rule
    assert 'content: "page " counter(page) " / " counter(pages)' in rule
    assert "</style>" not in rule and "<h1>" not in rule and "v1 · \\22 quoted\\22" in rule
    assert page.index("margin: 0") < at < page.index("</head>")  # after the page's own: wins
    assert f'<base href="{tmp_path.as_uri()}/">' in page  # relative links still resolve
    assert list(private_tmp.iterdir()) == []  # profile and page copy removed


@pytest.mark.parametrize(
    "body, message",
    [
        ("echo 'Page load failed: net::ERR_FILE_NOT_FOUND' >&2\n", "wrote no PDF"),
        ("printf '%%PDF-1.4 half a file' > \"$OUT\"\n", "wrote no PDF"),
        ("echo 'fake chromium: crashed' >&2; exit 3\n", "exited with status 3"),
        ("kill -SEGV $$\n", "killed by signal 11"),
    ],
)
def test_a_chromium_without_a_pdf_is_a_clear_error(tmp_path, private_tmp, body, message):
    from kirkuk_analysis import _chromium

    chromium = fake_chromium(
        tmp_path, "echo '[1:1:ERROR:dbus/bus.cc:405] Failed to connect to the bus' >&2\n" + body
    )
    with pytest.raises(_chromium.ChromiumError, match=message) as caught:
        print_small(tmp_path, chromium)
    said = str(caught.value)
    assert "dbus" not in said  # the container's D-Bus noise is left out of the message
    if "echo" in body:
        assert body.split("'")[1] in said  # Chromium's own words are in it
    assert not (tmp_path / "out.pdf").exists()
    assert list(private_tmp.iterdir()) == []


def test_a_pdf_is_whole_only_once_its_trailer_and_cross_reference_are_written(tmp_path):
    from kirkuk_analysis._chromium import _whole_pdf

    pdf = tmp_path / "out.pdf"
    whole = _tiny_pdf().encode()
    pdf.write_bytes(whole)
    assert _whole_pdf(pdf)
    for cut in range(len(whole) - 1):  # every moment of a front-to-back write
        pdf.write_bytes(whole[:cut])
        assert not _whole_pdf(pdf), cut
    # a trailer pointing past the file, or at something that is no cross-reference section
    at = whole.rindex(b"startxref")
    pdf.write_bytes(whole[:at] + b"startxref\n999999\n%%EOF\n")
    assert not _whole_pdf(pdf)
    pdf.write_bytes(whole[:at] + b"startxref\n3\n%%EOF\n")
    assert not _whole_pdf(pdf)
    # a cross-reference stream (an object) instead of a table, as newer writers make
    pdf.write_bytes(whole[:at] + b"startxref\n9\n%%EOF\n")
    assert whole[9:16] == b"1 0 obj" and _whole_pdf(pdf)


def test_the_print_does_not_wait_for_chromium_to_exit_once_the_pdf_is_whole(tmp_path, private_tmp):
    pids = tmp_path / "pids"
    # writes the whole PDF, then takes its time to shut down (a helper too)
    chromium = fake_chromium(tmp_path, WRITE_TINY_PDF + f"sleep 300 & echo $$ $! > {pids}; wait\n")
    t0 = time.monotonic()
    pdf = print_small(tmp_path, chromium, timeout=60)
    assert time.monotonic() - t0 < 30  # not the 60 s deadline: the PDF was there
    assert pdf.read_bytes() == _tiny_pdf().encode()
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid), pid
    assert list(private_tmp.iterdir()) == []


def test_a_hung_chromium_is_killed_with_its_helpers_at_the_deadline(tmp_path, private_tmp):
    from kirkuk_analysis import _chromium

    pids = tmp_path / "pids"
    # a helper process in the background, as Chromium's zygote and renderers are
    chromium = fake_chromium(tmp_path, f"sleep 300 & echo $$ $! > {pids}; wait\n")
    t0 = time.monotonic()
    with pytest.raises(_chromium.ChromiumError, match="did not print within 1.5 s"):
        print_small(tmp_path, chromium, timeout=1.5)
    assert time.monotonic() - t0 < 10
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid), pid
    assert not (tmp_path / "out.pdf").exists()
    assert list(private_tmp.iterdir()) == []


def test_a_chromium_that_cannot_start_is_a_chromium_error(tmp_path):
    from kirkuk_analysis import _chromium

    not_executable = tmp_path / "chromium"
    not_executable.write_text("")
    with pytest.raises(_chromium.ChromiumError, match="could not start"):
        print_small(tmp_path, str(not_executable))


@needs_pdf_tools
@needs_chromium
def test_the_footer_is_printed_as_given_on_every_page(tmp_path):
    from kirkuk_analysis import _chromium

    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>t</title>" + "<p>line</p>" * 150)
    pdf = tmp_path / "out.pdf"
    footer = 'kirkuk 1.0 · "quoted" \\ back </style><b>not bold</b>'
    _chromium.print_to_pdf(page, pdf, footer_text=footer)
    pages = int(pdfinfo(pdf)["Pages"])
    assert pages >= 2
    text = pdftotext(pdf)
    assert text.count(footer) == pages
    assert [f"page {n} / {pages}" in text for n in range(1, pages + 1)] == [True] * pages


# --- Chromium started before its page exists (_chromium.Printer) ---------------------


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_the_early_printer_serves_its_page_only_at_its_own_address_once_given(
    tmp_path, private_tmp
):
    import threading

    waiting = fake_chromium(tmp_path, "sleep 300\n")  # started, never asks for the page
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><html><head></head><body><p>the page</p></body></html>")
    with _chromium.Printer(chromium=waiting, footer_text="foot") as printer:
        printer.start()
        url = printer._server.url
        assert url.startswith("http://127.0.0.1:") and len(url.split("/")[3]) >= 16
        base = url.rsplit("/", 2)[0]
        for other in ("/", "/brief.html", "/favicon.ico", url[len(base) :] + "x"):
            assert _get(base + other)[0] == 404, other
        got = {}
        asking = threading.Thread(target=lambda: got.update(answer=_get(url, timeout=20)))
        asking.start()
        time.sleep(0.3)
        assert asking.is_alive()  # the answer waits for the page
        with printer._lock:  # what print_to_pdf does, without waiting for this Chromium
            printer._page = b"<p>given</p>"
            printer._given.set()
        asking.join(10)
        assert got["answer"] == (200, b"<p>given</p>")
        process = printer._process
    assert _group_alive(process.pid) == []  # leaving it kills Chromium
    assert list(private_tmp.iterdir()) == []  # and removes its work folder
    with pytest.raises(OSError):
        _get(url, timeout=2)  # and stops serving


def test_the_early_printer_prints_what_print_to_pdf_prints(tmp_path, private_tmp):
    seen = tmp_path / "seen"
    seen.mkdir()
    chromium = fake_chromium(
        tmp_path,
        f'cp "$PAGE" {seen}/page.html; ' + WRITE_TINY_PDF,
        before_fetch=f"date +%s%N > {seen}/started",
    )
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><html><head></head><body><p>hello</p></body></html>")
    with _chromium.Printer(chromium=chromium, footer_text="v1 · all", timeout=5) as printer:
        printer.start()
        time.sleep(0.5)  # the notebook runs
        given = time.time_ns()
        printer.print_to_pdf(page, tmp_path / "out.pdf")
    assert int((seen / "started").read_text()) < given  # started before the page existed
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    printed = (seen / "page.html").read_text()
    assert "<p>hello</p>" in printed and 'content: "v1 · all"' in printed  # the @page rule
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize(
    "first_run",
    ["exit 5\n", "kill -SEGV $$\n"],  # gone before the page was given
)
def test_an_early_chromium_that_died_is_replaced_by_an_ordinary_print(
    tmp_path, private_tmp, first_run
):
    runs = tmp_path / "runs"
    chromium = fake_chromium(
        tmp_path,
        WRITE_TINY_PDF,
        before_fetch=f'echo run >> {runs}\nif [ "$(wc -l < {runs})" -eq 1 ]; then {first_run}fi',
    )
    page = tmp_path / "page.html"
    page.write_text("<p>hello</p>")
    with _chromium.Printer(chromium=chromium) as printer:
        printer.start()
        deadline = time.monotonic() + 10
        while printer._process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        printer.print_to_pdf(page, tmp_path / "out.pdf")
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    assert runs.read_text().count("run") == 2
    assert list(private_tmp.iterdir()) == []


def test_an_early_chromium_that_never_read_the_page_is_not_taken_at_its_word(tmp_path, private_tmp):
    """A Chromium that cannot reach the page prints its own error page: that is no brief,
    so the page is printed again the ordinary way."""
    runs = tmp_path / "runs"
    seen = tmp_path / "seen.html"
    chromium = fake_chromium(
        tmp_path,
        f'cp "$PAGE" {seen}; ' + WRITE_TINY_PDF,
        # the first run asks nothing and prints anyway, as Chromium does on an error page
        before_fetch=(
            f'echo run >> {runs}\nif [ -n "$URL" ]; then sleep 1; PAGE=/dev/null; URL=; fi'
        ),
    )
    page = tmp_path / "page.html"
    page.write_text("<p>the brief</p>")
    with _chromium.Printer(chromium=chromium) as printer:
        printer.start()
        printer.print_to_pdf(page, tmp_path / "out.pdf")  # given while it still runs
    assert runs.read_text().count("run") == 2
    assert "<p>the brief</p>" in seen.read_text()  # the second print had the page
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    assert list(private_tmp.iterdir()) == []


def test_an_early_chromium_that_hangs_on_the_page_meets_the_deadline(tmp_path, private_tmp):
    pids = tmp_path / "pids"
    chromium = fake_chromium(tmp_path, f"sleep 300 & echo $$ $! > {pids}; wait\n")
    page = tmp_path / "page.html"
    page.write_text("<p>hello</p>")
    with _chromium.Printer(chromium=chromium, timeout=1.5) as printer:
        printer.start()
        time.sleep(2)  # longer than the deadline: which counts from the page, not from here
        t0 = time.monotonic()
        with pytest.raises(_chromium.ChromiumError, match="did not print within 1.5 s"):
            printer.print_to_pdf(page, tmp_path / "out.pdf")
        assert 1.4 < time.monotonic() - t0 < 10
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid), pid
    assert not (tmp_path / "out.pdf").exists()
    assert list(private_tmp.iterdir()) == []


def test_a_page_handed_early_is_printed_meanwhile(tmp_path, private_tmp):
    seen = tmp_path / "seen"
    seen.mkdir()
    chromium = fake_chromium(tmp_path, f'cp "$PAGE" {seen}/page.html; ' + WRITE_TINY_PDF)
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><html><head></head><body><p>early</p></body></html>")
    with _chromium.Printer(chromium=chromium, timeout=20) as printer:
        printer.start()
        printer.hand(page)  # and this process goes on (the kernel is shut down, ...)
        deadline = time.monotonic() + 10
        while not (seen / "page.html").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "<p>early</p>" in (seen / "page.html").read_text()  # before print_to_pdf
        with pytest.raises(ValueError, match="not the page handed"):
            printer.hand(tmp_path / "other.html")
        printer.print_to_pdf(page, tmp_path / "out.pdf")
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    assert list(private_tmp.iterdir()) == []


def test_the_deadline_of_a_page_handed_early_counts_from_the_handing(tmp_path, private_tmp):
    chromium = fake_chromium(tmp_path, "sleep 300 & wait\n")
    page = tmp_path / "page.html"
    page.write_text("<p>hello</p>")
    with _chromium.Printer(chromium=chromium, timeout=2.0) as printer:
        printer.start()
        printer.hand(page)
        time.sleep(1.5)
        t0 = time.monotonic()
        with pytest.raises(_chromium.ChromiumError, match="did not print within 2 s"):
            printer.print_to_pdf(page, tmp_path / "out.pdf")
        assert time.monotonic() - t0 < 1.4  # the rest of the 2 s, not 2 s more
    assert not (tmp_path / "out.pdf").exists()


def test_a_printer_closed_before_it_started_starts_nothing(tmp_path, private_tmp):
    started = tmp_path / "started"
    printer = _chromium.Printer(chromium=fake_chromium(tmp_path, f"touch {started}\n"))
    printer.close()
    printer.start()  # as the brief's thread may, after a failed notebook closed it
    assert printer._process is None and not started.exists()
    assert list(private_tmp.iterdir()) == []


@needs_pdf_tools
@needs_chromium
def test_the_real_chromium_started_early_prints_the_page_with_links_and_footer(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><head><title>Early</title></head><body>"
        '<p><a href="#far">to the note</a></p>' + "<p>line</p>" * 120 + '<p id="far">the note</p>'
        '<p><a href="https://example.org/a">outside</a></p></body></html>'
    )
    pdf = tmp_path / "out.pdf"
    with _chromium.Printer(footer_text="early footer") as printer:
        printer.start()
        time.sleep(1)
        printer.print_to_pdf(page, pdf)
    pages = int(pdfinfo(pdf)["Pages"])
    text = pdftotext(pdf)
    assert "the note" in text and text.count("early footer") == pages >= 2
    raw = pdf.read_bytes()
    assert b"https://example.org/a" in raw  # the outside link
    assert b"127.0.0.1" not in raw  # the internal one is a destination in the PDF, no address


def _cpus_of(pid) -> str:
    """The ``Cpus_allowed_list`` of /proc/PID/status, as "0-1" or "1"."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no Cpus_allowed_list for {pid}")


def _parse_cpus(text: str) -> set[int]:
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


needs_affinity = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or not Path("/proc/self/status").exists(),
    reason="needs CPU affinity and /proc",
)


@needs_affinity
def test_the_early_chromium_boots_on_its_cpus_and_prints_on_all(tmp_path, private_tmp):
    seen = tmp_path / "seen"
    seen.mkdir()
    chromium = fake_chromium(
        tmp_path,
        # after the page came: its own CPUs and those of a helper it started before
        f"grep Cpus_allowed_list /proc/$$/status > {seen}/print\n"
        f"grep Cpus_allowed_list /proc/$(cat {seen}/helper)/status > {seen}/helper-print\n"
        + WRITE_TINY_PDF,
        before_fetch=(
            f"grep Cpus_allowed_list /proc/$$/status > {seen}/boot\n"
            f"sleep 60 & echo $! > {seen}/helper"
        ),
    )
    page = tmp_path / "page.html"
    page.write_text("<p>hello</p>")
    own = os.sched_getaffinity(0)
    with _chromium.Printer(chromium=chromium) as printer:
        printer.start()
        assert os.sched_getaffinity(0) == own  # the thread that started it is as it was
        deadline = time.monotonic() + 10
        while not (seen / "helper").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        boot = _parse_cpus((seen / "boot").read_text().split(":")[1].strip())
        assert boot == (_chromium.boot_cpus(own) or own)
        printer.print_to_pdf(page, tmp_path / "out.pdf")
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    for name in ("print", "helper-print"):
        assert _parse_cpus((seen / name).read_text().split(":")[1].strip()) == own, name


@needs_chromium
@needs_affinity
def test_every_process_of_the_early_chromium_boots_on_its_cpus(tmp_path):
    own = os.sched_getaffinity(0)
    with _chromium.Printer(footer_text="x") as printer:
        printer.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # booted: a renderer waits for the page
            if any("--type=renderer" in ln for ln in _group_command_lines(printer._process.pid)):
                break
            time.sleep(0.1)
        cpus = {}
        # each process as it started (a few threads of its own Chromium places itself)
        for pid in _chromium._group_members(printer._process.pid):
            try:
                cpus[pid] = _parse_cpus(_cpus_of(pid))
            except OSError:
                pass  # ended meanwhile
    assert len(cpus) >= 3  # the browser, its zygote, the page's renderer, ...
    assert set(map(frozenset, cpus.values())) == {frozenset(_chromium.boot_cpus(own) or own)}


def _group_command_lines(pgid: int) -> list[str]:
    lines = []
    for name in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes()
            command = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:  # not a process, or gone meanwhile
            continue
        if stat[stat.rfind(b")") + 2 :].split()[2] == str(pgid).encode():
            lines.append(command.replace(b"\0", b" ").decode(errors="replace"))
    return lines


@needs_chromium
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_the_early_chromium_builds_no_browser_interface(tmp_path):
    # a headless print shows no toolbar, omnibox or tab search; building them in a renderer
    # of their own took two thirds of Chromium's start, while the brief's kernel worked
    with _chromium.Printer(footer_text="x") as printer:
        printer.start()
        deadline = time.monotonic() + 20
        lines: list[str] = []
        while time.monotonic() < deadline:  # booted: a renderer waits for the page
            lines = _group_command_lines(printer._process.pid)
            if sum("--type=renderer" in line for line in lines) >= 1:
                break
            time.sleep(0.1)
        time.sleep(1.0)  # the interface, when built, comes up alongside the page's renderer
        lines = _group_command_lines(printer._process.pid)
    assert any("--type=renderer" in line for line in lines), lines
    assert not [line for line in lines if "--top-chrome-webui" in line]


def _recording(monkeypatch):
    """Record every kernel manager the brief starts and every Chromium process it runs."""
    from kirkuk_analysis import _chromium

    started = {"kernels": [], "chromium": []}
    real_kernel = brief._started_kernel
    real_kill_group = _chromium._kill_group

    @contextlib.contextmanager
    def kernel(*args, **kwargs):
        with real_kernel(*args, **kwargs) as (km, preloaded):
            started["kernels"].append(km)
            yield km, preloaded

    def kill_group(process):  # every Chromium process ends here, however its print went
        started["chromium"].append(process)
        real_kill_group(process)

    monkeypatch.setattr(brief, "_started_kernel", kernel)
    monkeypatch.setattr(_chromium, "_kill_group", kill_group)
    return started


def test_preloaded_modules_bind_no_names_in_the_notebook(tmp_path):
    # the kernel imports PRELOAD before the notebook runs, and the notebook sees none of it
    names = (
        "import sys\n"
        "print(sorted(n for n in globals() if not n.startswith('_') and n not in "
        "('In', 'Out', 'exit', 'quit', 'open', 'get_ipython', 'sys', 'start', 'end', "
        "'provinces', 'parties', 'title')))\n"
        f"print(all(m in sys.modules for m in {brief.PRELOAD!r}))\n"
        "print(__import__('gc').isenabled())\n"  # paused only while the kernel imported them
        # the brief kernel's set-up (kirkuk_analysis._kernel): strings held in Python
        "print(__import__('pandas').Series(['a'], dtype='str').dtype.storage)"
    )
    parameters = "start = end = provinces = parties = title = None"
    printed = probe_printed(tmp_path, names, parameters)
    assert printed.splitlines()[-4:] == ["[]", "True", "True", "python"]


def test_the_notebook_s_client_is_ready_once_the_kernel_has_answered(tmp_path):
    """The client papermill gets from the brief's kernel manager waits through the preload,
    is ready once the kernel has answered on both channels, leaves none of its own requests'
    messages unread on IOPub, and then receives a cell's output."""
    import asyncio
    from queue import Empty

    async def ready_then_run(km) -> str:
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)  # asked while the kernel still imports
            # what is left on IOPub comes from before (the imports' own output, flushed
            # late); the client's own requests were answered there in full
            left = []
            while True:
                try:
                    left.append(await kc.iopub_channel.get_msg(timeout=0.5))
                except Empty:
                    break
            asked = [m for m in left if m["parent_header"].get("msg_type") == "kernel_info_request"]
            assert not asked, asked
            msg_id = kc.execute("print('ran')")
            printed = []
            while True:
                msg = await kc.iopub_channel.get_msg(timeout=60)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    printed.append(msg["content"]["text"])
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return "".join(printed)
        finally:
            kc.stop_channels()

    with brief._started_kernel(brief._kernel_name(), tmp_path) as (km, _):
        assert asyncio.run(ready_then_run(km)) == "ran\n"


def test_the_preload_turns_the_collector_back_on_when_an_import_fails():
    import gc

    assert gc.isenabled()
    try:
        with pytest.raises(ModuleNotFoundError):
            exec(brief.preload_code(("json", "kirkuk_no_such_module"), brief_kernel=False), {})
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()  # this test process's objects, frozen by the preload, collectable again


@needs_chromium
def test_kernel_and_chromium_are_gone_after_a_failed_brief(tmp_path, monkeypatch):
    started = _recording(monkeypatch)
    failing = tiny_notebook(tmp_path / "nb", "1 / 0")
    with pytest.raises(brief.BriefError, match="the brief notebook failed: ZeroDivisionError"):
        quick_brief(tmp_path / "b.pdf", failing)
    (km,) = started["kernels"]
    assert not km.has_kernel  # shut down, not left running
    # Chromium, started early to wait for the page, was killed with all its helpers
    for process in started["chromium"]:
        assert process.returncode is not None and _group_alive(process.pid) == []


@needs_chromium
def test_kernel_and_chromium_are_gone_after_a_brief(tmp_path, monkeypatch, private_tmp):
    started = _recording(monkeypatch)
    pdf = brief.make_brief(
        brief.validate_params("2021-01-01", "2021-03-31", ["Kirkuk"]),
        tmp_path / "b.pdf",
        log=lambda msg: None,
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    (km,) = started["kernels"]
    assert not km.has_kernel
    (process,) = started["chromium"]
    # reaped: it exited, or was killed once its PDF was whole (it was: the brief is there)
    assert process.returncode in (0, -signal.SIGKILL)
    assert _group_alive(process.pid) == []  # nothing left of Chromium's process group
    assert [p.name for p in private_tmp.iterdir()] == []  # no profile, HTML or work folder


def test_the_print_deadline_counts_from_the_page_not_from_chromiums_start(tmp_path, monkeypatch):
    """Chromium starts while the notebook runs; a notebook longer than the print's
    deadline must not use it up."""
    chromium = fake_chromium(tmp_path, WRITE_TINY_PDF)
    monkeypatch.setenv("CHROMIUM", chromium)
    monkeypatch.setattr(_chromium, "TIMEOUT", 2.0)
    slow = tiny_notebook(tmp_path / "nb", "import time\ntime.sleep(4)")
    started = _recording(monkeypatch)
    pdf = quick_brief(tmp_path / "b.pdf", slow)
    assert pdf.read_bytes().startswith(b"%PDF")
    # it was started early (before the page existed) and printed the page it was served
    assert [p.args[-1].split(":")[0] for p in started["chromium"]] == ["http"]


def test_chromium_has_the_page_before_the_kernel_is_shut_down(tmp_path, monkeypatch):
    """The page goes to Chromium as soon as the notebook has run; shutting the kernel down
    and writing the executed notebook happen while it prints."""
    monkeypatch.setenv("CHROMIUM", fake_chromium(tmp_path, WRITE_TINY_PDF))
    events = []
    real_hand, real_kill, real_save = _chromium.Printer.hand, brief._kill_now, brief._save_notebook

    def hand(self, html_path):
        events.append("page handed")
        real_hand(self, html_path)

    def kill(km):
        events.append("kernel shut down")
        real_kill(km)

    def save(*args, **kwargs):
        events.append("notebook written")
        real_save(*args, **kwargs)

    monkeypatch.setattr(_chromium.Printer, "hand", hand)
    monkeypatch.setattr(brief, "_kill_now", kill)
    monkeypatch.setattr(brief, "_save_notebook", save)
    pdf = quick_brief(tmp_path / "b.pdf", tiny_notebook(tmp_path / "nb"))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert events[:3] == ["page handed", "kernel shut down", "notebook written"]


def test_a_kernel_that_dies_is_a_brief_error(tmp_path):
    dying = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("start = end = None", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("import os\nos._exit(1)"),
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )
    source = tmp_path / "dying.ipynb"
    nbformat.write(dying, str(source))
    with pytest.raises(brief.BriefError, match="kernel died") as raised:
        brief.execute_notebook(brief.validate_params(), tmp_path / "run.ipynb", notebook=source)
    assert "last words" not in str(raised.value)  # it said nothing


def test_a_dying_kernels_last_log_line_is_in_the_error(tmp_path):
    """The kernel's log goes to a file, not the terminal; when the kernel dies, the error
    gives the log's last line, which may say why."""
    source = tiny_notebook(
        tmp_path / "nb",
        "get_ipython().kernel.log.critical('no memory left for the figures')\n"
        "import os\nos._exit(1)",
    )
    with pytest.raises(brief.BriefError, match="kernel died") as raised:
        brief.execute_notebook(brief.validate_params(), tmp_path / "run.ipynb", notebook=source)
    assert str(raised.value).endswith(
        "; the kernel's last words: [IPKernelApp] CRITICAL | no memory left for the figures"
    )


def test_the_kernels_own_log_stays_off_the_terminal(tmp_path):
    """A kernel logs what it cannot read (a stray client's messages, as tracebacks) and
    warnings to its stderr; a brief's user sees one line per step, whatever the kernel
    logs while it runs."""
    source = tiny_notebook(
        tmp_path / "nb",
        "import logging\n"
        "get_ipython().kernel.log.error('Traceback (most recent call last): kernel log')\n"
        "logging.getLogger('tornado.general').error('Uncaught exception in ZMQStream')",
    )
    script = (
        "from pathlib import Path\n"
        "from kirkuk_analysis import brief\n"
        f"brief.make_brief(brief.validate_params('2021-01-01', '2021-03-31'), "
        f"Path({str(tmp_path / 'b.pdf')!r}), notebook=Path({str(source)!r}))\n"
    )
    env = dict(os.environ, CHROMIUM=fake_chromium(tmp_path, WRITE_TINY_PDF))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")
    assert "kernel log" not in done.stderr and "ZMQStream" not in done.stderr, done.stderr


def test_kernel_sockets_are_in_the_briefs_folder_when_their_paths_fit(tmp_path):
    short = tmp_path / "b"
    assert brief.kernel_address(short) == ("ipc", str(short.resolve() / "kernel"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract sockets: Linux")
def test_a_long_tmpdir_gets_abstract_sockets_not_a_reusable_port(tmp_path, monkeypatch):
    """A socket's path must fit 107 bytes: a deep $TMPDIR gets sockets without a path,
    each brief its own name, rather than TCP ports another client may still be polling;
    the brief runs there and leaves nothing behind."""
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    transport, ip = brief.kernel_address(deep / "kirkuk-brief-x")
    assert transport == "ipc" and ip.startswith("@kirkuk-brief-")
    assert brief.kernel_address(deep / "kirkuk-brief-x")[1] != ip
    monkeypatch.setenv("TMPDIR", str(deep))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("CHROMIUM", fake_chromium(tmp_path, WRITE_TINY_PDF))
    pdf = quick_brief(tmp_path / "b.pdf", tiny_notebook(tmp_path / "nb", "x = 1"))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert list(deep.iterdir()) == []


# --- outputs, signals and hostile text (issue 11) ----------------------------------------

PARAMETERS_CELL = (
    'start = "2020-01-01"\nend = "2024-12-31"\nprovinces = []\nparties = []\n'
    'title = "t"\ndata_dir = None\n'
)


def tiny_notebook(folder: Path, body: str = "", name: str = "brief.ipynb") -> Path:
    """A notebook with the brief's parameters, ``body`` as its one other code cell, and a
    line of Markdown: a brief in a second or two (plus ``body``)."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(PARAMETERS_CELL, metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(body or "pass"),
            nbformat.v4.new_markdown_cell("A tiny brief."),
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(nb, str(path))
    return path


def a_brief_notebook(path: Path, text: str) -> bytes:
    """Write a notebook that a brief wrote (it carries the brief's marker); return its bytes."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    nb.metadata["kirkuk_analysis"] = {"brief_run": True}
    nbformat.write(nb, str(path))
    return path.read_bytes()


def quick_brief(output: Path, notebook: Path, **kwargs) -> Path:
    return brief.make_brief(
        brief.validate_params("2021-01-01", "2021-03-31"),
        output,
        notebook=notebook,
        log=lambda msg: None,
        **kwargs,
    )


def test_the_brief_process_leaves_pandas_to_the_kernel(tmp_path):
    """The data check and the tables are the kernel's: the brief's own process never
    imports pandas (its import competed with the kernel's boot for the CPUs)."""
    source = tiny_notebook(tmp_path / "src", "import kirkuk_analysis\nkirkuk_analysis.load()")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kirkuk_analysis import brief\n"
        f"brief.make_brief(brief.validate_params('2021-01-01', '2021-03-31'), "
        f"Path({str(tmp_path / 'b.pdf')!r}), notebook=Path({str(source)!r}), log=print)\n"
        "print('pandas imported:', 'pandas' in sys.modules)\n"
    )
    env = dict(os.environ, CHROMIUM=fake_chromium(tmp_path, WRITE_TINY_PDF))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "pandas imported: False"
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")


def test_the_executed_notebook_never_clobbers_a_notebook_no_brief_wrote(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMIUM", fake_chromium(tmp_path, WRITE_TINY_PDF))
    source = tiny_notebook(tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "analysis.ipynb"  # a researcher's notebook named like the PDF
    mine.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    before = mine.read_bytes()
    old = os.umask(0o027)
    try:
        quick_brief(out / "analysis.pdf", source)
        quick_brief(out / "analysis.pdf", source)  # its own notebook: overwritten
    finally:
        os.umask(old)
    assert mine.read_bytes() == before
    names = sorted(p.name for p in out.iterdir())
    assert names == ["analysis.brief-run.ipynb", "analysis.ipynb", "analysis.pdf"]
    run = nbformat.read(str(out / "analysis.brief-run.ipynb"), as_version=4)
    assert run.metadata["kirkuk_analysis"]["brief_run"] is True
    assert run.metadata["papermill"]["output_path"] == str(out / "analysis.brief-run.ipynb")
    for name in ("analysis.brief-run.ipynb", "analysis.pdf"):  # modes from the umask
        assert (out / name).stat().st_mode & 0o777 == 0o640, name
    # the brief's own source notebook cannot be its executed notebook either
    assert quick_brief(source.with_suffix(".pdf"), source).is_file()
    assert nbformat.read(str(source), as_version=4).metadata.get("kirkuk_analysis") is None


def test_an_output_name_in_another_encoding_is_written(tmp_path, monkeypatch):
    # a file name that is not UTF-8 is a valid name: it must not break writing the notebook
    monkeypatch.setenv("CHROMIUM", fake_chromium(tmp_path, WRITE_TINY_PDF))
    name = os.fsdecode(b"\xff-brief.pdf")
    pdf = quick_brief(tmp_path / "out" / name, tiny_notebook(tmp_path / "src"))
    assert pdf.read_bytes().startswith(b"%PDF")
    run = brief.executed_notebook_path(pdf)
    assert "\\xff" in json.loads(run.read_bytes())["metadata"]["papermill"]["output_path"]


def test_a_full_disk_while_writing_changes_nothing(tmp_path, monkeypatch):
    import errno

    monkeypatch.setenv("CHROMIUM", fake_chromium(tmp_path, WRITE_TINY_PDF))
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.pdf").write_bytes(b"%PDF old")
    old_run = a_brief_notebook(out / "b.brief-run.ipynb", "the previous run")
    real_write = brief.write_synced

    def full_disk(path, data):
        real_write(path, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(brief, "write_synced", full_disk)
    with pytest.raises(brief.BriefError, match="No space left on device") as caught:
        quick_brief(out / "b.pdf", tiny_notebook(tmp_path / "src"))
    assert "\n" not in str(caught.value) and str(out / "b.brief-run.ipynb") in str(caught.value)
    assert sorted(p.name for p in out.iterdir()) == ["b.brief-run.ipynb", "b.pdf"]
    assert (out / "b.pdf").read_bytes() == b"%PDF old"  # the pair of the earlier run, intact
    assert (out / "b.brief-run.ipynb").read_bytes() == old_run


def test_a_slow_notebook_still_prints(tmp_path, monkeypatch):
    """Chromium's deadline is the print's own: a notebook that runs longer than it is fine."""
    from kirkuk_analysis import _chromium

    monkeypatch.setattr(_chromium, "TIMEOUT", 2.0)
    started = tmp_path / "chromium-started"
    # a print that takes half its deadline
    monkeypatch.setenv(
        "CHROMIUM", fake_chromium(tmp_path, f"touch {started}; sleep 1\n" + WRITE_TINY_PDF)
    )
    slow = tiny_notebook(tmp_path / "src", "import time\ntime.sleep(3)")
    t0 = time.time()
    pdf = quick_brief(tmp_path / "out" / "b.pdf", slow)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert started.stat().st_mtime - t0 > 3  # the deadline started after the notebook's sleep


def test_a_kernel_killed_while_starting_is_a_message(tmp_path, monkeypatch, capsys):
    import signal

    from kirkuk_analysis import _paths, cli

    monkeypatch.setattr(_paths, "notebooks_dir", lambda: tiny_notebook(tmp_path / "nb").parent)
    monkeypatch.setenv("CHROMIUM", fake_chromium(tmp_path, WRITE_TINY_PDF))
    real_kernel = brief._started_kernel

    @contextlib.contextmanager
    def killed(*args, **kwargs):
        with real_kernel(*args, **kwargs) as (km, preloaded):
            os.kill(km.provisioner.process.pid, signal.SIGKILL)
            yield km, preloaded

    monkeypatch.setattr(brief, "_started_kernel", killed)
    out = tmp_path / "out" / "b.pdf"
    assert cli.main(["brief", "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "kernel" in err and "Traceback" not in err and "RuntimeError" not in err
    assert err.strip().splitlines()[-1].startswith("kirkuk-analysis: error: the brief notebook")
    assert not out.parent.exists()  # made for the brief, which wrote nothing: removed


@pytest.mark.parametrize("fault", ["kernel that cannot start", "kernel that dies in a cell"])
def test_a_dead_kernel_is_one_line(tmp_path, fault):
    """nbclient logs what went wrong with the kernel (to papermill's logger) before it
    raises; the brief says it once, in its own line (a process of its own: pytest would
    catch the log)."""
    body = "import os\nos._exit(1)" if fault == "kernel that dies in a cell" else ""
    notebooks = tiny_notebook(tmp_path / "nb", body).parent
    env = dict(os.environ, CHROMIUM=fake_chromium(tmp_path, WRITE_TINY_PDF))
    if fault == "kernel that cannot start":  # this interpreter, running no kernel
        spec = tmp_path / "jupyter" / "kernels" / brief.KERNEL_NAME
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "kirkuk_no_such_module", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "broken", "language": "python"})
        )
        env["JUPYTER_PATH"] = str(tmp_path / "jupyter")
    code = (
        "import sys; from pathlib import Path; from kirkuk_analysis import _paths, cli; "
        f"_paths.notebooks_dir = lambda: Path({str(notebooks)!r}); "
        f"sys.exit(cli.main(['brief', '--output', {str(tmp_path / 'out' / 'b.pdf')!r}]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 2 and lines[0].startswith("running notebook"), lines
    assert lines[1].startswith("kirkuk-analysis: error: the brief notebook's kernel")


def _executed_title(tmp_path, title: str) -> tuple[str, str]:
    """The brief notebook run with ``title``: its outputs' HTML and the page nbconvert makes."""
    executed = tmp_path / "run.ipynb"
    params = brief.validate_params("2021-01-01", "2021-03-31", ["Kirkuk"], title=title)
    brief.execute_notebook(params, executed)
    nb = nbformat.read(str(executed), as_version=4)
    outputs = "\n".join(
        "".join(o.get("data", {}).get(kind, ""))
        for c in nb.cells
        for o in c.get("outputs", [])
        for kind in ("text/html", "text/markdown")
    )
    return outputs, brief.render_html(executed)


def test_a_title_with_control_characters_stays_data(tmp_path):
    image = tmp_path / "secret.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    title = (
        f"Kirkuk\r\r# Heading\r![x]({image.as_uri()})\x0b<b>bold</b>\x00\x1b[31m"
        "\u2028* item\x85end\t\u202ereversed"  # a right-to-left override: dropped
    )
    outputs, page = _executed_title(tmp_path, title)
    header = re.search(r'<h1 class="brief-title">(.*?)</h1>', page, re.S)
    assert header, "no title"
    shown = html.unescape(header[1])
    assert shown == f"Kirkuk # Heading ![x]({image.as_uri()}) <b>bold</b> [31m * item end reversed"
    assert image.as_uri() not in re.sub(r'<h1 class="brief-title">.*?</h1>', "", page, flags=re.S)
    assert "<b>bold</b>" not in page and "<h1>Heading" not in page and "<li>item" not in page
    for c in "\r\x00\x0b\x1b\x85\u2028\u202e":
        assert c not in outputs, repr(c)


def test_text_that_is_not_utf8_is_refused_before_any_notebook(tmp_path, capsys, monkeypatch):
    import papermill

    from kirkuk_analysis import cli

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("ran"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(brief.BriefParameterError, match="U\\+DCFF"):
        brief.validate_params(title="caf\udcff")
    assert cli.main(["brief", "--title", "caf\udcff"]) == 2
    assert "title is not valid text" in capsys.readouterr().err
    weird = tmp_path / os.fsdecode(b"data-\xff")
    shutil.copytree(Path(brief._paths.data_dir()), weird)
    assert cli.main(["brief", "--data-dir", str(weird)]) == 2
    assert "data_dir is not valid text" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [weird.name]  # nothing else


def test_a_title_in_another_encoding_as_a_real_process(tmp_path, cli_command):
    done = subprocess.run(
        [*map(os.fsencode, cli_command), b"brief", b"--title", b"caf\xe9 latin-1"],
        cwd=tmp_path, capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert b"title is not valid text" in done.stderr and b"Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


# A brief as a separate process, stopped by a signal at a chosen point. Chromium is a
# stand-in that records its pids and waits, so that "during the print" is a moment we know.
HANGING_CHROMIUM = 'echo $$ > "$PIDS"; sleep 120 & echo $! >> "$PIDS"; wait\n'


def _processes_mentioning(text: str) -> list[int]:
    """The running processes whose command line mentions ``text``, or whose working folder
    does (the brief's kernel is started in its work folder, before it has a connection
    file to name)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if (text.encode() in cmdline or text in cwd) and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _wait_for(condition, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the brief to get there")


@needs_chromium
@pytest.mark.parametrize(
    "sig, moment",
    [
        ("SIGTERM", "kernel starting"),
        ("SIGTERM", "notebook running"),
        ("SIGINT", "notebook running"),
        ("SIGTERM", "printing"),
        ("SIGINT", "printing"),
        ("SIGTERM", "Chromium printing"),
    ],
)
def test_a_signal_leaves_nothing_behind(tmp_path, cli_command, sig, moment):

    # short: Chromium's singleton socket in it must fit a Unix socket path (107 bytes)
    tmpdir = Path(tempfile.mkdtemp(prefix="kirkuk-sig-", dir="/tmp"))
    try:
        _signal_a_brief(tmp_path, tmpdir, cli_command, sig, moment)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _signal_a_brief(tmp_path, tmpdir, cli_command, sig, moment):
    import signal

    out = tmp_path / "out"
    out.mkdir()
    (out / "b.pdf").write_bytes(b"%PDF from an earlier run")
    old_run = a_brief_notebook(out / "b.brief-run.ipynb", "the earlier run")
    pids = tmp_path / "chromium-pids"
    env = dict(os.environ, TMPDIR=str(tmpdir), PIDS=str(pids))
    if moment != "Chromium printing":
        env["CHROMIUM"] = fake_chromium(tmp_path, HANGING_CHROMIUM)
    proc = subprocess.Popen(
        [*cli_command, "brief", "--start", "2021-01-01", "--end", "2021-06-30",
         "--output", str(out / "b.pdf")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        if moment == "printing":
            _wait_for(lambda: pids.is_file() and len(pids.read_text().split()) == 2)
        elif moment == "Chromium printing":
            _wait_for(lambda: _processes_mentioning("--print-to-pdf=" + str(tmpdir)))
            time.sleep(0.3)
        else:
            _wait_for(lambda: list(tmpdir.glob("kirkuk-brief-*/kernel.json")))
            if moment == "notebook running":
                time.sleep(3.0)  # the kernel has booted and runs the cells (or still boots)
        helpers = _processes_mentioning(str(tmpdir))
        assert helpers, "no kernel or Chromium seen"
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    err = err.decode()
    word, code = ("terminated", 143) if sig == "SIGTERM" else ("interrupted", 130)
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1] == f"kirkuk-analysis: error: {word}", err
    assert "Traceback" not in err
    assert list(tmpdir.iterdir()) == []  # no work folder, connection file, profile, .tmp
    assert sorted(p.name for p in out.iterdir()) == ["b.brief-run.ipynb", "b.pdf"]
    assert (out / "b.pdf").read_bytes() == b"%PDF from an earlier run"
    assert (out / "b.brief-run.ipynb").read_bytes() == old_run
    time.sleep(0.2)
    assert [p for p in helpers if _alive(p)] == []  # the kernel, Chromium and its helper
    assert _processes_mentioning(str(tmpdir)) == []


@needs_chromium
def test_a_killed_chromium_leaves_no_singleton_folder(tmp_path, monkeypatch, private_tmp):
    """Chromium makes org.chromium.Chromium.* in its $TMPDIR for the profile's socket, and
    leaves it there when it is killed: it is removed, wherever $TMPDIR had to be."""
    from kirkuk_analysis import _chromium

    # where it goes when neither the work folder nor $TMPDIR is short enough for the socket
    elsewhere = Path(tempfile.mkdtemp(prefix="kirkuk-t-", dir="/tmp"))
    try:
        monkeypatch.setattr(_chromium, "_chromium_tmpdir", lambda work: str(elsewhere))
        seen = []
        real_kill = _chromium._kill_group
        monkeypatch.setattr(
            _chromium,
            "_kill_group",
            lambda process: (seen.extend(os.listdir(elsewhere)), real_kill(process)),
        )
        page = tmp_path / "never-loads.html"
        page.write_text("<p>x</p><script>while (true) {}</script>")
        with pytest.raises(_chromium.ChromiumError, match="did not print within"):
            _chromium.print_to_pdf(page, tmp_path / "out.pdf", timeout=8)
        assert [n for n in seen if n.startswith("org.chromium.")], seen  # it was there
        assert list(elsewhere.iterdir()) == []
        assert list(private_tmp.iterdir()) == []
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)


def test_chromium_tmpdir_fits_a_unix_socket(tmp_path, monkeypatch):
    from kirkuk_analysis import _chromium

    short, long = Path("/tmp/k"), Path("/tmp/" + "x" * 80)
    monkeypatch.setattr(tempfile, "tempdir", "/var/tmp")
    assert _chromium._chromium_tmpdir(short) == "/tmp/k"
    assert _chromium._chromium_tmpdir(long) == "/var/tmp"
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    assert _chromium._chromium_tmpdir(long) == "/tmp"


def test_a_write_error_in_tmpdir_is_one_line_and_leaves_nothing(tmp_path, cli_command):
    """A file-size limit stands in for a full disk: writes fail with an OSError."""
    import resource

    tmpdir, out = tmp_path / "tmpdir", tmp_path / "out"
    tmpdir.mkdir()
    out.mkdir()
    (out / "b.pdf").write_bytes(b"%PDF from an earlier run")

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    done = subprocess.run(
        [*cli_command, "brief", "--output", str(out / "b.pdf")],
        env=dict(os.environ, TMPDIR=str(tmpdir)), preexec_fn=small_files,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("kirkuk-analysis: error: ") and "File too large" in last
    assert "Traceback" not in done.stderr
    assert list(tmpdir.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["b.pdf"]
    assert (out / "b.pdf").read_bytes() == b"%PDF from an earlier run"


def _python(script: str) -> subprocess.CompletedProcess:
    """``script`` run by this interpreter in a process of its own (signals and logging as a
    user's process has them, not pytest's); its output as text."""
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )


def test_a_signal_lost_in_a_callback_prints_no_traceback_and_acts_at_the_checkpoint():
    """Ctrl-C whose KeyboardInterrupt is raised inside a weak reference's callback (garbage
    collection, at any moment of a brief) is unraisable: Python printed "Exception
    ignored ..." with a traceback on the user's terminal. It is noticed, not printed, and
    acts at the next checkpoint; other unraisable errors are still printed."""
    script = (
        "import os, signal, weakref\n"
        "from kirkuk_analysis._cleanup import noticing_signals, checkpoint\n"
        "class A: pass\n"
        "def boom(_): raise ValueError('an ordinary unraisable error')\n"
        "try:\n"
        "    with noticing_signals():\n"
        "        b = A(); s = weakref.ref(b, boom); del b\n"
        "        a = A(); r = weakref.ref(a, lambda _: os.kill(os.getpid(), signal.SIGINT))\n"
        "        del a\n"
        "        checkpoint()\n"
        "        print('not reached')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    done = _python(script)
    assert done.stdout == "interrupted\n"
    assert "KeyboardInterrupt" not in done.stderr
    assert "an ordinary unraisable error" in done.stderr  # not everything is swallowed


def test_sigterm_in_an_asyncio_callback_leaves_the_loop_at_once():
    """papermill's client runs on asyncio (zmq's callbacks with it) for the whole notebook.
    asyncio dropped SIGTERM's exception raised in a callback, logged it with a traceback
    ("Exception in callback ..."), and went on with the callback's work undone; the brief
    ended only at its next checkpoint, if it got there. It now leaves the loop at once, as
    Ctrl-C's does."""
    script = (
        "import asyncio, os, signal, time\n"
        "from kirkuk_analysis import cli\n"
        "from kirkuk_analysis._cleanup import noticing_signals\n"
        "signal.signal(signal.SIGTERM, cli._on_sigterm)\n"
        "async def main():\n"
        "    asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)\n"
        "    await asyncio.sleep(30)\n"
        "t0 = time.monotonic()\n"
        "try:\n"
        "    with noticing_signals():\n"
        "        asyncio.run(main())\n"
        "except cli.Terminated as exc:\n"
        "    print('terminated', exc.signum == signal.SIGTERM, time.monotonic() - t0 < 10)\n"
    )
    done = _python(script)
    assert done.stdout == "terminated True True\n", done.stderr
    assert done.stderr == ""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_zombie_does_not_keep_the_print_waiting():
    """A killed helper waits as a zombie until init reaps it (some containers' init reaps
    about once a second): it writes nothing, so the group counts as gone; a live member of
    the group still counts."""
    child = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert _chromium._group_running(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while _stat(child.pid)[:1] != ["Z"] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _stat(child.pid)[0] == "Z"  # not reaped yet: killpg(pgid, 0) still succeeds
        os.killpg(child.pid, 0)
        assert not _chromium._group_running(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not _chromium._group_running(child.pid)


def test_the_brief_process_skips_slow_imports_it_never_uses():
    """After skip_unused_slow_imports, jsonschema (through nbformat) loads without them, and
    nbformat still reads, validates and writes notebooks; once jsonschema is loaded, it is
    too late and nothing changes."""
    script = (
        "import sys\n"
        "from kirkuk_analysis import brief\n"
        "skipped = brief.skip_unused_slow_imports()\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1')])\n"
        "nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))\n"
        "assert skipped == list(brief.UNUSED_SLOW_IMPORTS), skipped\n"
        "assert all(sys.modules[name] is None for name in skipped)\n"
        "assert brief.skip_unused_slow_imports() == []  # jsonschema is loaded now\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr
