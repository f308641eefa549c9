"""The brief: papermill runs ``notebooks/brief.ipynb``, nbconvert renders it to HTML
without code cells, and the system Chromium prints the HTML to an A4 PDF (pypdf then writes
its Author, Subject and Keywords). ``fmt="html"`` keeps the HTML instead: one
self-contained file (images as ``data:`` URIs, the stylesheet inline, nothing fetched).

Parameters are checked by :func:`kirkuk_analysis.selection.check_selection`, against the
vocabulary of the data package being briefed, before any notebook runs (and again by the
notebook's first cell, so a notebook run by hand fails just as clearly). The title is free
text: control characters and line breaks become spaces (:func:`clean_title`), and text that
cannot be written as UTF-8 (a lone surrogate) is refused. The data package is loaded once
while the kernel starts, and an invalid one stops the brief before any cell runs.

Outputs. The PDF ``X.pdf`` has its executed notebook beside it, ``X.brief-run.ipynb``, for
audit (an HTML brief ``X.html``, ``X.html.brief-run.ipynb``); the two always come from the
same run. :func:`prepare_output` checks both paths
before any work (the folder is created when missing; a folder, a symbolic link or another
kind of file at the PDF's path is refused, and so is a file at the notebook's path that no
brief wrote: a brief never overwrites a notebook of someone else's). Everything is made in
a temporary folder and moved into place at the end, each file written beside its target
and renamed, so an interrupted or failed brief changes nothing in the output folder, except
that a failing notebook is kept (and a PDF left from an earlier run removed, since it would
not match). Files get the mode the umask gives. SIGINT and SIGTERM remove the temporary
folders and stop the kernel and Chromium (see :mod:`kirkuk_analysis._cleanup`).
"""

from __future__ import annotations

import functools
import os
import re
import stat
import subprocess
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kirkuk_analysis import _early_kernel, _json, _paths
from kirkuk_analysis._cleanup import (
    checkpoint,
    file_beside,
    held_signals,
    noticing_signals,
    temporary_folder,
    write_atomically,
    write_synced,
)
from kirkuk_analysis._early_kernel import interpreter_first
from kirkuk_analysis._outputs import OutputError, check_output, reason, remove_folders
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
#: The title of a brief given none (the notebook's ``title`` parameter left empty).
DEFAULT_TITLE = "ISIS attacks in Iraq's disputed territories"
#: The brief's formats, the first the default; each file name ends in ``.`` + its format.
FORMATS = ("pdf", "html")
#: The Author written into every brief (PDF metadata, HTML ``<meta name="author">``).
AUTHOR = "kirkuk-analysis contributors"
KERNEL_NAME = "kirkuk-analysis"

#: How the shipped notebook shows its figures in a brief (its ``figure_format`` parameter,
#: :func:`kirkuk_analysis.plots.inline_figures`): vector, text kept as text, so the PDF's
#: figures are sharp and searchable, and drawn in a third of a PNG's time. The notebook's own
#: default stays PNG ("retina", sharp on a dense screen), for its committed outputs: nbval
#: compares SVG text, not PNG pixels, and JupyterLab shows no untrusted SVG.
FIGURE_FORMAT = "svg"

#: The executed notebook of ``X.pdf`` is ``X`` + this (beside the PDF).
NOTEBOOK_SUFFIX = ".brief-run.ipynb"

#: The notebook metadata key marking a notebook a brief wrote (and may overwrite).
MARKER = "kirkuk_analysis"

#: A brief parameter is malformed or outside its valid choices (the selection's error).
BriefParameterError = SelectionError


class BriefError(RuntimeError):
    """The brief could not be made (the notebook failed, or Chromium did, or its files
    could not be written). ``executed_notebook``: the executed notebook kept for audit."""

    def __init__(self, message: str, executed_notebook: Path | None = None):
        super().__init__(message)
        self.executed_notebook = executed_notebook


class BriefOutputError(OutputError):
    """The output path cannot take the brief (bad input; nothing was run or written)."""


class BriefDataError(ValueError):
    """The data package is not valid (bad input; no cell of the notebook ran)."""


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

    def describe(self, vocab=None) -> str:
        """The selection in one line; the parties by their labels in ``vocab`` (a
        :class:`~kirkuk_analysis.vocab.Vocabulary`), as a reader sees them, else by code.

        >>> from kirkuk_analysis.vocab import read_vocabulary
        >>> BriefParams(date(2021, 1, 1), date(2021, 12, 31), ("Kirkuk",), ("pmf",)).describe(
        ...     read_vocabulary())
        '2021-01-01 to 2021-12-31; Kirkuk; parties: PMF'
        """
        where = ", ".join(self.provinces) if self.provinces else "all provinces"
        text = f"{self.start.isoformat()} to {self.end.isoformat()}; {where}"
        if self.parties:
            text += f"; parties: {', '.join(self.party_labels(vocab))}"
        return text

    def party_labels(self, vocab=None) -> list[str]:
        """The chosen parties' labels in ``vocab`` (their codes without one)."""
        return [vocab.label("party", p) if vocab else p for p in self.parties]


#: Modules a brief never uses whose import alone is slow. jsonschema, which nbformat (and so
#: papermill) imports, imports rfc3987-syntax when it is installed (JupyterLab's
#: ``jsonschema[format-nongpl]`` installs it) to check the "iri" format, and that module
#: builds a parser for its grammar as it is imported: about 2.5 s here, on every brief
#: (python-jsonschema/jsonschema#1392).
UNUSED_SLOW_IMPORTS = ("rfc3987_syntax",)


def skip_unused_slow_imports() -> list[str]:
    """Make :data:`UNUSED_SLOW_IMPORTS` import as if they were not installed, for the rest of
    this process; return the names skipped (none once jsonschema is imported: too late).

    Their users fall back as they do without them: jsonschema then checks no "iri" format,
    which nothing in a brief asks of it. For a process that makes a brief and little else
    (``kirkuk-analysis brief``); a library caller keeps its jsonschema whole.

    >>> "rfc3987_syntax" in UNUSED_SLOW_IMPORTS
    True
    """
    if "jsonschema" in sys.modules:
        return []
    skipped = [name for name in UNUSED_SLOW_IMPORTS if name not in sys.modules]
    for name in skipped:
        sys.modules[name] = None  # "import name" raises ImportError at once
    return skipped


