"""The PDF brief: papermill runs ``notebooks/brief.ipynb``, nbconvert renders it to HTML
without code cells, and the system Chromium prints the HTML to an A4 PDF.

Parameters are checked by :func:`kirkuk_analysis.selection.check_selection`, against the
vocabulary of the data package being briefed, before any notebook runs (and again by the
notebook's first cell, so a notebook run by hand fails just as clearly). This module only
runs the pipeline.

The PDF is written to a temporary file in the target folder and renamed into place, so a
PDF at the output path is always complete. The executed notebook is kept beside it (same
stem, ``.ipynb``) for audit; when the notebook fails, no PDF is left at the output path.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kirkuk_analysis import _paths
from kirkuk_analysis.selection import SelectionError, check_selection

#: Modules the brief notebook imports, loaded by its kernel while papermill starts up.
PRELOAD = (
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",  # what %matplotlib inline loads
    "kirkuk_analysis.analysis",
    "kirkuk_analysis.report",
    "kirkuk_analysis.plots",
)

DEFAULT_START = "2020-01-01"
DEFAULT_END = "2024-12-31"
KERNEL_NAME = "kirkuk-analysis"

#: A brief parameter is malformed or outside its valid choices (the selection's error).
BriefParameterError = SelectionError


class BriefError(RuntimeError):
    """The brief could not be made (the notebook failed, or Chromium did)."""

    def __init__(self, message: str, executed_notebook: Path | None = None):
        super().__init__(message)
        self.executed_notebook = executed_notebook


@dataclass(frozen=True)
class BriefParams:
    start: date
    end: date
    provinces: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    title: str = field(default="")

    def as_notebook_parameters(self) -> dict:
        """The values papermill injects (plain data: strings and lists of strings)."""
        params = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "provinces": list(self.provinces),
            "parties": list(self.parties),
        }
        if self.title:
            params["title"] = self.title
        return params

    def describe(self) -> str:
        where = ", ".join(self.provinces) if self.provinces else "all provinces"
        text = f"{self.start.isoformat()} to {self.end.isoformat()}; {where}"
        if self.parties:
            text += f"; parties: {', '.join(self.parties)}"
        return text


def validate_params(
    start: object = DEFAULT_START,
    end: object = DEFAULT_END,
    provinces: Iterable[str] | str | None = (),
    parties: Iterable[str] | str | None = (),
    title: str = "",
    data_dir: Path | str | None = None,
) -> BriefParams:
    """The brief's parameters, checked by :func:`~kirkuk_analysis.selection.check_selection`
    against the vocabulary of the package in ``data_dir`` (``None``: the shipped one).
    Raises :class:`~kirkuk_analysis.selection.SelectionError` naming the valid choices."""
    chosen = check_selection(
        DEFAULT_START if start is None else start,
        DEFAULT_END if end is None else end,
        provinces,
        parties,
        data_dir=data_dir,
    )
    if not isinstance(title, str):
        raise SelectionError(f"title must be a string, not {type(title).__name__}")
    return BriefParams(chosen.start, chosen.end, chosen.provinces, chosen.parties, title)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def default_output(params: BriefParams, reports_dir: Path | str = "reports") -> Path:
    """``reports/brief-{start}-{end}.pdf``, plus ``-{province-slugs}`` when provinces are given."""
    name = f"brief-{params.start.isoformat()}-{params.end.isoformat()}"
    if params.provinces:
        name += "-" + "-".join(slug(p) for p in params.provinces)
    return Path(reports_dir) / f"{name}.pdf"


def data_package_version(data_dir: Path | None = None) -> str:
    """The ``version`` in ``datapackage.json`` (``"unversioned"`` when it has none)."""
    try:
        folder = Path(data_dir) if data_dir else _paths.data_dir()
        meta = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unversioned"
    return str(meta.get("version") or "unversioned")


def _kernel_name() -> str:
    """This interpreter's kernel: the venv's ``kirkuk-analysis`` spec when it points here."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return "python3"
    argv0 = spec.argv[0] if spec.argv else ""
    try:
        if Path(argv0).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except OSError:
        pass
    return "python3"


