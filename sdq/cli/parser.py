"""The ``sdq`` command line's parser: every sub-command, its flags and their types."""

from __future__ import annotations

import argparse

from sdq.errors import InputError

__all__ = ["build_parser"]


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
_share = _number_type(float, lambda v: 0 <= v < 0.5, "a share such as 0.01", "must be in [0, 0.5)")
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
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="COL",
        help="leave a column out of every input that has it (repeatable)",
    )
    parser.add_argument("--sensitive", help="records the generator must never reproduce (scored by sensitive_match)")
    parser.add_argument(
        "--show-records", action="store_true", help="allow real records (matched rows) in the report; off by default"
    )
    parser.add_argument(
        "--quasi-identifiers",
        type=_comma_list,
        metavar="COL,COL",
        help="the columns an attacker knows about a person (attribute_inference guesses the others from them); "
        "default: the fewest columns that make most real rows unique, which sdq suggests",
    )
    parser.add_argument(
        "--secrets",
        type=_comma_list,
        metavar="COL,COL",
        help="the columns attribute_inference tries to guess (default: every other column)",
    )
    parser.add_argument(
        "--link-columns",
        type=_comma_list,
        action="append",
        default=[],
        metavar="COL,COL",
        help="the columns of one of the two data sets the linkability attacker holds; give it twice "
        "(default: the columns split in two)",
    )
    parser.add_argument(
        "--rules",
        metavar="PATH",
        help="domain rules to check (a TOML file with a [rules] table, e.g. from 'sdq rules suggest'); "
        "default: the [rules] table of ./sdq.toml (or of --config), if any",
    )
    parser.add_argument(
        "--mine-rules",
        action="store_true",
        help="also check the rules mined from the real rows (see 'sdq rules suggest')",
    )
    _add_profile_argument(parser)


def _add_profile_argument(parser: argparse.ArgumentParser) -> None:
    from sdq.result.profiles import profile_names

    parser.add_argument(
        "--profile",
        metavar="NAME",
        help=f"read the report as a use case does: {', '.join(profile_names())}, or a [profiles.NAME] table "
        "of ./sdq.toml (default: its 'profile = NAME', if any); adds the profile's score and verdict "
        "beside the neutral ones, changes no score",
    )


def _add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the data are read and scored: in memory, chunk by chunk, or on a Dask cluster."""
    parser.add_argument(
        "--engine",
        choices=("memory", "dask"),
        default="memory",
        help="memory (default): every row in this process; dask: the inputs (Parquet files, globs or "
        "directories) stay in the partitions of a Dask cluster (pip install 'sdq[dask]'): fidelity from "
        "aggregates over every row, privacy searches over every row, models on seeded samples",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the Dask scheduler's address (default: a local cluster on this machine's cores)",
    )
    parser.add_argument(
        "--chunk-rows",
        type=_positive_int,
        metavar="N",
        help="read the files N rows at a time, for files larger than memory (Parquet or CSV), on this "
        "machine without Dask: the report of --engine dask, one chunk after another",
    )
    parser.add_argument(
        "--sample-rows",
        type=_positive_int,
        metavar="N",
        help="with --engine dask or --chunk-rows: rows of each input in the seeded samples the schema, the "
        "intervals and the models use (default 200000)",
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
    parser.add_argument("--quiet", action="store_true", help="no progress, no table and no warnings (errors only)")


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
    _add_engine_arguments(report)
    _add_run_arguments(report)

    check = sub.add_parser(
        "check",
        help="evaluate synthetic data and exit 1 when a threshold fails",
        description="Evaluate SYNTHETIC against REAL like 'sdq report', then check thresholds "
        "(from --fail-under and/or a config file; with neither, the gates of the --profile). Exit codes: "
        "0 every threshold passed, 1 a threshold failed, 2 bad input, usage or config.",
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
    _add_engine_arguments(check)
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
    init.add_argument(
        "--profile",
        metavar="NAME",
        help="write the use-case profile's gates and 'profile = NAME' (a built-in, or a [profiles.NAME] table "
        "of ./sdq.toml, which is copied)",
    )

    rules = sub.add_parser(
        "rules",
        help="domain rules: suggest them from real data",
        description='Rules are constraints on the rows (start <= end, zip matches "^[0-9]{5}$", ...) '
        "that the 'rules' metric checks on the synthetic data beside the real and holdout data.",
    )
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, parser_class=_Parser)
    suggest = rules_sub.add_parser(
        "suggest",
        help="mine the rules that hold on the real rows and write them as a commented TOML file",
        description="Mine the constraints that hold on every row of REAL (or all but --tolerance of "
        "them): non-null columns, value sets, formats, ranges, column orders, sums, functional "
        "dependencies and unique ids; each with its support. The file is meant to be edited, and "
        "is read back with --rules.",
    )
    suggest.add_argument("real", help="the real table: .csv, .parquet, .json, .jsonl, .feather")
    suggest.add_argument("--output", metavar="PATH", help="write the rules here (default: print them)")
    suggest.add_argument(
        "--tolerance",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="the share of the rows a rule applies to that may break it (default 0: every row keeps it)",
    )
    suggest.add_argument(
        "--column-type",
        type=_column_type,
        action="append",
        default=[],
        metavar="COL=KIND",
        help="override a column's kind (repeatable)",
    )
    suggest.add_argument(
        "--exclude", action="append", default=[], metavar="COL", help="leave a column out (repeatable)"
    )
    suggest.add_argument("--seed", type=_seed, default=0, help="seed of the row sample that screens pairs (default 0)")
    suggest.add_argument("--force", action="store_true", help="overwrite an existing --output file")

    demo = sub.add_parser(
        "demo",
        help="run the whole evaluation on the embedded demo data",
        description="Split statsmodels' 'fair' data (real survey answers) into training "
        "and holdout rows, make synthetic rows with a baseline Gaussian copula, "
        "score them (with a domain rule and the rules mined from the training rows) "
        "and write demo.html and demo.json.",
    )
    demo.add_argument("--output-dir", default="reports", help="folder for demo.html and demo.json (default: reports/)")
    demo.add_argument(
        "--profile", metavar="NAME", help="also read the demo's report as a use case does (a built-in profile)"
    )
    _add_run_arguments(demo)
    return parser