def clean_title(title: str) -> str:
    r"""The title as one line of plain text: every run of whitespace, line breaks and other
    control characters (``\r``, ``\x00``, U+2028...) becomes one space, and the invisible
    marks that reorder text (U+202A-U+202E, U+2066-U+2069) are dropped: a right-to-left
    override would print the rest of the title, and the PDF's Title, backwards. Arabic or
    Kurdish words keep their own direction without them.

    >>> clean_title("  Kirkuk\r\r# not a heading\x00\tand\u2028more ")
    'Kirkuk # not a heading and more'
    >>> clean_title("Kirkuk \u202eattacks")
    'Kirkuk attacks'
    """
    spaced = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in str(title)
        if c not in _REORDERING
    )
    return " ".join(spaced.split())


#: Bidirectional embeddings, overrides and isolates: marks that reorder the text after them.
_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _check_text(name: str, value: object) -> None:
    """Refuse text that cannot be written as UTF-8 (a lone surrogate, as from a command-line
    argument in another encoding): it would reach the notebook and break writing it."""
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = text[exc.start]
            raise SelectionError(
                f"{name} is not valid text: it contains {_codepoint(bad)} (a lone surrogate; "
                "is it in another encoding than UTF-8?)"
            ) from None


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def check_notebook_parameters(parameters: dict) -> None:
    """Every value papermill will inject must be text that can be written as UTF-8."""
    for name, value in parameters.items():
        _check_text(name, value)


def validate_params(
    start: object = DEFAULT_START,
    end: object = DEFAULT_END,
    provinces: Iterable[str] | str | None = (),
    parties: Iterable[str] | str | None = (),
    title: str = "",
    data_dir: Path | str | None = None,
) -> BriefParams:
    """The brief's parameters, checked by :func:`~kirkuk_analysis.selection.check_selection`
    against the vocabulary of the package in ``data_dir`` (``None``: the shipped one); the
    title made one line of plain text (:func:`clean_title`).
    Raises :class:`~kirkuk_analysis.selection.SelectionError` naming the valid choices."""
    chosen = check_selection(
        DEFAULT_START if start is None else start,
        DEFAULT_END if end is None else end,
        provinces,
        parties,
        data_dir=data_dir,
    )
    return BriefParams(
        chosen.start, chosen.end, chosen.provinces, chosen.parties, check_title(title)
    )


def check_title(title: object) -> str:
    """``title`` cleaned (:func:`clean_title`); a non-string or text that is not valid
    UTF-8 raises :class:`~kirkuk_analysis.selection.SelectionError`."""
    if title is None:
        return ""
    if not isinstance(title, str):
        raise SelectionError(f"title must be a string, not {type(title).__name__}")
    _check_text("title", title)
    return clean_title(title)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def default_output(
    params: BriefParams, reports_dir: Path | str = "reports", fmt: str = "pdf"
) -> Path:
    """``reports/brief-{start}-{end}.pdf``, plus ``-{province-slugs}`` when provinces are
    given; ``.html`` for ``fmt="html"``.

    >>> default_output(validate_params("2021-01-01", "2021-12-31", "Kirkuk"), fmt="html")
    PosixPath('reports/brief-2021-01-01-2021-12-31-kirkuk.html')
    """
    name = f"brief-{params.start.isoformat()}-{params.end.isoformat()}"
    if params.provinces:
        name += "-" + "-".join(slug(p) for p in params.provinces)
    return Path(reports_dir) / f"{name}.{fmt}"


def document_metadata(params: BriefParams, data_dir: Path | str | None = None) -> dict:
    """The brief's document metadata: ``title``, ``author``, ``subject`` (the selection:
    period, provinces, parties) and ``keywords``, as written into the PDF and the HTML.

    >>> meta = document_metadata(validate_params("2021-01-01", "2021-12-31", "Kirkuk"))
    >>> meta["subject"]
    'Period 2021-01-01 to 2021-12-31; provinces: Kirkuk; parties: all'
    >>> meta["title"], meta["author"]
    ("ISIS attacks in Iraq's disputed territories", 'kirkuk-analysis contributors')
    """
    where = ", ".join(params.provinces) or "all"
    # as the brief names them (its labels), not the package's codes
    labels = params.party_labels(_vocabulary_or_none(data_dir))
    parties = ", ".join(labels) or "all"
    keywords = [
        "ISIS",
        "Iraq",
        "disputed territories",
        "conflict data",
        "Baghdad-Erbil security coordination",
        *params.provinces,
        *labels,
        f"data package {data_package_version(data_dir)}",
    ]
    return {
        "title": params.title or DEFAULT_TITLE,
        "author": AUTHOR,
        "subject": (
            f"Period {params.start.isoformat()} to {params.end.isoformat()}; "
            f"provinces: {where}; parties: {parties}"
        ),
        "keywords": "; ".join(keywords),
    }


def write_pdf_metadata(pdf: Path, target: Path, metadata: dict) -> None:
    """Write ``pdf`` to ``target`` with ``metadata`` (:func:`document_metadata`) as its
    Title, Author, Subject and Keywords (the other entries Chromium wrote are kept).

    The PDF is copied byte for byte and an incremental update appended (a new information
    dictionary, a cross-reference section for it and a trailer pointing back at the
    original's): pages, outline, structure tree, tags and links stay exactly as printed,
    and nothing is parsed but the trailer. Rewriting the whole file with pypdf took over a
    second for a ten-page brief; this takes milliseconds. A PDF whose cross-references are
    a stream (not what Chromium writes) is rewritten whole by pypdf instead.
    """
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        DictionaryObject,
        IndirectObject,
        NameObject,
        NumberObject,
        create_string_object,
    )

    data = Path(pdf).read_bytes()
    reader = PdfReader(BytesIO(data))
    values = {NameObject(f"/{key.capitalize()}"): create_string_object(value)
              for key, value in metadata.items()}  # fmt: skip
    found = re.search(rb"startxref\s+(\d+)\s*%%EOF\s*$", data[-1024:])
    if found is None or not data.startswith(b"xref", int(found[1])):
        writer = PdfWriter(clone_from=reader)
        writer.add_metadata(values)
        with open(target, "wb") as handle:
            writer.write(handle)
        return
    trailer = reader.trailer
    info = DictionaryObject()
    if "/Info" in trailer:
        info.update(trailer["/Info"].get_object())
    info.update(values)
    number = int(trailer["/Size"])  # the next free object number
    update = BytesIO()
    update.write(b"" if data.endswith(b"\n") else b"\n")
    at = len(data) + update.tell()
    update.write(f"{number} 0 obj\n".encode())
    info.write_to_stream(update)
    update.write(b"\nendobj\n")
    xref = len(data) + update.tell()
    last = DictionaryObject(
        {
            NameObject("/Size"): NumberObject(number + 1),
            NameObject("/Root"): trailer.raw_get("/Root"),
            NameObject("/Info"): IndirectObject(number, 0, reader),
            NameObject("/Prev"): NumberObject(int(found[1])),
        }
    )
    if "/ID" in trailer:
        last[NameObject("/ID")] = trailer.raw_get("/ID")
    # the free-list head first, as most writers do: some readers (pypdf) take a section
    # that does not start at object 0 for a misnumbered table
    update.write(
        f"xref\n0 1\n0000000000 65535 f \n{number} 1\n{at:010d} 00000 n \ntrailer\n".encode()
    )
    last.write_to_stream(update)
    update.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
    with open(target, "wb") as handle:
        handle.write(data)
        handle.write(update.getvalue())


