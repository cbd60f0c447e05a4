"""The ``sdq`` command line: a thin adapter over the Python API.

Exit codes: 0 done; 2 bad input or usage (one line on stderr, no traceback).
Progress goes to stderr (a bar on a terminal, nothing with ``--quiet``); results to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Sequence, TextIO

from sdq.errors import InputError, SdqError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_THRESHOLD, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and raise instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')")


def _comma_list(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list")
    return items


def _column_type(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected COLUMN=KIND, got {text!r}")
    name, kind = text.rsplit("=", 1)
    return name, kind.strip()


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32), got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from sdq import __version__

    parser = _Parser(prog="sdq", description="Score synthetic data against real data and a holdout.")
    parser.add_argument("--version", action="version", version=f"sdq {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    report = sub.add_parser("report", help="evaluate synthetic data and write an HTML and a JSON report",
                            description="Evaluate SYNTHETIC against REAL (the generator's training rows) "
                                        "and write reports/<synthetic stem>.html and .json.")
    report.add_argument("real", help="the real (training) table: .csv, .parquet, .json, .jsonl, .feather")
    report.add_argument("synthetic", help="the synthetic table, same columns as REAL")
    report.add_argument("--holdout", help="real rows the generator never saw (the baseline)")
    report.add_argument("--target", help="the column a model would predict")
    report.add_argument("--task", choices=("classification", "regression"), help="the target's task (inferred if omitted)")
    report.add_argument("--time-column", help="the column that orders rows in time")
    report.add_argument("--entity-column", help="the column that identifies a sequence (e.g. a customer)")
    report.add_argument("--metrics", type=_comma_list, help="comma-separated metric names (default: all)")
    report.add_argument("--column-type", type=_column_type, action="append", default=[], metavar="COL=KIND",
                        help="override a column's kind (repeatable)")
    report.add_argument("--exclude", action="append", default=[], metavar="COL", help="leave a column out (repeatable)")
    report.add_argument("--sensitive", help="records the generator must never reproduce (scored by sensitive_match)")
    report.add_argument("--show-records", action="store_true",
                        help="allow real records (matched rows) in the report; off by default")
    report.add_argument("--output", help="HTML output path (default: reports/<synthetic stem>.html)")
    report.add_argument("--cdn", action="store_true",
                        help="link plotly.js from its CDN instead of embedding it (smaller file; needs a network to view)")
    report.add_argument("--json", dest="json_path", help="JSON output path (default: next to the HTML)")
    report.add_argument("--seed", type=_seed, default=0, help="seed of every random step (default 0)")
    report.add_argument("--quiet", action="store_true", help="no progress and no table")

    demo = sub.add_parser("demo", help="run the whole evaluation on the embedded demo data",
                          description="Split statsmodels' 'fair' data (real survey answers) into training "
                                      "and holdout rows, make synthetic rows with a baseline Gaussian copula, "
                                      "and write demo.html and demo.json.")
    demo.add_argument("--output-dir", default="reports", help="folder for demo.html and demo.json (default: reports/)")
    demo.add_argument("--seed", type=_seed, default=0, help="seed of every random step (default 0)")
    demo.add_argument("--cdn", action="store_true",
                      help="link plotly.js from its CDN instead of embedding it (smaller file; needs a network to view)")
    demo.add_argument("--quiet", action="store_true", help="no progress and no table")
    return parser


class _ProgressBar:
    """A one-line progress bar on a terminal's stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: str, name: str, done: int, total: int) -> None:
        width = 24
        filled = int(width * done / max(total, 1))
        label = f"running {name}" if event == "start" else f"done {name}"
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}")
        if event == "end" and done == total:
            self.stream.write("\r" + " " * (width + 56) + "\r")
        self.stream.flush()


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None
    return _ProgressBar(sys.stderr)


