"""``kirkuk-analysis``: validate the data package, make the PDF brief, export the incidents.

Exit codes: 0 success; 1 the work failed (a notebook or Chromium error, missing Chromium);
2 bad input (invalid data, bad parameters, unknown options).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _error(message: str) -> None:
    print(f"kirkuk-analysis: error: {message}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    import kirkuk_analysis

    data_dir = args.data_dir
    if data_dir is not None and not (Path(data_dir) / "datapackage.json").is_file():
        _error(f"{data_dir}: no datapackage.json there")
        return EXIT_BAD_INPUT
    try:
        kirkuk_analysis.load(data_dir)
    except kirkuk_analysis.DataValidationError as exc:
        problems = list(getattr(exc, "problems", None) or [exc])
        for problem in problems:
            print(problem)
        where = data_dir or "the shipped data package"
        print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"valid: {data_dir or 'the shipped data package'}")
    return EXIT_OK


def cmd_brief(args: argparse.Namespace) -> int:
    from kirkuk_analysis import _chromium, brief

    try:
        params = brief.validate_params(args.start, args.end, args.province or (), args.party or ())
    except brief.BriefParameterError as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    if args.output is not None and Path(args.output).suffix.lower() != ".pdf":
        _error(f"--output must end in .pdf, not {args.output!r}")
        return EXIT_BAD_INPUT
    if args.data_dir is not None and not (Path(args.data_dir) / "datapackage.json").is_file():
        _error(f"--data-dir {args.data_dir}: no datapackage.json there")
        return EXIT_BAD_INPUT
    try:
        brief.make_brief(params, args.output, data_dir=args.data_dir)
    except _chromium.ChromiumNotFound as exc:
        _error(str(exc))
        return EXIT_FAILED
    except brief.BriefError as exc:
        _error(str(exc))
        return EXIT_FAILED
    return EXIT_OK


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def cmd_export(args: argparse.Namespace) -> int:
    import kirkuk_analysis
    from kirkuk_analysis import export

    try:
        ds = kirkuk_analysis.load(args.data_dir)
    except kirkuk_analysis.DataValidationError as exc:
        _error(
            f"the data package is not valid ({len(exc.problems)} problem(s)); "
            "run `kirkuk-analysis validate` to list them"
        )
        return EXIT_BAD_INPUT
    if args.format == "geojson":
        text = json.dumps(export.to_geojson(ds), ensure_ascii=False, indent=2) + "\n"
    else:
        frame = export.to_acled(ds) if args.format == "acled" else export.to_ucdp(ds)
        text = frame.to_csv(index=False, lineterminator="\n")
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        _write_atomically(Path(args.output), text)
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from kirkuk_analysis import __version__

    parser = argparse.ArgumentParser(
        prog="kirkuk-analysis",
        description="ISIS attacks in Iraq's disputed territories, 2020-2024: "
        "validate the data package, make the PDF brief, export the incidents.",
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
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("brief", help="run notebooks/brief.ipynb and print it to PDF")
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
        "--output",
        metavar="PATH.pdf",
        help="where to write the PDF (default: reports/brief-START-END[-PROVINCES].pdf)",
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="use this data package instead of the shipped one",
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