def executed_notebook_path(pdf_path: Path | str) -> Path:
    """Where the executed notebook of the brief ``X.pdf`` goes: ``X.brief-run.ipynb``; of a
    brief in another format, ``X.html``, ``X.html.brief-run.ipynb``, so that the PDF and the
    HTML brief of one name each keep the notebook of their own run.

    >>> executed_notebook_path("reports/k.pdf").name, executed_notebook_path("k.html").name
    ('k.brief-run.ipynb', 'k.html.brief-run.ipynb')
    """
    pdf_path = Path(pdf_path)
    stem = pdf_path.stem if pdf_path.suffix.lower() in ("", ".pdf") else pdf_path.name
    return pdf_path.with_name(stem + NOTEBOOK_SUFFIX)


def _written_by_a_brief(path: Path) -> bool:
    """``path`` is a regular file holding a notebook that a brief wrote (its metadata says so)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            meta = _json.parse(handle.read().decode("utf-8")).get("metadata")
    except (OSError, ValueError, AttributeError):
        return False
    mark = meta.get(MARKER) if isinstance(meta, dict) else None
    return isinstance(mark, dict) and mark.get("brief_run") is True


class BriefOutput:
    """The two files of a brief: ``pdf`` (the brief itself, a PDF or, with ``suffix``
    ``.html``, an HTML file) and ``notebook`` (its executed notebook), checked and their
    folder made by :func:`prepare_output`; :meth:`install` moves them into place."""

    def __init__(self, pdf: Path, suffix: str = ".pdf"):
        self.pdf = pdf
        self.suffix = suffix
        # a path naming no file ("", "/") has no notebook beside it: check() refuses it
        self.notebook = executed_notebook_path(pdf) if pdf.name else pdf
        self.created: list[Path] = []  # folders made for it, outermost first
        self.written = False

    def _refuse(self, reason: str) -> BriefOutputError:
        return BriefOutputError(f"cannot write the brief to {self.pdf}: {reason}")

    def check(self) -> None:
        """Refuse (:class:`BriefOutputError`) what the brief could not write, or must not
        overwrite (:func:`kirkuk_analysis._outputs.check_output`, the check ``export``
        makes too, for both names); make the folder when it is missing."""
        names = (self.pdf, self.notebook)
        try:
            self.created = check_output(
                self.pdf, [self.suffix], longest_name=max(len(os.fsencode(n.name)) for n in names)
            )
        except OutputError as exc:
            why = str(exc)
            if why.startswith("the name is too long"):
                why += f"; the executed notebook beside it adds {NOTEBOOK_SUFFIX} to the name"
            raise self._refuse(why) from None
        self.check_notebook()

    def check_notebook(self) -> None:
        """The notebook's path is free, or holds a notebook a brief wrote."""
        if os.path.lexists(self.notebook) and not _written_by_a_brief(self.notebook):
            raise self._refuse(
                f"{self.notebook} exists and was not written by a brief (a brief keeps its "
                "executed notebook there); move it away or choose another output name"
            )

    def install(self, notebook: Path, pdf: Path | None) -> None:
        """Move the executed notebook (and the PDF) from the work folder into place, each
        written beside its target and renamed; without ``pdf`` (the brief failed), a PDF
        left from an earlier run is removed, since it would not match the notebook. A write
        error (a full disk) raises :class:`BriefError` and leaves the folder as it was."""
        self.check_notebook()  # still free: nothing came in its place while the brief ran
        target = self.notebook
        try:
            with ExitStack() as stack:
                notebook_tmp = file_beside(self.notebook, stack)
                write_synced(notebook_tmp, notebook.read_bytes())
                if pdf is not None:
                    target = self.pdf
                    pdf_tmp = file_beside(self.pdf, stack)
                    write_synced(pdf_tmp, pdf.read_bytes())
                with held_signals():  # no signal between the two renames
                    target = self.notebook
                    os.replace(notebook_tmp, self.notebook)
                    self.written = True
                    target = self.pdf
                    if pdf is not None:
                        os.replace(pdf_tmp, self.pdf)
                    else:
                        self.pdf.unlink(missing_ok=True)
        except OSError as exc:
            if self.written:  # the notebook is new: an older PDF would not match it
                with held_signals():
                    try:
                        self.pdf.unlink(missing_ok=True)
                    except OSError:
                        pass
            raise BriefError(f"cannot write {target}: {reason(exc)}") from None

    def discard_folders(self) -> None:
        """Remove the folders made for a brief that wrote nothing (when still empty)."""
        remove_folders(self.created)


@contextmanager
def prepare_output(pdf_path: Path | str, suffix: str = ".pdf") -> Iterator[BriefOutput]:
    """The brief's output (``suffix``: ``.pdf`` or ``.html``), checked before any work
    (:meth:`BriefOutput.check`; raises :class:`BriefOutputError`). When the block ends
    without :meth:`BriefOutput.install` having written anything (an error, an interrupt),
    the folders made for it are removed."""
    output = BriefOutput(Path(pdf_path), suffix)
    try:
        output.check()
        yield output
    finally:
        if not output.written:
            output.discard_folders()