def format_table(report, out: TextIO) -> None:
    """The family scores beside their holdout baselines, then one line per metric."""
    def fmt(v: Any) -> str:
        return "    —" if v is None else f"{v:5.3f}"

    summary, baseline = report.summary, report.summary_baseline
    out.write(f"{'':<24}{'score':>7}  {'holdout baseline':>16}\n")
    for family in ("fidelity", "utility", "privacy", "overall"):
        out.write(f"{family:<24}{fmt(summary[family]):>7}  {fmt(baseline[family]):>16}\n")
    out.write("\n")
    for r in report.metrics:
        if r.status == "ok":
            ci = f"  [{r.ci[0]:.3f}, {r.ci[1]:.3f}]" if r.ci else ""
            out.write(f"  {r.name:<22}{fmt(r.score):>7}  {fmt(r.baseline):>16}{ci}\n")
        else:
            out.write(f"  {r.name:<22}{r.status:>7}  {r.message or ''}\n")


def _write(report, html_path: Path, json_path: Path, cdn: bool = False) -> None:
    try:
        report.to_html(html_path, cdn=cdn)
        report.to_json(json_path)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror or exc}: {exc.filename or html_path}") from None


def _run_report(args: argparse.Namespace) -> int:
    import sdq

    real = sdq.load_table(args.real)
    synthetic = sdq.load_table(args.synthetic)
    holdout = sdq.load_table(args.holdout) if args.holdout else None
    sensitive = sdq.load_table(args.sensitive) if args.sensitive else None
    stem = Path(args.synthetic).name.split(".")[0] or "report"
    html_path = Path(args.output) if args.output else Path("reports") / f"{stem}.html"
    json_path = Path(args.json_path) if args.json_path else html_path.with_suffix(".json")
    column_types = _resolve_names(real, dict(args.column_type), "--column-type")
    exclude = list(_resolve_names(real, {c: None for c in args.exclude}, "--exclude"))
    report = sdq.evaluate(
        real, synthetic, holdout,
        target=_resolve_name(real, args.target), task=args.task,
        time_column=_resolve_name(real, args.time_column), entity_column=_resolve_name(real, args.entity_column),
        metrics=args.metrics, column_types=column_types, exclude=exclude, seed=args.seed,
        sensitive=sensitive, show_records=args.show_records, progress=_progress(args.quiet),
    )
    _write(report, html_path, json_path, cdn=args.cdn)
    if not args.quiet:
        format_table(report, sys.stdout)
        sys.stdout.write(f"\nwrote {html_path} and {json_path}\n")
    return EXIT_OK


def _resolve_name(frame, name: str | None):
    """Command-line column names are strings; match them to the frame's own names."""
    if name is None or name in frame.columns:
        return name
    matches = [c for c in frame.columns if str(c) == name]
    return matches[0] if len(matches) == 1 else name


def _resolve_names(frame, mapping: dict, flag: str) -> dict:
    return {_resolve_name(frame, k): v for k, v in mapping.items()}


def _run_demo(args: argparse.Namespace) -> int:
    import sdq
    from sdq.baseline_generator import GaussianCopula
    from sdq.demo_data import load_fair, split

    real = load_fair()
    train, holdout = split(real, holdout_share=0.3, seed=args.seed)
    synthetic = GaussianCopula().fit(train, seed=args.seed).sample(len(train), seed=args.seed + 1)
    report = sdq.evaluate(train, synthetic, holdout, target="had_affair", seed=args.seed,
                          progress=_progress(args.quiet))
    out_dir = Path(args.output_dir)
    html_path, json_path = out_dir / "demo.html", out_dir / "demo.json"
    _write(report, html_path, json_path, cdn=args.cdn)
    if not args.quiet:
        sys.stdout.write(f"sdq demo: statsmodels' 'fair' survey data, {len(train)} training rows, "
                         f"{len(holdout)} holdout rows, {len(synthetic)} synthetic rows from a Gaussian copula\n\n")
        format_table(report, sys.stdout)
        sys.stdout.write(f"\nwrote {html_path} and {json_path}\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sdq`` command; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        if args.command == "report":
            return _run_report(args)
        return _run_demo(args)
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except SdqError as exc:
        sys.stderr.write(f"sdq: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("sdq: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback
        if os.environ.get("SDQ_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        sys.stderr.write(f"sdq: error: unexpected {type(exc).__name__}: {message} "
                         f"(set SDQ_DEBUG=1 for the traceback)\n")
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
