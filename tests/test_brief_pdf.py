"""The PDF brief end to end: papermill, HTML without code, Chromium, pdfinfo/pdftotext.

Also: a failing notebook leaves no PDF and names the executed notebook; a Chromium that
fails leaves no partial PDF; parameters reach the notebook as data; the shipped files are
found from an installed wheel.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from kirkuk_analysis import brief

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
    assert int(info["Pages"]) >= 1
    assert re.match(r"\s*595\.\d+ x 841\.\d+ pts \(A4\)", info["Page size"]), info["Page size"]
    text = pdftotext(pdf)
    for marker in CODE_MARKERS:
        assert marker not in text, f"code on the page: {marker!r}"
    flat = re.sub(r"\s+", " ", text)
    assert "Kirkuk, Diyala" in flat  # the parameters, in the body and the footer
    assert re.search(r"page 1 / \d+", flat)
    assert f"data package {brief.data_package_version()}" in flat


@needs_pdf_tools
@needs_chromium
def test_brief_keeps_the_executed_notebook_and_no_temporaries(province_brief):
    work, done = province_brief
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (work / "reports").iterdir())
    stem = "brief-2020-01-01-2024-12-31-kirkuk-diyala"
    assert names == [f"{stem}.ipynb", f"{stem}.pdf"]
    nb = nbformat.read(str(work / "reports" / f"{stem}.ipynb"), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "'Kirkuk', 'Diyala'" in injected[0].source.replace('"', "'")


def test_html_is_self_contained_and_has_no_code(tmp_path):
    executed = tmp_path / "run.ipynb"
    brief.execute_notebook(brief.validate_params("2021-01-01", "2021-12-31"), executed)
    page = brief.render_html(executed)
    assert "<script src" not in page and "<link" not in page.replace('<link rel="icon"', "")
    for url in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page):
        assert not url.startswith(("http:", "https:", "//")), url
    assert "mathjax" not in page.lower() and "require.min.js" not in page
    for marker in ("validate_params", "import html", "pd.read_csv"):
        assert marker not in page
    assert "size: A4" in page  # the print stylesheet of the brief template


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
            "".join(o.get("data", {}).get("text/markdown", ""))
            for c in nb.cells
            for o in c.get("outputs", [])
        )
    )
    assert "Q\"'" in shown and '__import__("pathlib")' in shown


@needs_chromium
def test_failing_notebook_leaves_no_pdf_and_names_the_executed_notebook(
    tmp_path, data_copy, cli_command
):
    (data_copy / "incidents.csv").unlink()  # the notebook cannot load the data
    out = tmp_path / "out" / "b.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF-1.4 stale brief from an earlier run")
    done = subprocess.run(
        [*cli_command, "brief", "--output", str(out), "--data-dir", str(data_copy)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "the brief notebook failed" in done.stderr
    assert str(out.with_suffix(".ipynb")) in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.ipynb"]


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
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.ipynb"]


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


def test_a_chromium_gone_before_a_command_is_a_chromium_error():
    """Writing to the pipe of an exited Chromium (BrokenPipeError) is reported as such."""
    from kirkuk_analysis import _chromium

    read_end, write_end = os.pipe()
    answers_read, answers_write = os.pipe()
    os.close(read_end)  # nobody reads the commands any more
    try:
        pipe = _chromium._Pipe(write_end, answers_read, process=None, timeout=5)
        with pytest.raises(_chromium.ChromiumError, match="closed the debugging pipe"):
            pipe.send("Page.enable")
    finally:
        for fd in (write_end, answers_read, answers_write):
            os.close(fd)


def _recording(monkeypatch):
    """Record every kernel manager the brief starts and every Chromium it launches."""
    from kirkuk_analysis import _chromium

    started = {"kernels": [], "browsers": []}
    real_kernel = brief._started_kernel

    @contextlib.contextmanager
    def kernel(*args, **kwargs):
        with real_kernel(*args, **kwargs) as km:
            started["kernels"].append(km)
            yield km

    class Browser(_chromium.Browser):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started["browsers"].append(self)

    monkeypatch.setattr(brief, "_started_kernel", kernel)
    monkeypatch.setattr(_chromium, "Browser", Browser)
    return started


def test_preloaded_modules_bind_no_names_in_the_notebook(tmp_path):
    # the kernel imports PRELOAD before the notebook runs, and the notebook sees none of it
    names = (
        "import sys\n"
        "print(sorted(n for n in globals() if not n.startswith('_') and n not in "
        "('In', 'Out', 'exit', 'quit', 'open', 'get_ipython', 'sys', 'start', 'end', "
        "'provinces', 'parties', 'title')))\n"
        f"print(all(m in sys.modules for m in {brief.PRELOAD!r}))"
    )
    parameters = "start = end = provinces = parties = title = None"
    probe = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(names),
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )
    source = tmp_path / "probe.ipynb"
    nbformat.write(probe, str(source))
    executed = tmp_path / "run.ipynb"
    brief.execute_notebook(brief.validate_params(), executed, notebook=source)
    nb = nbformat.read(str(executed), as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert printed.splitlines()[-2:] == ["[]", "True"]


@needs_chromium
def test_kernel_and_chromium_are_gone_after_a_failed_brief(tmp_path, data_copy, monkeypatch):
    started = _recording(monkeypatch)
    (data_copy / "incidents.csv").unlink()
    with pytest.raises(brief.BriefError, match="the brief notebook failed"):
        brief.make_brief(
            brief.validate_params("2021-01-01", "2021-03-31"),
            tmp_path / "b.pdf",
            data_dir=data_copy,
            log=lambda msg: None,
        )
    (km,) = started["kernels"]
    assert not km.has_kernel  # shut down, not left running
    (browser,) = started["browsers"]
    assert browser._process.poll() is not None


@needs_chromium
def test_kernel_and_chromium_are_gone_after_a_brief(tmp_path, monkeypatch):
    started = _recording(monkeypatch)
    pdf = brief.make_brief(
        brief.validate_params("2021-01-01", "2021-03-31", ["Kirkuk"]),
        tmp_path / "b.pdf",
        log=lambda msg: None,
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    (km,) = started["kernels"]
    assert not km.has_kernel
    (browser,) = started["browsers"]
    assert browser._process.poll() is not None


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
    with pytest.raises(brief.BriefError, match="kernel died"):
        brief.execute_notebook(brief.validate_params(), tmp_path / "run.ipynb", notebook=source)