def _vocabulary_or_none(data_dir: Path | str | None = None):
    """The package's :class:`~kirkuk_analysis.vocab.Vocabulary`, or None when its
    descriptor cannot be read (the labels then fall back to the codes; the data check
    says what is wrong with it)."""
    from kirkuk_analysis.vocab import read_vocabulary

    try:
        return read_vocabulary(data_dir)
    except (OSError, ValueError):
        return None


def data_package_version(data_dir: Path | None = None) -> str:
    """The ``version`` in ``datapackage.json`` (``"unversioned"`` when it has none)."""
    try:
        folder = Path(data_dir) if data_dir else _paths.data_dir()
        meta = _json.parse((folder / "datapackage.json").read_text(encoding="utf-8"))
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
    saved_as: Path | None = None,
    first=None,
    check_data_in_kernel: bool = False,
) -> Path:
    """Run the brief notebook with papermill into ``executed_path``; return that path.

    Raises :class:`BriefError` naming ``executed_path`` when a cell fails (the failed
    notebook is written there), or when the kernel dies or does not start (nothing is
    written). ``meanwhile`` (optional) is called once papermill is loaded, just before the
    kernel runs the cells: work started there overlaps the run instead of slowing this
    process's start, and an exception it raises stops the brief before any cell runs.
    ``first`` (optional) is called as soon as the kernel process is started, before
    papermill is imported: a check there (one that raises) overlaps the kernel's boot and
    stops the brief within moments. ``saved_as`` is the path recorded in the notebook's
    metadata (default: ``executed_path``). ``check_data_in_kernel``: the kernel checks the
    data package (:func:`check_data`) with its preloaded imports, before any cell runs;
    :class:`BriefDataError` when it is not valid.

    The kernel is started before papermill is imported: a kernel takes about a second to
    boot in its own process and papermill's imports take as long in this one, so the two
    overlap. The kernel is asked at once, silently, to import the modules the notebook's
    first cells import (:data:`PRELOAD`), which it does while papermill is still loading;
    it binds no names, so the notebook then runs exactly as written, only sooner.

    papermill writes into a temporary folder (with the kernel's connection file, and the
    kernel's working directory); the executed notebook is then written to ``executed_path``
    whole (beside it, then renamed), marked in its metadata as written by a brief.
    """
    _execute_notebook(
        params,
        executed_path,
        data_dir=data_dir,
        notebook=notebook,
        progress_bar=progress_bar,
        meanwhile=meanwhile,
        saved_as=saved_as,
        first=first,
        check_data_in_kernel=check_data_in_kernel,
    )
    return Path(executed_path)


def _execute_notebook(
    params: BriefParams,
    executed_path: Path,
    *,
    data_dir: Path | str | None = None,
    notebook: Path | None = None,
    progress_bar: bool | None = None,
    meanwhile=None,
    saved_as: Path | None = None,
    first=None,
    check_data_in_kernel: bool = False,
    when_run=None,
    ahead=None,
) -> dict:
    """:func:`execute_notebook`, returning the executed notebook (as written).
    ``when_run`` (optional) is called with the executed notebook as soon as it has run,
    before the kernel is shut down and the notebook written. ``ahead``: a work folder and
    kernel process started before (:func:`kirkuk_analysis._early_kernel.ahead`), used if
    not used yet."""
    source = Path(notebook) if notebook is not None else _paths.notebooks_dir() / "brief.ipynb"
    executed_path = Path(executed_path)
    parameters = params.as_notebook_parameters()
    if data_dir is not None:
        parameters["data_dir"] = str(Path(data_dir).resolve())
    if notebook is None:  # another notebook may not declare it (papermill would warn)
        parameters["figure_format"] = FIGURE_FORMAT
    check_notebook_parameters(parameters)
    if progress_bar is None:
        progress_bar = sys.stderr is not None and sys.stderr.isatty()
    # The generic "python3" kernel spec runs `python` from PATH: make that this interpreter
    # (another thread's brief waits meanwhile: see _early_kernel.ENVIRONMENT).
    _early_kernel.ENVIRONMENT.acquire()
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = interpreter_first(old_path)
    try:
        with (
            noticing_signals(),
            _work_and_kernel(ahead) as (workdir, early),  # first: the kernel's start is longest
        ):
            run_path = workdir / "run.ipynb"
            kernel_name = _kernel_name()
            data_check = (data_dir, parameters.get("data_dir")) if check_data_in_kernel else None
            with _started_kernel(kernel_name, workdir, data_check, early) as (km, preloaded):
                if first is not None:
                    first()
                    checkpoint()
                import nbformat
                import papermill
                from nbclient.exceptions import DeadKernelError
                from papermill.exceptions import PapermillExecutionError

                if meanwhile is not None:
                    meanwhile()
                checkpoint()

                def data_checked(notebook=None) -> None:
                    # called by the notebook's client once the kernel has answered it, so
                    # after the preload and before any cell: papermill readies the
                    # notebook and its client while the kernel still imports (about 0.1 s
                    # that came after the imports when this process waited for them first)
                    if data_check is None:
                        return
                    problem = preloaded(km)
                    checkpoint()
                    if problem is _UNANSWERED:  # the kernel could not tell: ask here
                        check_data(data_dir)
                    elif problem is not None:
                        raise BriefDataError(problem)

                try:
                    with _papermill_quiet():
                        nb = papermill.execute_notebook(
                            _unformatted(source),  # papermill formats paths with the parameters
                            _unformatted(run_path),
                            parameters=parameters,
                            kernel_name=kernel_name,
                            progress_bar=progress_bar,
                            log_output=False,
                            cwd=str(workdir),
                            km=km,
                            # written once, at the end (also when a cell fails): saving it after
                            # every cell, papermill's default for long runs, costs ~0.3 s here
                            request_save_on_cell_execute=False,
                            on_notebook_start=data_checked,
                        )
                except DeadKernelError as exc:
                    raise BriefError(
                        f"the brief notebook's kernel died ({_first_line(exc)}); no executed "
                        f"notebook was written{_kernel_said(workdir)}"
                    ) from None
                except PapermillExecutionError as exc:
                    failed = nbformat.read(str(run_path), as_version=4)
                    _save_notebook(failed, executed_path, saved_as)
                    raise BriefError(
                        f"the brief notebook failed: {exc.ename}: {_first_line(exc.evalue)}; "
                        f"see the executed notebook: {saved_as or executed_path}",
                        executed_notebook=executed_path,
                    ) from None
                except RuntimeError as exc:  # nbclient: the kernel died before it answered
                    raise BriefError(
                        f"the brief notebook's kernel did not start ({_first_line(exc)}); no "
                        f"notebook was run{_kernel_said(workdir)}"
                    ) from None
                checkpoint()
                if when_run is not None:
                    when_run(nb)
                    checkpoint()
            _save_notebook(nb, executed_path, saved_as)
    finally:
        os.environ["PATH"] = old_path
        _early_kernel.ENVIRONMENT.release()
    return nb