def execute_notebook(
    params: BriefParams,
    executed_path: Path,
    *,
    data_dir: Path | str | None = None,
    notebook: Path | None = None,
    progress_bar: bool | None = None,
    meanwhile=None,
) -> Path:
    """Run the brief notebook with papermill into ``executed_path``; return that path.

    Raises :class:`BriefError` naming ``executed_path`` when a cell fails. ``meanwhile``
    (optional) is called once papermill is loaded, just before the kernel runs the cells:
    work started there overlaps the run instead of slowing this process's start.

    The kernel is started before papermill is imported: a kernel takes about a second to
    boot in its own process and papermill's imports take as long in this one, so the two
    overlap. The kernel is asked at once, silently, to import the modules the notebook's
    first cells import (:data:`PRELOAD`), which it does while papermill is still loading;
    it binds no names, so the notebook then runs exactly as written, only sooner.
    """
    source = notebook or _paths.notebooks_dir() / "brief.ipynb"
    parameters = params.as_notebook_parameters()
    if data_dir is not None:
        parameters["data_dir"] = str(Path(data_dir).resolve())
    if progress_bar is None:
        progress_bar = sys.stderr.isatty()
    # The generic "python3" kernel spec runs `python` from PATH: make that this interpreter.
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), old_path])
    try:
        with tempfile.TemporaryDirectory(prefix="kirkuk-brief-") as workdir:
            kernel_name = _kernel_name()
            with _started_kernel(kernel_name, workdir) as km:
                import papermill
                from nbclient.exceptions import DeadKernelError
                from papermill.exceptions import PapermillExecutionError

                if meanwhile is not None:
                    meanwhile()
                try:
                    papermill.execute_notebook(
                        str(source),
                        str(executed_path),
                        parameters=parameters,
                        kernel_name=kernel_name,
                        progress_bar=progress_bar,
                        log_output=False,
                        cwd=workdir,
                        km=km,
                        # written once, at the end (also when a cell fails): saving it after
                        # every cell, papermill's default for long runs, costs ~0.3 s here
                        request_save_on_cell_execute=False,
                    )
                except DeadKernelError as exc:
                    raise BriefError(
                        f"the brief notebook's kernel died ({exc}); no executed notebook "
                        f"was written"
                    ) from exc
                except PapermillExecutionError as exc:
                    raise BriefError(
                        f"the brief notebook failed: {exc.ename}: {exc.evalue}\n"
                        f"see the executed notebook: {executed_path}",
                        executed_notebook=executed_path,
                    ) from exc
    finally:
        os.environ["PATH"] = old_path
    return executed_path


@contextmanager
def _started_kernel(kernel_name: str, cwd: str):
    """A kernel process started now (not waited for), shut down on exit.

    Started as nbclient would start it (its ``--HistoryManager.hist_file=:memory:``, so a
    brief writes no IPython history); a kernel manager handed to nbclient is not shut down
    by it, so it is shut down here, also when the notebook fails.
    """
    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=kernel_name)
    run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"], cwd=cwd)
    try:
        # Sent on a shell channel of its own (queued by zmq until the kernel listens); the
        # reply is never read, and papermill's client ignores messages it did not ask for.
        kc = BlockingKernelClient(connection_file=km.connection_file)
        kc.load_connection_file()
        kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        kc.execute(
            "".join(f"__import__({module!r})\n" for module in PRELOAD),
            silent=True,
            store_history=False,
        )
        try:
            yield km
        finally:
            kc.stop_channels()
    finally:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        finally:
            run_sync(km.cleanup_resources)()


