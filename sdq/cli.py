"""The ``sdq`` command line: a thin adapter over the Python API.

Exit codes: 0 done (``sdq check``: every threshold passed); 1 a threshold failed (``sdq check``);
2 bad input, usage or configuration (one line on stderr, no traceback); 3 with ``--strict``, a metric
failed, ran out of time or recorded a warning (the reports are still written).
Progress goes to stderr (a bar on a terminal, nothing with ``--quiet``); results to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence, TextIO

from sdq.errors import InputError, SdqError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_THRESHOLD, EXIT_USAGE, EXIT_STRICT = 0, 1, 2, 3


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


def _number_type(convert, valid, expected: str, bounds: str):
    """An argparse ``type``: ``convert`` the text, then check it with ``valid``."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not valid(value):
            raise argparse.ArgumentTypeError(f"{bounds}, got {text!r}")
        return value

    return parse


_seed = _number_type(int, lambda v: 0 <= v < 2**32, "an integer", "must be in [0, 2**32)")
_positive_int = _number_type(int, lambda v: v >= 1, "a positive integer", "must be at least 1")
_seconds = _number_type(
    float, lambda v: 0 < v < float("inf"), "a number of seconds", "must be a positive number of seconds"
)


def _candidate(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    name, path = text.split("=", 1)
    if not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return name.strip(), path.strip()


def _add_input_arguments(parser: argparse.ArgumentParser, synthetic: bool = True) -> None:
    """The inputs shared by ``sdq report``, ``sdq check`` and (without SYNTHETIC) ``sdq compare``."""
    parser.add_argument("real", help="the real (training) table: .csv, .parquet, .json, .jsonl, .feather")
    if synthetic:
        parser.add_argument("synthetic", help="the synthetic table, same columns as REAL")
    parser.add_argument("--holdout", help="real rows the generator never saw (the baseline)")
    parser.add_argument("--target", help="the column a model would predict")
    parser.add_argument(
        "--task", choices=("classification", "regression"), help="the target's task (inferred if omitted)"
    )
    parser.add_argument("--time-column", help="the column that orders rows in time")
    parser.add_argument("--entity-column", help="the column that identifies a sequence (e.g. a customer)")
    parser.add_argument("--metrics", type=_comma_list, help="comma-separated metric names (default: all)")
    parser.add_argument(
        "--column-type",
        type=_column_type,
        action="append",
        default=[],
        metavar="COL=KIND",
        help="override a column's kind (repeatable)",
    )
    parser.add_argument("--exclude", action="append", default=[], metavar="COL", help="leave a column out (repeatable)")
    parser.add_argument("--sensitive", help="records the generator must never reproduce (scored by sensitive_match)")
    parser.add_argument(
        "--show-records", action="store_true", help="allow real records (matched rows) in the report; off by default"
    )


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every evaluating command shares: seed, jobs, time limit, strictness, quiet, and how
    plotly.js reaches the HTML."""
    from sdq.engine.runner import default_jobs

    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=default_jobs(),
        help=f"metrics run in this many processes at once (default: all cores, here {default_jobs()}); "
        "the scores do not depend on it",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="sample no rows: lift every row cap (models, distances, queries, bootstrap; "
        "slower on large data). Caps in effect are always recorded in the report",
    )
    parser.add_argument(
        "--metric-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="stop a metric after this many seconds and record it as an error (Linux)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 when a metric failed, ran out of time or recorded a warning (the reports are still written)",
    )
    parser.add_argument(
        "--cdn",
        action="store_true",
        help="link plotly.js from its CDN instead of embedding it (smaller file; needs a network to view)",
    )
    parser.add_argument("--seed", type=_seed, default=0, help="seed of every random step (default 0)")
    parser.add_argument("--quiet", action="store_true", help="no progress and no table")


def build_parser() -> argparse.ArgumentParser:
    from sdq import __version__

    parser = _Parser(prog="sdq", description="Score synthetic data against real data and a holdout.")
    parser.add_argument("--version", action="version", version=f"sdq {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    report = sub.add_parser(
        "report",
        help="evaluate synthetic data and write an HTML and a JSON report",
        description="Evaluate SYNTHETIC against REAL (the generator's training rows) "
        "and write reports/<synthetic stem>.html and .json.",
    )
    _add_input_arguments(report)
    report.add_argument("--output", help="HTML output path (default: reports/<synthetic stem>.html)")
    report.add_argument("--json", dest="json_path", help="JSON output path (default: next to the HTML)")
    report.add_argument(
        "--chunk-rows",
        type=_positive_int,
        metavar="N",
        help="read the files N rows at a time, for files larger than memory (Parquet or CSV): "
        "histogram_similarity and mutual_information from counts; the other metrics are skipped",
    )
    _add_run_arguments(report)

    check = sub.add_parser(
        "check",
        help="evaluate synthetic data and exit 1 when a threshold fails",
        description="Evaluate SYNTHETIC against REAL like 'sdq report', then check thresholds "
        "(from --fail-under and/or a config file). Exit codes: 0 every threshold "
        "passed, 1 a threshold failed, 2 bad input, usage or config.",
    )
    _add_input_arguments(check)
    check.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="SPEC",
        help="thresholds, e.g. 'fidelity=0.8,privacy=0.9', 'correlation=0.9*baseline', "
        "'exact_match:ci_low=0.95' (repeatable)",
    )
    check.add_argument(
        "--config",
        help="a TOML file with a [thresholds] table (sdq.toml) or [tool.sdq.thresholds] "
        "(pyproject.toml); default: ./sdq.toml, else [tool.sdq] in ./pyproject.toml",
    )
    check.add_argument("--junit", metavar="PATH", help="write a JUnit XML file: one testcase per threshold")
    check.add_argument("--markdown", metavar="PATH", help="write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    check.add_argument(
        "--output", help="also write the HTML report here (then every metric runs, not only those the thresholds read)"
    )
    check.add_argument("--json", dest="json_path", help="also write the JSON report here")
    _add_run_arguments(check)

    comp = sub.add_parser(
        "compare",
        help="evaluate several synthetic candidates and write one comparison page",
        description="Evaluate every candidate against REAL with the same settings (the real side "
        "is encoded once) and write a leaderboard page (HTML) and JSON. Candidates "
        "whose overall ranges overlap are marked tied.",
    )
    _add_input_arguments(comp, synthetic=False)
    comp.add_argument(
        "candidates",
        nargs="+",
        type=_candidate,
        metavar="NAME=PATH",
        help="a synthetic table and the name to show for it (one or more)",
    )
    comp.add_argument(
        "--output", default="reports/compare.html", help="HTML output path (default: reports/compare.html)"
    )
    comp.add_argument("--json", dest="json_path", help="JSON output path (default: next to the HTML)")
    _add_run_arguments(comp)

    init = sub.add_parser(
        "init",
        help="write a commented starting sdq.toml with thresholds",
        description="Write a starting configuration for 'sdq check': thresholds relative to the "
        "holdout baseline, or, with --from-report, absolute thresholds a margin below "
        "the holdout baselines of an existing report.",
    )
    init.add_argument("--output", default="sdq.toml", help="where to write it (default: ./sdq.toml)")
    init.add_argument(
        "--from-report", metavar="JSON", help="a report JSON (made with a holdout) to take baselines from"
    )
    init.add_argument(
        "--margin",
        type=float,
        default=0.05,
        help="with --from-report: how far below each baseline the threshold sits (default 0.05)",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    demo = sub.add_parser(
        "demo",
        help="run the whole evaluation on the embedded demo data",
        description="Split statsmodels' 'fair' data (real survey answers) into training "
        "and holdout rows, make synthetic rows with a baseline Gaussian copula, "
        "and write demo.html and demo.json.",
    )
    demo.add_argument("--output-dir", default="reports", help="folder for demo.html and demo.json (default: reports/)")
    _add_run_arguments(demo)
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
    out.write(f"{'':<26}{'score':>7}  {'holdout baseline':>16}\n")
    for family in ("fidelity", "utility", "privacy", "overall"):
        out.write(f"{family:<26}{fmt(summary[family]):>7}  {fmt(baseline[family]):>16}\n")
    out.write("\n")
    for r in report.metrics:
        if r.status == "ok":
            ci = f"  [{r.ci[0]:.3f}, {r.ci[1]:.3f}]" if r.ci else ""
            out.write(f"  {r.name:<24}{fmt(r.score):>7}  {fmt(r.baseline):>16}{ci}\n")
        else:
            out.write(f"  {r.name:<24}{r.status:>7}  {r.message or ''}\n")


def _write(report, html_path: Path, json_path: Path, cdn: bool = False) -> None:
    """Write the HTML and JSON of a Report or a Comparison; a failure is bad input, in one line."""
    try:
        report.to_html(html_path, cdn=cdn)
        report.to_json(json_path)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror or exc}: {exc.filename or html_path}") from None


def _evaluation(args: argparse.Namespace):
    """The real side named on the command line, loaded and set up (shared by report, check, compare)."""
    import sdq
    from sdq.engine.evaluate import Evaluation

    real = sdq.load_table(args.real)
    holdout = sdq.load_table(args.holdout) if args.holdout else None
    sensitive = sdq.load_table(args.sensitive) if args.sensitive else None
    column_types = _resolve_names(real, dict(args.column_type), "--column-type")
    exclude = list(_resolve_names(real, {c: None for c in args.exclude}, "--exclude"))
    return Evaluation(
        real,
        holdout,
        target=_resolve_name(real, args.target),
        task=args.task,
        time_column=_resolve_name(real, args.time_column),
        entity_column=_resolve_name(real, args.entity_column),
        metrics=args.metrics,
        column_types=column_types,
        exclude=exclude,
        seed=args.seed,
        config=_config(args),
        sensitive=sensitive,
        show_records=args.show_records,
        jobs=args.jobs,
        metric_timeout=args.metric_timeout,
    )


def _config(args: argparse.Namespace):
    from sdq.config import Config

    return Config().full() if getattr(args, "full", False) else Config()


def _evaluate_args(args: argparse.Namespace):
    """Load the inputs named on the command line and evaluate them (shared by report and check)."""
    import sdq

    evaluation = _evaluation(args)
    return evaluation.run(sdq.load_table(args.synthetic), progress=_progress(args.quiet))


def _evaluate_chunked(args: argparse.Namespace):
    """``sdq report --chunk-rows N``: fidelity from counts, the files read N rows at a time."""
    from sdq.engine.chunked import evaluate_chunked

    unused = [
        flag
        for flag, value in (
            ("--target", args.target),
            ("--task", args.task),
            ("--time-column", args.time_column),
            ("--entity-column", args.entity_column),
            ("--sensitive", args.sensitive),
            ("--show-records", args.show_records),
            ("--metric-timeout", args.metric_timeout),
            ("--full", args.full),
        )
        if value
    ]
    if unused:
        raise InputError(f"--chunk-rows scores fidelity from counts only; {', '.join(unused)} cannot be used with it")
    return evaluate_chunked(
        args.real,
        args.synthetic,
        args.holdout,
        chunk_rows=args.chunk_rows,
        metrics=args.metrics,
        column_types=dict(args.column_type) or None,
        exclude=args.exclude or None,
        seed=args.seed,
    )
    # (--jobs does not apply: the two metrics read counts accumulated in one pass per file)


def _faults(reports: dict) -> list[str]:
    """Lines naming every metric that failed, ran out of time or recorded a warning."""
    lines = []
    for label, report in reports.items():
        prefix = f"{label}: " if label else ""
        for m in report.metrics:
            if m.status == "error":
                lines.append(f"{prefix}{m.name} failed: {m.message}")
            for warning in m.warnings or []:
                lines.append(f"{prefix}{m.name} warned: {warning}")
    return lines


def _strict_exit(args: argparse.Namespace, reports: dict, code: int) -> int:
    """``code``, or 3 with ``--strict`` when a metric failed or warned (listed on stderr)."""
    if not getattr(args, "strict", False):
        return code
    faults = _faults(reports)
    if not faults:
        return code
    sys.stderr.write("sdq: --strict: " + str(len(faults)) + " metric fault(s):\n")
    for line in faults:
        sys.stderr.write(f"  {line}\n")
    return EXIT_STRICT


def _run_report(args: argparse.Namespace) -> int:
    stem = Path(args.synthetic).name.split(".")[0] or "report"
    html_path = Path(args.output) if args.output else Path("reports") / f"{stem}.html"
    json_path = Path(args.json_path) if args.json_path else html_path.with_suffix(".json")
    report = _evaluate_chunked(args) if args.chunk_rows else _evaluate_args(args)
    _write(report, html_path, json_path, cdn=args.cdn)
    if not args.quiet:
        format_table(report, sys.stdout)
        sys.stdout.write(f"\nwrote {html_path} and {json_path}\n")
    return _strict_exit(args, {"": report}, EXIT_OK)


def _run_compare(args: argparse.Namespace) -> int:
    import sdq
    from sdq.engine.compare import Comparison

    names = [name for name, _ in args.candidates]
    if len(set(names)) != len(names):
        raise InputError(f"candidate names must be distinct; got {names}")
    evaluation = _evaluation(args)  # the real side: loaded, checked and encoded once
    reports = {}
    for name, path in args.candidates:
        if not args.quiet and sys.stderr.isatty():
            sys.stderr.write(f"{name}:\n")
        try:
            reports[name] = evaluation.run(sdq.load_table(path), progress=_progress(args.quiet))
        except InputError as exc:
            raise InputError(f"candidate {name!r} ({path}): {exc}") from None
    comparison = Comparison(reports)
    html_path = Path(args.output)
    json_path = Path(args.json_path) if args.json_path else html_path.with_suffix(".json")
    _write(comparison, html_path, json_path, cdn=args.cdn)
    if not args.quiet:
        sys.stdout.write(format_leaderboard(comparison))
        sys.stdout.write(f"\nwrote {html_path} and {json_path}\n")
    return _strict_exit(args, reports, EXIT_OK)


def format_leaderboard(comparison) -> str:
    """The leaderboard as a text table."""

    def fmt(v: Any) -> str:
        return "    —" if v is None or v != v else f"{v:5.3f}"

    board = comparison.leaderboard
    width = max(9, *(len(str(n)) for n in board.index)) + 2
    lines = [
        f"{'rank':<5}{'candidate':<{width}}{'overall':>8}  {'range':<15}{'fidelity':>9}{'utility':>9}"
        f"{'privacy':>9}  tied with"
    ]
    for name, row in board.iterrows():
        span = f"[{fmt(row.overall_low)}, {fmt(row.overall_high)}]" if row.overall_low == row.overall_low else "—"
        lines.append(
            f"{int(row['rank']):<5}{str(name):<{width}}{fmt(row.overall):>8}  {span:<15}{fmt(row.fidelity):>9}"
            f"{fmt(row.utility):>9}{fmt(row.privacy):>9}  {', '.join(row.tied_with) or '—'}"
        )
    base = board["baseline_overall"].iloc[0]
    lines.append(f"{'':<5}{'(holdout)':<{width}}{fmt(base):>8}")
    return "\n".join(lines) + "\n"


def _run_init(args: argparse.Namespace) -> int:
    import sdq
    from sdq.gates.thresholds import starter_config

    path = Path(args.output)
    if path.exists() and not args.force:
        raise InputError(f"{path} exists; use --force to overwrite it")
    report = sdq.Report.from_json(args.from_report) if args.from_report else None
    if not 0 <= args.margin < 1:
        raise InputError(f"--margin must be in [0, 1); got {args.margin}")
    text = starter_config(report, margin=args.margin)
    _write_text(str(path), text)
    sys.stdout.write(f"wrote {path}; check with: sdq check REAL SYNTHETIC --holdout HOLDOUT --config {path}\n")
    return EXIT_OK


def _check_thresholds(args: argparse.Namespace) -> list:
    """Thresholds from --config (or the default config files) and --fail-under, in that order."""
    from sdq.gates.thresholds import find_config, load_config, parse_thresholds

    thresholds = []
    config = Path(args.config) if args.config else find_config(".")
    if config is not None:
        thresholds.extend(load_config(config))
    for spec in args.fail_under:
        thresholds.extend(parse_thresholds(spec))
    if not thresholds:
        raise InputError(
            "no thresholds to check: give some with --fail-under (e.g. 'fidelity=0.8,privacy=0.9'), "
            "--config PATH, a [thresholds] table in ./sdq.toml or [tool.sdq.thresholds] in "
            "./pyproject.toml"
        )
    return thresholds


def _write_text(path: str, text: str) -> None:
    from sdq.result.report import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _run_check(args: argparse.Namespace) -> int:
    from sdq.gates.thresholds import needed_metrics

    thresholds = _check_thresholds(args)  # before the evaluation: a bad config fails fast
    if args.metrics is None and not (args.output or args.json_path):
        # nothing but the gate is wanted: run only the metrics the thresholds read (each metric's
        # seed is derived from its name, so its score is the same as in a full report)
        args.metrics = needed_metrics(thresholds)
    report = _evaluate_args(args)
    result = report.check(thresholds)
    if args.output or args.json_path:
        try:
            if args.output:
                report.to_html(args.output, cdn=args.cdn)
            if args.json_path:
                report.to_json(args.json_path)
        except OSError as exc:
            raise InputError(f"cannot write the report: {exc.strerror or exc}: {exc.filename}") from None
    if args.junit:
        _write_text(args.junit, result.to_junit())
    if args.markdown:
        _write_text(args.markdown, result.to_markdown())
    if not args.quiet:
        sys.stdout.write(result.format_table())
    return _strict_exit(args, {"": report}, EXIT_OK if result.passed else EXIT_THRESHOLD)


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
    from sdq.demo.copula import GaussianCopula
    from sdq.demo.data import load_fair, split

    real = load_fair()
    train, holdout = split(real, holdout_share=0.3, seed=args.seed)
    synthetic = GaussianCopula().fit(train, seed=args.seed).sample(len(train), seed=args.seed + 1)
    report = sdq.evaluate(
        train,
        synthetic,
        holdout,
        target="had_affair",
        seed=args.seed,
        jobs=args.jobs,
        config=_config(args),
        metric_timeout=args.metric_timeout,
        progress=_progress(args.quiet),
    )
    out_dir = Path(args.output_dir)
    html_path, json_path = out_dir / "demo.html", out_dir / "demo.json"
    _write(report, html_path, json_path, cdn=args.cdn)
    if not args.quiet:
        sys.stdout.write(
            f"sdq demo: statsmodels' 'fair' survey data, {len(train)} training rows, "
            f"{len(holdout)} holdout rows, {len(synthetic)} synthetic rows from a Gaussian copula\n\n"
        )
        format_table(report, sys.stdout)
        sys.stdout.write(f"\nwrote {html_path} and {json_path}\n")
    return _strict_exit(args, {"": report}, EXIT_OK)


def _one_line(text: str) -> str:
    """A message as one line: line breaks (from a file name or a library's message) escaped."""
    return " ".join(text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sdq`` command; returns the exit code."""
    with warnings.catch_warnings():
        if not os.environ.get("SDQ_DEBUG"):
            # numpy's and pandas' warnings on odd data (overflow, ...) are not errors: a metric's
            # warnings are recorded in its result (and listed by --strict); the rest would only
            # put lines of library source on stderr, which holds progress and one-line errors
            warnings.simplefilter("ignore")
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "report":
            return _run_report(args)
        if args.command == "check":
            return _run_check(args)
        if args.command == "compare":
            return _run_compare(args)
        if args.command == "init":
            return _run_init(args)
        return _run_demo(args)
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except SdqError as exc:
        sys.stderr.write(f"sdq: error: {_one_line(str(exc))}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("sdq: interrupted\n")
        return 130
    except BrokenPipeError:  # the reader of stdout went away (e.g. `sdq demo | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that flushing stdout at exit raises nothing
        return 141  # 128 + SIGPIPE, as the shell reports a process a closed pipe stopped
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback
        if os.environ.get("SDQ_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        sys.stderr.write(
            f"sdq: error: unexpected {type(exc).__name__}: {_one_line(message)} (a bug in sdq: "
            f"please report it with the traceback, shown with SDQ_DEBUG=1)\n"
        )
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