@contextmanager
def _papermill_quiet() -> Iterator[None]:
    """papermill's logger, which nbclient also logs to, writes nothing meanwhile: what goes
    wrong in a notebook's run reaches the user as the brief's own one line (a kernel that
    died, say), not also as a log line before it."""
    import logging

    logger = logging.getLogger("papermill")
    quiet = logging.NullHandler()
    propagate = logger.propagate
    logger.addHandler(quiet)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate


def _unformatted(path: Path) -> str:
    """``path`` for papermill, which runs ``str.format`` on paths: braces doubled."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines() or [""]
    return lines[0] + (" ..." if len(lines) > 1 else "")


def _save_notebook(nb, path: Path, saved_as: Path | None = None) -> None:
    """Write the executed notebook ``nb`` to ``path`` whole, marked as written by a brief."""
    import nbformat

    from kirkuk_analysis import __version__

    recorded = os.fsencode(str(saved_as or path)).decode("utf-8", "backslashreplace")
    nb.metadata.setdefault("papermill", {})["output_path"] = recorded
    nb.metadata[MARKER] = {"brief_run": True, "version": __version__}
    write_atomically(path, nbformat.writes(nb).encode("utf-8"))


def preload_code(modules=PRELOAD, brief_kernel: bool = True) -> str:
    """The code a brief's kernel runs first, silently: it imports ``modules`` and binds no
    name, with Python's cyclic garbage collector paused meanwhile and what the imports made
    then frozen (:func:`gc.freeze`), the collector on again whatever happens.
    ``brief_kernel`` (for a kernel that runs a brief and nothing else): the imports are
    wrapped in :mod:`kirkuk_analysis._kernel`'s set-up (matplotlib's property tables left
    out of its docstrings, pandas' strings held in Python), about 0.5 s of every brief.

    Imports make next to no garbage, yet the collector's passes over the growing heap took
    about a tenth of their time (0.1-0.2 s of the kernel's, before the first cell could
    run); frozen, those objects are not walked again by the cells' collections.

    >>> ns = {}
    >>> exec(preload_code(("json",), brief_kernel=False), ns)
    >>> sorted(n for n in ns if n != "__builtins__"), __import__("gc").isenabled()
    ([], True)
    """
    imports = "".join(f"    __import__({module!r})\n" for module in modules)
    if brief_kernel:
        setup = "    __import__('kirkuk_analysis._kernel')._kernel.{}()\n"
        imports = setup.format("before_imports") + imports + setup.format("after_imports")
    return (
        "__import__('gc').disable()\n"
        "try:\n"
        f"{imports}"
        "finally:\n"
        "    __import__('gc').freeze()\n"
        "    __import__('gc').enable()\n"
    )


#: What the kernel's answer to the preload is when there is none (it died, or failed).
_UNANSWERED = object()


@contextmanager
def _work_and_kernel(ahead=None):
    """(the notebook's work folder, its kernel's process or None): those ``ahead`` holds
    (:func:`kirkuk_analysis._early_kernel.ahead`, which removes and stops them) when not
    taken yet; else a fresh folder, removed on exit, and :func:`_early_kernel_process`."""
    taken = ahead.take() if ahead is not None else None
    if taken is not None:
        workdir, early = taken
        try:
            yield workdir, early
        finally:  # as _early_kernel_process: no kernel outlives the notebook's run
            if early is not None:
                from kirkuk_analysis import _early_kernel as early_kernel

                with held_signals():
                    early_kernel.stop(early)
        return
    with temporary_folder("kirkuk-brief-") as workdir, _early_kernel_process(workdir) as early:
        yield workdir, early


@contextmanager
def _early_kernel_process(cwd: Path):
    """The brief's kernel process, started now (:func:`kirkuk_analysis._early_kernel.start`),
    or None; on exit, killed with its process group when it still runs (no kernel manager
    took it, or one took it and did not stop it)."""
    from kirkuk_analysis import _early_kernel as early_kernel

    with held_signals():  # started and recorded, so killed below, or neither
        with open(kernel_log(cwd), "ab") as log:
            early = early_kernel.start(cwd, log)
    try:
        yield early
    finally:
        if early is not None:
            with held_signals():
                early_kernel.stop(early)


@contextmanager
def _started_kernel(kernel_name: str, cwd: Path | str, data_check=None, early=None):
    """A kernel process started now (not waited for), shut down on exit; yields the kernel
    manager and a function that waits for the preload's answer (see below).

    The kernel is asked at once to import :data:`PRELOAD`. With ``data_check`` (the
    data folder as the user gave it, and as an absolute path; both None for the shipped
    package), it also checks the data package with those imports (:func:`check_data`, in
    the kernel: this process then never imports pandas, and its own check competed with
    the kernel's boot for the CPUs, about 0.5 s of every brief); the function returns the
    problem's one line, None when the data is valid, or :data:`_UNANSWERED`.

    Started as nbclient would start it (its ``--HistoryManager.hist_file=:memory:``, so a
    brief writes no IPython history), with its connection file in ``cwd`` (a temporary
    folder), not in ``$TMPDIR``. A kernel manager handed to nbclient is not shut down by
    it, so it is shut down here, also when the notebook fails or a signal stops the brief.
    With ``early`` (:func:`_early_kernel_process`), the kernel is that process.
    """
    import zmq
    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=kernel_name, connection_file=str(Path(cwd) / "kernel.json"))
    km.client_factory = _ready_client_class()  # the client papermill's nbclient gets
    address = kernel_address(cwd)
    if address is not None:
        km.transport, km.ip = address
    if early is not None:
        from kirkuk_analysis import _early_kernel as early_kernel

        km.provisioner = early_kernel.provisioner(km, early)
    try:
        with held_signals():  # started and known to km (so shut down below), or not started
            try:
                # The kernel's own log (its warnings, and tracebacks of messages it could
                # not read) goes to a file in the brief's folder, not to the terminal: the
                # brief says one line per step, and one line when it fails.
                with open(kernel_log(cwd), "ab") as log:
                    run_sync(km.start_kernel)(
                        extra_arguments=["--HistoryManager.hist_file=:memory:"],
                        cwd=str(cwd),
                        stdout=log,
                        stderr=log,
                    )
            except OSError as exc:
                raise BriefError(
                    f"could not start the notebook's kernel ({kernel_name}): {reason(exc)}"
                ) from None
        # Sent on a shell channel of its own (queued by zmq until the kernel listens); the
        # reply is never read, and papermill's client ignores messages it did not ask for.
        kc = BlockingKernelClient(connection_file=km.connection_file)
        kc.load_connection_file()
        try:
            # Not cut by a signal: a zmq socket made but not yet recorded by its context would
            # make closing the context wait for it forever.
            with held_signals():
                kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
                # closing must not wait for a kernel that never came up to take the request
                kc.shell_channel.socket.setsockopt(zmq.LINGER, 0)
                expressions = {}
                if data_check is not None:
                    shown, absolute = data_check
                    expressions["problem"] = (
                        "__import__('kirkuk_analysis.brief').brief._data_problem("
                        f"{absolute!r}, {None if shown is None else str(shown)!r})"
                    )
                msg_id = kc.execute(
                    preload_code(),
                    silent=True,
                    store_history=False,
                    user_expressions=expressions,
                )
            yield km, functools.partial(_preload_answer, kc, msg_id)
        finally:
            with held_signals():
                kc.stop_channels()
    finally:
        with held_signals():
            try:
                if km.has_kernel:
                    _kill_now(km)
                    run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - a clean-up must not hide why the brief stopped
                pass
            finally:
                run_sync(km.cleanup_resources)()


def kernel_address(folder: Path | str) -> tuple[str, str] | None:
    """Where a brief's kernel listens: ``(transport, ip)`` for the kernel manager, or None
    for jupyter_client's default (TCP ports on localhost).

    Unix sockets in the brief's own ``folder`` (mode 0700) when their paths fit the 107
    bytes a socket's path may have: no port for other local users to reach, and no
    warning from the kernel about unencrypted TCP. A longer ``$TMPDIR`` on Linux gets
    sockets in the abstract namespace, under a random name: as reachable as a port on
    localhost (the session key still guards every message), but no port number another
    program may have used. A port is reused by the system soon after its kernel stops,
    and a client still polling the old kernel (a Jupyter server's heartbeat) then sends
    its messages to the brief's.

    >>> kernel_address("/tmp/kirkuk-brief-x")
    ('ipc', '/tmp/kirkuk-brief-x/kernel')
    """
    sockets = str(Path(folder).resolve() / "kernel")
    if len(os.fsencode(sockets + "-65535")) < 100:
        return "ipc", sockets
    if sys.platform.startswith("linux"):
        import secrets

        return "ipc", "@kirkuk-brief-" + secrets.token_hex(8)
    return None


def kernel_log(folder: Path | str) -> Path:
    """The file a brief's kernel writes its own output and log to, in ``folder``."""
    from kirkuk_analysis._early_kernel import LOG

    return Path(folder) / LOG


def _kernel_said(folder: Path | str) -> str:
    """'; the kernel's last words: ...' with the last line of its log, or nothing."""
    line = _kernel_last_words(folder)
    return f"; the kernel's last words: {line}" if line else ""


def _kernel_last_words(folder: Path | str) -> str:
    """The last line the kernel wrote to its log (empty when none, or none can be read)."""
    try:
        with open(kernel_log(folder), "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 4096))
            tail = log.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@functools.cache
def _ready_client_class():
    """jupyter_client's asynchronous kernel client, ready as soon as its kernel has answered.

    Its ``wait_for_ready`` (which nbclient awaits before the first cell) sends a
    ``kernel_info`` request and returns once the reply is on the shell channel and the
    kernel's ``idle`` status for that request is on IOPub: the kernel is up, this client is
    subscribed to its IOPub, and everything published before has been received. The stock
    client, having the reply, then waited for 0.2 s without any IOPub message before every
    notebook, idle. Where the status never comes (IOPub not subscribed yet when it was
    sent), it asks again, as the stock client does; it fails as that one does.
    """
    import time
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_core.utils import ensure_async

    class ReadyKernelClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while not await self._answered(self.kernel_info()):
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

        async def _answered(self, msg_id: str) -> bool:
            """Whether the kernel's reply to request ``msg_id`` and its idle status after
            it both arrive (each within moments of the one before)."""
            reply = None
            while reply is None:
                try:
                    msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
                except Empty:
                    return False
                if msg["parent_header"].get("msg_id") == msg_id:
                    reply = msg
            while True:
                try:
                    msg = await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                except Empty:
                    return False
                if (
                    msg["msg_type"] == "status"
                    and msg["parent_header"].get("msg_id") == msg_id
                    and msg["content"].get("execution_state") == "idle"
                ):
                    self._handle_kernel_info_reply(reply)  # the kernel's protocol version
                    return True

    return ReadyKernelClient


def _preload_answer(kc, msg_id: str, km, timeout: float = 120.0):
    """The kernel's answer to the preload's ``problem`` expression: a text, None, or
    :data:`_UNANSWERED` (the kernel died or failed, or did not answer within ``timeout``
    seconds; papermill then reports a kernel that did not start, as it would have)."""
    import ast
    import queue
    import time

    from jupyter_core.utils import run_sync

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = kc.get_shell_msg(timeout=0.05)
        except queue.Empty:
            if not run_sync(km.is_alive)():
                return _UNANSWERED
            continue
        if reply.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        answer = reply["content"].get("user_expressions", {}).get("problem", {})
        if answer.get("status") != "ok":
            return _UNANSWERED
        try:
            return ast.literal_eval(answer["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError):
            return _UNANSWERED
    return _UNANSWERED


def _kill_now(km) -> None:
    """Kill the kernel's process group and reap the kernel, at once.

    jupyter_client's own forced shutdown checks that the kernel is gone only every 0.1 s,
    which every brief paid after its last cell; it then finds the kernel gone and cleans up.
    """
    from jupyter_core.utils import run_sync

    process = getattr(km.provisioner, "process", None)
    if not isinstance(process, subprocess.Popen):  # another provisioner: its own shutdown
        return
    run_sync(km.provisioner.kill)()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass  # the shutdown that follows waits and warns as it always did


def html_exporter():
    """nbconvert's HTML exporter with the brief's template (compiled), code cells excluded."""
    import nbformat
    from traitlets.config import Config

    exporter = _brief_exporter_class()(
        # no code cells, so no Pygments stylesheet for them
        config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
        template_name="brief",
        extra_template_basedirs=[str(_paths.templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        # the notebook validated once, after the preprocessors, not after each of them (a
        # dozen passes of the schema over every cell took half the rendering's time)
        optimistic_validation=True,
    )
    exporter.register_preprocessor(_tag_remover(), enabled=True)
    # A first (empty) export compiles the template and loads what nbconvert loads on first
    # use (Pygments, the Markdown renderer, the stylesheets), so that make_brief, which
    # makes the exporter while the kernel runs, does not wait for them afterwards.
    exporter.from_notebook_node(nbformat.v4.new_notebook())
    return exporter


@functools.cache
def _brief_exporter_class():
    """nbconvert's HTMLExporter without its last pass over the page.

    HTMLExporter renders the template, then reads the whole page back with BeautifulSoup
    only to give an image without ``alt`` a placeholder ("No description has been provided")
    and each output a ``tabindex`` (and, writing it out again, quotes in the text as typed).
    On a ten-page brief that pass is a fifth of a second after the notebook, for nothing a
    brief needs: each of its figures has its own ``alt`` (:func:`kirkuk_analysis.plots.describe`,
    through the template), the page is printed or read, not worked in as a notebook, and
    :func:`_quotes_as_typed` keeps the quotes as that pass did, in milliseconds. The rest is
    HTMLExporter's own ``from_notebook_node`` (nbconvert 7), step for step.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class BriefHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _quotes_as_typed(page), resources

    return BriefHTMLExporter


#: A tag or a comment; between them, the page's text.
_MARKUP = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)
_QUOTE_ENTITIES = re.compile(r"&(?:quot|#34|#x22|apos|#39|#x27);")


def _quotes_as_typed(page: str) -> str:
    """``page`` with quotation marks in its text as typed, not as entities (``&#39;``).

    The notebook's HTML is escaped by Jinja, which writes quotes as entities (needed in an
    attribute, not in text); nbconvert's own last pass wrote them back as typed. The words
    are the same either way; as typed, an excerpt (``Kurdistan's``) is found in the page's
    source as it is in its article. Tags and comments are left as they are.

    >>> print(_quotes_as_typed('<a title="&#34;x&#34;">it&#39;s &#34;here&#34; &amp; now</a>'))
    <a title="&#34;x&#34;">it's "here" &amp; now</a>
    """
    parts = _MARKUP.split(page)
    for i in range(0, len(parts), 2):  # the text between the tags
        if "&" in parts[i]:
            parts[i] = _QUOTE_ENTITIES.sub(
                lambda m: '"' if m.group(0) in ("&quot;", "&#34;", "&#x22;") else "'", parts[i]
            )
    return "".join(parts)


def render_html(
    executed_path, exporter=None, metadata: dict | None = None, footer: str = ""
) -> str:
    """The executed notebook as self-contained HTML, without code cells or prompts.

    ``executed_path``: the notebook's path, or the notebook itself (as
    :func:`_execute_notebook` returns it; it is not changed: read back from disk, it took
    a tenth of a second). ``exporter``: one made by :func:`html_exporter` (made here when
    not given).
    ``metadata`` (:func:`document_metadata`): the page's ``<title>`` (Chromium prints it as
    the PDF's Title) and its author, description and keywords ``<meta>``; ``footer``: a
    line shown at the end of the page on screen (in print, each page has its own footer).
    """
    import nbformat

    if isinstance(executed_path, dict):
        # a copy whose metadata may change; cells and outputs are only read
        nb = nbformat.NotebookNode(executed_path)
        nb.metadata = nbformat.NotebookNode(executed_path["metadata"])
    else:
        nb = nbformat.read(str(executed_path), as_version=4)
    resources = {"brief_meta": metadata or {}, "brief_footer": footer}
    if metadata:
        nb.metadata["title"] = metadata["title"]  # the template's <title> (this copy only)
    body, _ = (exporter or html_exporter()).from_notebook_node(nb, resources=resources)
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
        f"{params.describe(_vocabulary_or_none(data_dir))}"
    )


def invalid_data_line(exc, shown: str | Path | None = None) -> str:
    """The one line every command says of an invalid data package (``exc``: its
    :class:`~kirkuk_analysis.DataValidationError`; ``shown``: the folder as the user gave
    it, None for the shipped one): how many problems, the first, and the command listing
    them all."""
    first = _first_line(exc.problems[0]) if exc.problems else ""
    return (
        f"the data package is not valid ({len(exc.problems)} problem(s)"
        + (f", the first: {first}" if first else "")
        + f"); run `{_validate_command(shown)}` to list them"
    )


def _validate_command(shown: str | Path | None) -> str:
    return "kirkuk-analysis validate" + (f" {_shell_word(str(shown))}" if shown else "")


def check_data(data_dir: Path | str | None = None, shown: str | None = None) -> None:
    """Load the data package once; raise :class:`BriefDataError` (one line, pointing at
    ``kirkuk-analysis validate`` for ``shown``, default ``data_dir``) when it is not valid
    or cannot be read."""
    from kirkuk_analysis import data  # imported first: its name is needed to catch its error

    shown = data_dir if shown is None else shown
    try:
        data.load(data_dir)
    except data.DataValidationError as exc:
        raise BriefDataError(invalid_data_line(exc, shown)) from None
    except Exception as exc:  # noqa: BLE001 - any other failure to read it is bad data too
        raise BriefDataError(
            f"the data package cannot be read ({type(exc).__name__}: {_first_line(exc)}); "
            f"run `{_validate_command(shown)}`"
        ) from None


def _data_problem(data_dir: str | None = None, shown: str | None = None) -> str | None:
    """:func:`check_data`'s one line, or None when the data package is valid: what the
    brief's kernel answers before any cell runs.

    >>> _data_problem() is None  # the shipped package
    True
    """
    try:
        check_data(data_dir, shown)
    except BriefDataError as exc:
        return str(exc)
    return None


def _shell_word(path: Path | str) -> str:
    import shlex

    return shlex.quote(str(path))


def _say(msg: str) -> None:
    """One step's line, on standard error (if the process has one: ``print`` would put it
    on standard output)."""
    if sys.stderr is not None:
        print(msg, file=sys.stderr)


def make_brief(
    params: BriefParams,
    output: Path | str | None = None,
    *,
    data_dir: Path | str | None = None,
    progress_bar: bool | None = None,
    log=None,
    notebook: Path | None = None,
    fmt: str = "pdf",
    _ahead=None,
) -> Path:
    """Make the brief for ``params``; return the path of the file written.

    ``fmt``: ``"pdf"`` (printed by Chromium, with the document metadata of
    :func:`document_metadata`) or ``"html"`` (the same brief as one self-contained HTML
    file; Chromium is not needed). ``output``: the file's path, ending in ``.pdf`` or
    ``.html`` (default :func:`default_output`); its executed notebook goes beside it
    (:func:`executed_notebook_path`). Raises, before any cell runs,
    :class:`BriefOutputError` (the output path), :class:`BriefParameterError` (text that
    cannot be written), :class:`BriefDataError` (the data package), ``ChromiumNotFound``;
    then :class:`BriefError` when the notebook, Chromium or writing the files fails.
    ``log`` (default: print to stderr) receives one line per step. ``notebook``: another
    notebook to run instead of the shipped ``brief.ipynb`` (same parameters). ``_ahead``
    (``kirkuk-analysis brief``'s): the kernel process it started before anything else
    (:func:`kirkuk_analysis._early_kernel.ahead`). Briefs made from several threads of one
    process run their notebooks one after another: each sets the environment its kernel
    starts with (:data:`kirkuk_analysis._early_kernel.ENVIRONMENT`).
    """
    from kirkuk_analysis import _chromium

    say = log or _say
    if fmt not in FORMATS:
        raise BriefParameterError(
            f"unknown format {fmt!r}; valid choices are: {', '.join(FORMATS)}"
        )
    parameters = params.as_notebook_parameters()
    if data_dir is not None:
        parameters["data_dir"] = str(Path(data_dir).resolve())
    check_notebook_parameters(parameters)
    pdf_path = Path(output) if output is not None else default_output(params, fmt=fmt)
    metadata = document_metadata(params, data_dir)

    with ExitStack() as stack:
        # a signal whose exception a library swallowed acts again at the next checkpoint()
        stack.enter_context(noticing_signals())
        out = stack.enter_context(prepare_output(pdf_path, f".{fmt}"))
        # fail before running anything (an HTML brief needs no Chromium)
        chromium = _chromium.find_chromium() if fmt == "pdf" else None
        work = stack.enter_context(temporary_folder("kirkuk-brief-"))
        stack.enter_context(_early_kernel.config_folders(work))
        executed = work / "executed.ipynb"
        say(f"running notebook brief.ipynb ({params.describe(_vocabulary_or_none(data_dir))})")
        # The kernel checks the data package with the imports it preloads, before any cell
        # runs: an invalid one stops the brief there (checked in this process, the import
        # of pandas alone competed with the kernel's boot for the CPUs). While the
        # kernel runs the notebook (this process mostly waits for its messages), a thread
        # readies nbconvert, then starts Chromium, which waits for the page (about 0.8 s
        # of its start no longer comes after the notebook). The thread starts once
        # papermill is loaded: before, it would contend for this process's GIL. Chromium's
        # deadline counts from the page being given, however long the notebook runs.
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        started: dict = {}
        # the HTML brief shows the footer line at its end; in the PDF each page has its own
        footer = footer_text(params, data_dir)
        printer = (
            stack.enter_context(_chromium.Printer(footer_text=footer, chromium=chromium))
            if fmt == "pdf"
            else None
        )

        def meanwhile():
            started["exporter"] = pool.submit(html_exporter)
            if printer is not None:
                # imported while the kernel works, not after the print; and Chromium started
                # (after these imports: not competing with them and the kernel's for the CPUs)
                pool.submit(__import__, "pypdf")
                pool.submit(printer.start)

        html_path = work / "brief.html"

        def render(ran) -> None:
            # as soon as the notebook has run: Chromium prints while the kernel is shut
            # down and the executed notebook written (about a tenth of a second)
            say("rendering HTML (no code cells)")
            page = render_html(
                ran, started["exporter"].result(), metadata, footer if fmt == "html" else ""
            )
            html_path.write_text(page, "utf-8")
            checkpoint()
            if printer is not None:
                printer.hand(html_path)

        try:
            _execute_notebook(
                params,
                executed,
                data_dir=data_dir,
                notebook=notebook,
                progress_bar=progress_bar,
                meanwhile=meanwhile,
                saved_as=out.notebook,
                check_data_in_kernel=True,
                when_run=render,
                ahead=_ahead,
            )
        except BriefError as exc:
            if exc.executed_notebook is not None:  # a cell failed: keep it, for audit
                checkpoint()
                out.install(executed, None)
                exc.executed_notebook = out.notebook
            raise

        checkpoint()
        if fmt == "html":
            out.install(executed, html_path)
            say(f"wrote {pdf_path} (executed notebook: {out.notebook})")
            return pdf_path
        say(f"printing PDF with {chromium}")
        printed = work / "brief.pdf"
        try:
            printer.print_to_pdf(html_path, printed)
        except _chromium.ChromiumError as exc:
            checkpoint()
            out.install(executed, None)
            raise BriefError(f"Chromium could not print the brief: {exc}", out.notebook) from None
        checkpoint()
        # Chromium writes the Title (from <title>); pypdf adds Author, Subject and Keywords,
        # into the work folder, so the file renamed into place is whole or absent
        final = work / "final.pdf"
        try:
            write_pdf_metadata(printed, final, metadata)
        except Exception as exc:  # noqa: BLE001 - a PDF pypdf cannot rewrite is Chromium's failure
            checkpoint()
            out.install(executed, None)
            raise BriefError(
                f"could not write the PDF's metadata: {type(exc).__name__}: {_first_line(exc)}",
                out.notebook,
            ) from None
        checkpoint()
        out.install(executed, final)
    say(f"wrote {pdf_path} (executed notebook: {out.notebook})")
    return pdf_path