def html_exporter():
    """nbconvert's HTML exporter with the brief's template (compiled), code cells excluded."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    exporter = HTMLExporter(
        # no code cells, so no Pygments stylesheet for them
        config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
        template_name="brief",
        extra_template_basedirs=[str(_paths.templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(_tag_remover(), enabled=True)
    # A first (empty) export compiles the template and loads what nbconvert loads on first
    # use (Pygments, the Markdown renderer, the stylesheets), so that make_brief, which
    # makes the exporter while the kernel runs, does not wait for them afterwards.
    exporter.from_notebook_node(nbformat.v4.new_notebook())
    return exporter


def render_html(executed_path: Path, exporter=None) -> str:
    """The executed notebook as self-contained HTML, without code cells or prompts.

    ``exporter``: one made by :func:`html_exporter` (made here when not given).
    """
    import nbformat

    nb = nbformat.read(str(executed_path), as_version=4)
    body, _ = (exporter or html_exporter()).from_notebook_node(nb)
    return body


def _tag_remover():
    from nbconvert.preprocessors import TagRemovePreprocessor

    return TagRemovePreprocessor(
        remove_cell_tags=("remove_cell", "remove-cell"),
        remove_all_outputs_tags=("remove_output", "remove-output"),
        enabled=True,
    )


def footer_text(params: BriefParams, data_dir: Path | str | None = None) -> str:
    """The footer of every page, left of "page X / Y" (plain text)."""
    from kirkuk_analysis import __version__

    return (
        f"kirkuk-analysis {__version__} · data package {data_package_version(data_dir)} · "
        f"{params.describe()}"
    )


def make_brief(
    params: BriefParams,
    output: Path | str | None = None,
    *,
    data_dir: Path | str | None = None,
    progress_bar: bool | None = None,
    log=None,
) -> Path:
    """Make the PDF brief for ``params``; return the path of the PDF.

    ``log`` (default: print to stderr) receives one line per step.
    """
    from kirkuk_analysis import _chromium

    say = log or (lambda msg: print(msg, file=sys.stderr))
    chromium = _chromium.find_chromium()  # fail before running anything
    pdf_path = Path(output) if output else default_output(params)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    executed = pdf_path.with_suffix(".ipynb")

    say(f"running notebook brief.ipynb ({params.describe()})")
    with ExitStack() as stack:
        # While the kernel runs the notebook (this process mostly waits for its messages),
        # a thread readies nbconvert. It starts once papermill is loaded: before, it would
        # contend for this process's GIL. Chromium starts only to print (the HTML must exist
        # first), so its deadline counts from then, however long the notebook runs.
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        started: dict = {}

        def meanwhile():
            started["exporter"] = pool.submit(html_exporter)

        try:
            execute_notebook(
                params, executed, data_dir=data_dir, progress_bar=progress_bar, meanwhile=meanwhile
            )
        except BriefError:
            pdf_path.unlink(missing_ok=True)  # a PDF there would not match the failed run
            raise

        say("rendering HTML (no code cells)")
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{pdf_path.stem}-", suffix=".pdf.tmp", dir=pdf_path.parent
        )
        os.close(fd)
        tmp_pdf = Path(tmp_name)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_pdf, 0o666 & ~umask)  # mkstemp makes it private; a report is ordinary
        try:
            with tempfile.TemporaryDirectory(prefix="kirkuk-html-") as tmp:
                html_path = Path(tmp) / "brief.html"
                page = render_html(executed, started["exporter"].result())
                html_path.write_text(page, encoding="utf-8")
                say(f"printing PDF with {chromium}")
                _chromium.print_to_pdf(
                    html_path, tmp_pdf, footer_text=footer_text(params, data_dir), chromium=chromium
                )
            os.replace(tmp_pdf, pdf_path)
        except _chromium.ChromiumError as exc:
            pdf_path.unlink(missing_ok=True)
            raise BriefError(f"Chromium could not print the brief: {exc}", executed) from exc
        finally:
            tmp_pdf.unlink(missing_ok=True)
    say(f"wrote {pdf_path} (executed notebook: {executed})")
    return pdf_path
