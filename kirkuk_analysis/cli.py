"""``kirkuk-analysis``: validate and audit the data package, make the PDF brief, export the
incidents, and the curation steps (register an article, resolve a date phrase, next free id).

Exit codes: 0 success; 1 the work failed (a notebook or Chromium error, missing Chromium, a
file that could not be written or read, a full disk); 2 bad input (invalid data, bad
parameters, unknown options, an output path that cannot or must not be written), reported
before any work; 130 / 143 interrupted by SIGINT / SIGTERM (temporary files removed, child
processes stopped); 141 the reader of standard output went away (``| head``). Every error is
one line on stderr, ``kirkuk-analysis: error: ...``; ``validate`` lists each problem of the
data as ``FILE:LINE: COLUMN: reason`` on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _error(message: str) -> None:
    print(f"kirkuk-analysis: error: {message}", file=sys.stderr)


_NOT_AUDITED = (
    "note: the audit against the articles themselves (each article's SHA-256, printed "
    "publication dates, every evidence excerpt verbatim) was not run; pass --articles DIR "
    "to run it"
)


def cmd_validate(args: argparse.Namespace) -> int:
    import kirkuk_analysis
    from kirkuk_analysis import _paths, audit

    data_dir = args.data_dir
    where = data_dir or f"the shipped data package ({_paths.data_dir()})"
    if data_dir is not None and not (Path(data_dir) / "datapackage.json").is_file():
        given = Path(data_dir)
        if given.name == "datapackage.json" and given.is_file():  # the file, not its folder
            _error(f"{data_dir}: give the folder that holds datapackage.json ({given.parent})")
        else:
            _error(f"{data_dir}: no datapackage.json there")
        return EXIT_BAD_INPUT
    if args.articles is not None and not Path(args.articles).is_dir():
        _error(f"--articles {args.articles}: no such folder")
        return EXIT_BAD_INPUT
    try:
        ds = kirkuk_analysis.load(data_dir)
    except kirkuk_analysis.DataValidationError as exc:
        problems = list(getattr(exc, "problems", None) or [exc])
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
        # the audit reads the loaded tables: its rules wait for these problems to be fixed
        print(
            "note: the audit (dates against their phrases, figures against their excerpts, "
            "places in their provinces"
            + (", and against the articles" if args.articles is not None else "")
            + ") was not run: the package must load first; fix these and validate again",
            file=sys.stderr,
        )
        if args.articles is None:
            print(_NOT_AUDITED, file=sys.stderr)
        return EXIT_BAD_INPUT
    # The rules that need the tables alone (dates re-derived from their phrases, claims'
    # overlaps, figures against their excerpts, places in their provinces) run either way:
    # "valid" never stands beside a date its own phrase contradicts.
    problems = audit.audit(ds, args.articles)
    for problem in problems:
        print(problem)
    against = "" if args.articles is None else f" against {args.articles}"
    if args.articles is None:
        print(_NOT_AUDITED, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {where}{against}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.articles is None:
        print(f"valid: {where}")
    else:
        print(f"valid and audited against {args.articles}: {where}")
    return EXIT_OK


def cmd_date(args: argparse.Namespace) -> int:
    import csv

    from kirkuk_analysis import curate, dates

    if (args.published is None) == (args.source is None):
        _error("give the publication date: --published YYYY-MM-DD or --source SOURCE_ID")
        return EXIT_BAD_INPUT
    if args.source is not None:
        try:
            published = curate.publication_date(args.source, args.data_dir)
        except curate.CurationError as exc:
            _error(str(exc))
            return EXIT_BAD_INPUT
    else:
        try:
            published = dates.iso_date(args.published)
        except ValueError:
            _error(f"--published {args.published!r} is not a date YYYY-MM-DD")
            return EXIT_BAD_INPUT
    direction = "future" if args.forward else "past"
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["date_start", "date_end", "date_precision", "date_phrase"])
    status = EXIT_OK
    for phrase in args.phrase:
        try:
            found = dates.resolve(phrase, published, direction)
        except dates.UnresolvablePhrase as exc:
            _error(str(exc))
            status = EXIT_BAD_INPUT
            continue
        out.writerow([found.start.isoformat(), found.end.isoformat(), found.precision, phrase])
    return status


def cmd_next_id(args: argparse.Namespace) -> int:
    from kirkuk_analysis import _paths, curate

    try:
        ids = curate.next_ids(args.data_dir)
    except curate.CurationError as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    if args.data_dir is None:  # a copy's curator who forgot --data-dir: say whose ids these are
        print(
            f"next free ids of the shipped data package ({_paths.data_dir()}); give --data-dir "
            "for another",
            file=sys.stderr,
        )
    if args.table is not None:
        print(ids[args.table])
    else:
        for table, next_id in ids.items():
            print(f"{table:<13} {next_id}")
    return EXIT_OK


def cmd_register(args: argparse.Namespace) -> int:
    from kirkuk_analysis import curate

    try:
        done = curate.register(
            args.article,
            args.outlet,
            args.published,
            url=args.url or "",
            headline=args.headline or "",
            dateline=args.dateline or "",
            notes=args.notes or "",
            published_precision=args.published_precision,
            data_dir=args.data_dir,
            articles=args.articles,
            dry_run=args.dry_run,
        )
    except curate.CurationError as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    row = done.row
    verb = "would register" if args.dry_run else "registered"
    if args.dry_run:  # the row as it would go into sources.csv
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    else:
        print(row["source_id"])
    print(
        f"{verb} {row['source_id']}: document {row['document']} (in {done.article.parent}), "
        f"sha256 {row['sha256'][:16]}..., published {row['published']} "
        f"({row['published_basis']})",
        file=sys.stderr,
    )
    if not row.get("headline"):
        print("note: no --headline given; the headline column is empty", file=sys.stderr)
    return EXIT_OK


def cmd_brief(args: argparse.Namespace) -> int:
    from kirkuk_analysis import _early_kernel

    # the kernel's process first: its imports take longest, and begin now, while this
    # process checks the parameters and loads what makes a brief
    with _early_kernel.ahead() as ahead:
        return _brief(args, ahead)


def _brief(args: argparse.Namespace, ahead) -> int:
    from kirkuk_analysis.selection import SelectionError, check_selection

    if args.data_dir is not None and not (Path(args.data_dir) / "datapackage.json").is_file():
        _error(f"--data-dir {args.data_dir}: no datapackage.json there")
        return EXIT_BAD_INPUT
    from kirkuk_analysis import _chromium, brief

    try:
        # checked against the vocabulary of the package being briefed, before any notebook
        chosen = check_selection(
            args.start, args.end, args.province or (), args.party or (), data_dir=args.data_dir
        )
        title = brief.check_title(args.title)
    except SelectionError as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    except (OSError, ValueError) as exc:
        _error(f"the data package's datapackage.json cannot be read ({exc})")
        return EXIT_BAD_INPUT
    params = brief.BriefParams(chosen.start, chosen.end, chosen.provinces, chosen.parties, title)
    brief.skip_unused_slow_imports()  # this process makes a brief and nothing else
    try:
        # the output path is checked, and the data package loaded, before any cell runs
        brief.make_brief(params, args.output, data_dir=args.data_dir, fmt=args.format, _ahead=ahead)
    except (brief.BriefOutputError, brief.BriefDataError, brief.BriefParameterError) as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    except (_chromium.ChromiumNotFound, brief.BriefError) as exc:
        _error(str(exc))
        return EXIT_FAILED
    except OSError as exc:  # e.g. a full $TMPDIR
        where = f" ({exc.filename})" if exc.filename else ""
        _error(f"the brief could not be made: {exc.strerror or exc}{where}")
        return EXIT_FAILED
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    import kirkuk_analysis
    from kirkuk_analysis import export
    from kirkuk_analysis._cleanup import write_atomically
    from kirkuk_analysis._outputs import (
        OutputError,
        check_output,
        is_stream,
        reason,
        remove_folders,
    )

    to_stdout = args.output in (None, "-")
    stream = not to_stdout and is_stream(args.output)  # /dev/stdout, a FIFO: written in place
    created: list[Path] = []
    if not to_stdout and not stream:  # checked before any work
        output = Path(args.output)
        try:
            created = check_output(output)
        except OutputError as exc:
            _error(f"cannot write {output}: {exc}")
            return EXIT_BAD_INPUT
    try:
        if args.data_dir is not None and not (Path(args.data_dir) / "datapackage.json").is_file():
            _error(f"--data-dir {args.data_dir}: no datapackage.json there")
            return EXIT_BAD_INPUT
        try:
            ds = kirkuk_analysis.load(args.data_dir)
        except kirkuk_analysis.DataValidationError as exc:
            from kirkuk_analysis.brief import invalid_data_line

            _error(invalid_data_line(exc, args.data_dir))
            return EXIT_BAD_INPUT
        try:
            if args.format == "geojson":
                text = json.dumps(export.to_geojson(ds), ensure_ascii=False, indent=2) + "\n"
            else:
                frame = export.to_acled(ds) if args.format == "acled" else export.to_ucdp(ds)
                text = frame.to_csv(index=False, lineterminator="\n")
        except export.ExportError as exc:
            _error(str(exc))
            return EXIT_BAD_INPUT
        if to_stdout:
            _write_stdout(text)
            return EXIT_OK
        try:
            if stream:
                with open(args.output, "w", encoding="utf-8", newline="") as handle:
                    handle.write(text)
                return EXIT_OK
            write_atomically(output, text.encode("utf-8"))
        except OSError as exc:
            _error(f"cannot write {args.output}: {reason(exc)}")
            return EXIT_FAILED
        created = []  # written: the folders stay
        print(f"wrote {args.output}", file=sys.stderr)
        return EXIT_OK
    finally:
        remove_folders(created)


def build_parser() -> argparse.ArgumentParser:
    from kirkuk_analysis import __version__

    parser = argparse.ArgumentParser(
        prog="kirkuk-analysis",
        description="ISIS attacks in Iraq's disputed territories, 2020-2024: "
        "validate the data package, make the PDF brief, export the incidents.",
        epilog="Exit codes: 0 done; 1 the work failed; 2 bad input (before any work); 130 / 143 "
        "interrupted (SIGINT / SIGTERM); 141 the reader of the output went away.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a data package; list every problem")
    p.add_argument(
        "data_dir",
        nargs="?",
        default=None,
        metavar="DATA_DIR",
        help="folder with datapackage.json (default: the shipped data package)",
    )
    p.add_argument(
        "--articles",
        metavar="DIR",
        default=None,
        help="also audit against the article texts in DIR (files named by sources.document): "
        "evidence verbatim, SHA-256, dates re-derived from their phrases, claims' overlaps",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "brief",
        help="run notebooks/brief.ipynb and print it to PDF (or write it as one HTML file)",
        description="Run notebooks/brief.ipynb with papermill and print it to an A4 PDF with "
        "Chromium (with a document outline, links from each figure to the verbatim excerpt "
        "it rests on, and Title, Author, Subject and Keywords), or with --format html write "
        "the same brief as one self-contained HTML file (images and styles inline, nothing "
        "fetched; Chromium not needed). Exit 0 written; 1 the notebook, Chromium or writing "
        "failed (a failing notebook is kept as PATH.brief-run.ipynb, and no brief is left); "
        "2 bad input (parameters, output path, data package), before any notebook runs; "
        "130/143 interrupted (nothing is left behind). The brief and the executed notebook "
        "beside it always come from the same run: both are written to temporary files and "
        "renamed into place at the end.",
    )
    p.add_argument(
        "--start",
        default="2020-01-01",
        metavar="YYYY-MM-DD",
        help="first day of the period (default: %(default)s)",
    )
    p.add_argument(
        "--end",
        default="2024-12-31",
        metavar="YYYY-MM-DD",
        help="last day of the period (default: %(default)s)",
    )
    p.add_argument(
        "--province",
        action="append",
        metavar="NAME",
        help="limit to this province (repeatable; default: all)",
    )
    p.add_argument(
        "--party",
        action="append",
        metavar="NAME",
        help="limit casualty figures to this party (repeatable; default: all)",
    )
    p.add_argument(
        "--title",
        metavar="TEXT",
        default=None,
        help="the brief's title, shown as plain text on one line (default: the notebook's)",
    )
    p.add_argument(
        "--format",
        choices=("pdf", "html"),
        default="pdf",
        help="pdf: an A4 PDF printed by Chromium; html: one self-contained HTML file, for "
        "sharing by link or e-mail (default: %(default)s)",
    )
    p.add_argument(
        "--output",
        metavar="PATH.pdf|PATH.html",
        help="where to write the brief (default: reports/brief-START-END[-PROVINCES].pdf, "
        "or .html with --format html; the name must end in the format's suffix); its "
        "executed notebook goes beside it as PATH.brief-run.ipynb (an HTML brief's as "
        "PATH.html.brief-run.ipynb). A missing folder is "
        "created; a folder or a symbolic link at PATH, and a PATH.brief-run.ipynb that "
        "no brief wrote, are refused (exit 2) before anything runs",
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="use this data package instead of the shipped one (an invalid one: exit 2)",
    )
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("export", help="export the incidents in another layout")
    p.add_argument("--format", required=True, choices=("acled", "ucdp", "geojson"))
    p.add_argument("--output", metavar="PATH", default=None, help="file to write (default: stdout)")
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="use this data package instead of the shipped one",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "register",
        help="add an article to sources.csv (source_id, file name, SHA-256, date basis)",
        description="Add an article to sources.csv and print its source_id. The publication "
        "date counts as printed when the text prints it (12-05-2021, 2021-05-12, "
        "May 12, 2021, 12 May 2021); otherwise --notes must say how it was inferred.",
    )
    p.add_argument("article", metavar="ARTICLE.txt", help="the article's text, UTF-8")
    p.add_argument("--outlet", required=True, help="news outlet, e.g. Rudaw")
    p.add_argument("--published", required=True, metavar="YYYY-MM-DD", help="publication date")
    p.add_argument("--url", default=None, help="public address of the article")
    p.add_argument("--headline", default=None, help="headline as printed")
    p.add_argument("--dateline", default=None, help="dateline, e.g. 'ERBIL, Kurdistan Region'")
    p.add_argument("--notes", default=None, help="how the date was inferred; other remarks")
    p.add_argument(
        "--published-precision",
        default="day",
        choices=("day", "week", "month", "year"),
        help="precision of --published (default: %(default)s)",
    )
    p.add_argument(
        "--articles",
        metavar="DIR",
        default=None,
        help="copy the text into this articles folder under the next NNN_<sha256>.txt name "
        "(default: leave it where it is, under its own name)",
    )
    p.add_argument("--data-dir", metavar="DIR", default=None, help="data package to add it to")
    p.add_argument("--dry-run", action="store_true", help="show what would be added; write nothing")
    p.set_defaults(func=cmd_register)

    p = sub.add_parser(
        "date",
        help="resolve date phrases against a publication date",
        description="Print date_start, date_end, date_precision for each phrase, resolved "
        "against the publication date by calendar arithmetic (docs/codebook.md, date rules).",
    )
    p.add_argument("phrase", nargs="+", help="the article's words, e.g. 'since Saturday night'")
    p.add_argument("--published", metavar="YYYY-MM-DD", default=None, help="publication date")
    p.add_argument("--source", metavar="SOURCE_ID", default=None, help="take it from sources.csv")
    p.add_argument(
        "--forward",
        action="store_true",
        help="resolve forward, for a step the article announces (status planned)",
    )
    p.add_argument("--data-dir", metavar="DIR", default=None, help="data package for --source")
    p.set_defaults(func=cmd_date)

    p = sub.add_parser("next-id", help="the next free identifier of each table")
    p.add_argument(
        "table",
        nargs="?",
        choices=("incidents", "coordination", "claims"),
        help="only this table's (default: all)",
    )
    p.add_argument("--data-dir", metavar="DIR", default=None, help="data package to look in")
    p.set_defaults(func=cmd_next_id)
    return parser


class Terminated(SystemExit):
    """SIGTERM or SIGHUP (a closed terminal), raised where the program is so that its
    clean-up code runs (as Ctrl-C's KeyboardInterrupt does). ``signum``: which one.

    A ``SystemExit``, as KeyboardInterrupt is an exception asyncio lets through: raised in
    a callback of asyncio's loop (papermill's client runs on it, with zmq's callbacks, for
    the whole notebook), any other was dropped there, logged with a traceback, and the
    callback's work left undone while the brief went on."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_sigterm(signum, frame):  # pragma: no cover - exercised through a subprocess
    raise Terminated(signum)


class _ClosedStream:
    """Standard output when the process was started without one (``>&-``): writing to it is
    the ``OSError`` main() reports in one line."""

    def write(self, text: str) -> int:
        raise OSError(9, "standard output is closed")

    def flush(self) -> None:
        pass


class _Unheard:
    """Standard error when the process was started without one (``2>&-``): the work goes
    on, and what it would say (its progress, an error line) goes nowhere."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _write_stdout(text: str) -> None:
    """Write ``text`` to standard output whole, or raise (``BrokenPipeError`` when the reader
    went away part-way: Python's buffered writer can report a write cut short by a closed
    pipe as done)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture): as it is
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    view = memoryview(text.encode("utf-8", "backslashreplace"))
    while view:
        view = view[os.write(fd, view) :]


def _discard_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered would fail again at exit."""
    if sys.stdout is None or isinstance(sys.stdout, _ClosedStream):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (0 ok, 1 the work failed, 2 bad input, 130 / 143
    / 129 interrupted by SIGINT / SIGTERM / SIGHUP, 141 the reader of stdout went away)."""
    import signal

    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    if sys.stderr is None:
        sys.stderr = _Unheard()
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # a terminal in another encoding: escapes, no crash
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    handled = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, _on_sigterm) for s in handled}
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # `validate ... | head -1`: the reader has what it wanted; stay quiet, as other tools do
        _discard_stdout()
        return 141
    except OSError as exc:  # e.g. stdout on a full disk, a file the command could not read
        where = f" ({exc.filename})" if exc.filename else " (writing the standard output)"
        _discard_stdout()
        _error(f"{exc.strerror or exc}{where}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Terminated as exc:
        _error("terminated" if exc.signum == signal.SIGTERM else "hung up")
        return 128 + exc.signum
    except Exception as exc:  # noqa: BLE001 - a bug must still end in one line, not a traceback
        if os.environ.get("KIRKUK_DEBUG"):
            raise
        _error(
            f"unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
            "(a bug: please report it with the command; KIRKUK_DEBUG=1 shows the traceback)"
        )
        return EXIT_FAILED
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def console_main() -> None:
    """The ``kirkuk-analysis`` console script: :func:`main`, then exit at once with its code.

    By then every file is written and closed, every temporary folder removed and every
    child process stopped; what is left is the interpreter tearing down the modules a brief
    loaded (papermill, nbconvert, jupyter_client...), about a second of a brief's wall time.
    """
    try:
        code = main()
    except KeyboardInterrupt:  # Ctrl-C before main() watched for it (its imports, its parsing)
        _error("interrupted")
        code = 130
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    console_main()
