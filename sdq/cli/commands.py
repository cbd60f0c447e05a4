"""The ``sdq`` sub-commands: ``report``, ``check``, ``compare``, ``init``, ``rules suggest`` and
``demo``, each a thin adapter over the Python API that returns an exit code."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

from sdq.cli.text import format_leaderboard, format_table, one_line, progress
from sdq.errors import InputError

__all__ = ["COMMANDS", "EXIT_OK", "EXIT_THRESHOLD", "EXIT_USAGE", "EXIT_STRICT"]

EXIT_OK, EXIT_THRESHOLD, EXIT_USAGE, EXIT_STRICT = 0, 1, 2, 3


def _write(report, html_path: Path, json_path: Path, cdn: bool = False) -> None:
    """Write the HTML and JSON of a Report or a Comparison; a failure is bad input, in one line."""
    try:
        report.to_html(html_path, cdn=cdn)
        report.to_json(json_path)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror or exc}: {exc.filename or html_path}") from None


def _config_path(args: argparse.Namespace) -> Path | None:
    """The configuration file: ``--config``, else ./sdq.toml or ``[tool.sdq]`` in ./pyproject.toml."""
    from sdq.gates import find_config

    config = getattr(args, "config", None)
    return Path(config) if config else find_config(".")


def _profile(args: argparse.Namespace):
    """The use-case profile named by ``--profile``, else by ``profile =`` in the configuration
    file (built-in or defined there), or None; each metric a user's profile names that sdq does not
    have is one warning line on stderr (unless ``--quiet``)."""
    if not hasattr(args, "_resolved_profile"):
        from sdq.gates import load_profiles
        from sdq.report import profile_warnings

        profile = load_profiles(_config_path(args)).resolve(getattr(args, "profile", None))
        if not getattr(args, "quiet", False):
            for text in profile_warnings(profile):
                sys.stderr.write(f"sdq: warning: {one_line(text)}\n")
        args._resolved_profile = profile
    return args._resolved_profile


def _options(args: argparse.Namespace, real, sensitive=None):
    """The evaluation options named on the command line, column names matched to the real frame's own
    (the profile's unknown metrics are reported by :func:`_profile`; the CLI ignores Python warnings)."""
    from sdq.engine.options import Options

    return Options.make(
        target=_resolve_name(real, args.target),
        task=args.task,
        time_column=_resolve_name(real, args.time_column),
        entity_column=_resolve_name(real, args.entity_column),
        metrics=args.metrics,
        column_types=_resolve_names(real, dict(args.column_type), "--column-type"),
        exclude=list(_resolve_names(real, {c: None for c in args.exclude}, "--exclude")),
        seed=args.seed,
        config=_config(args),
        sensitive=sensitive,
        show_records=args.show_records,
        jobs=args.jobs,
        metric_timeout=args.metric_timeout,
        rules=_rules(args),
        mine_rules=args.mine_rules,
        profile=_profile(args),
        **_attack_columns(args, real),
    )


def _attack_columns(args: argparse.Namespace, real) -> dict:
    """``--quasi-identifiers``, ``--secrets`` and ``--link-columns`` (given twice) as options,
    column names matched to the real frame's own."""
    if args.link_columns and len(args.link_columns) != 2:
        raise InputError(
            f"--link-columns must be given twice (the columns of each of the attacker's two data sets); "
            f"it was given {len(args.link_columns)} time{'s' if len(args.link_columns) != 1 else ''}"
        )
    out = {}
    for option in ("quasi_identifiers", "secrets"):
        if getattr(args, option):
            out[option] = [_resolve_name(real, name) for name in getattr(args, option)]
    if args.link_columns:
        out["link_columns"] = [[_resolve_name(real, name) for name in side] for side in args.link_columns]
    return out


def _rules(args: argparse.Namespace):
    """The rules named on the command line: the file of ``--rules``; else the ``[rules]`` table of
    the configuration file (``--config``, else ./sdq.toml or ``[tool.sdq]`` in ./pyproject.toml),
    if it has one; else None."""
    from sdq.rules import read_rules

    if args.rules:
        return read_rules(args.rules)
    path = _config_path(args)
    return (read_rules(path, required=False) or None) if path is not None else None


def _evaluation(args: argparse.Namespace):
    """The real side named on the command line, loaded and set up (shared by report, check, compare)."""
    import sdq
    from sdq.data import Sources
    from sdq.engine.evaluate import Evaluation

    real = sdq.load_table(args.real)
    holdout = sdq.load_table(args.holdout) if args.holdout else None
    sensitive = sdq.load_table(args.sensitive) if args.sensitive else None
    sources = Sources({"real": args.real, "holdout": args.holdout, "sensitive": args.sensitive}, flags=True)
    return Evaluation(real, holdout, _options(args, real, sensitive), sources=sources)


#: Files up to this size are compared by content when two inputs have the same size.
_HASHED_BYTES = 256 * 2**20


def _warn_same_files(args: argparse.Namespace, files: dict) -> None:
    """One line on stderr (unless ``--quiet``) for each two inputs that are the same file, or
    files with the same content (compared only when their sizes agree and are small). Called once
    the reports are written, so that an error stays the only line on stderr."""
    if args.quiet:
        return
    given = [(label, Path(path)) for label, path in files.items() if path]
    digests: dict[Path, str | None] = {}

    def digest(path: Path) -> str | None:
        if path not in digests:
            try:
                if path.stat().st_size > _HASHED_BYTES:
                    digests[path] = None
                else:
                    sha = hashlib.sha256()
                    with open(path, "rb") as handle:
                        for block in iter(lambda: handle.read(1 << 20), b""):
                            sha.update(block)
                    digests[path] = sha.hexdigest()
            except OSError:
                digests[path] = None
        return digests[path]

    for i, (first, a) in enumerate(given):
        for second, b in given[i + 1 :]:
            try:
                same_file = os.path.samefile(a, b)
                same_size = a.stat().st_size == b.stat().st_size
            except OSError:  # a missing file is reported when it is read
                continue
            shown_a, shown_b = one_line(str(a)), one_line(str(b))
            if same_file:
                where = shown_a if shown_a == shown_b else f"{shown_b} and {shown_a}"
                text = f"the {second} and the {first} input are the same file ({where})"
            elif same_size and digest(a) is not None and digest(a) == digest(b):
                text = f"the {second} input ({shown_b}) has the same content as the {first} input ({shown_a})"
            else:
                continue
            sys.stderr.write(f"sdq: warning: {text}: sdq will compare a table with itself\n")


def _config(args: argparse.Namespace):
    from sdq.config import Config

    return Config().full() if getattr(args, "full", False) else Config()


def _evaluate_args(args: argparse.Namespace):
    """Load the inputs named on the command line and evaluate them (shared by report and check)."""
    import sdq

    evaluation = _evaluation(args)
    synthetic = sdq.load_table(args.synthetic)
    return evaluation.run(synthetic, progress=progress(args.quiet), source=args.synthetic)


def _input_files(args: argparse.Namespace, synthetic: dict) -> dict:
    """Input label -> path, in the order the user thinks of them."""
    return {"real": args.real, **synthetic, "holdout": args.holdout, "sensitive": args.sensitive}


def _evaluate_scaled(args: argparse.Namespace):
    """``sdq report --chunk-rows N`` (files read N rows at a time) or ``--engine dask`` (Parquet on a
    Dask cluster): the report from aggregates, samples and searches over every row."""
    from sdq.data import Sources
    from sdq.engine.options import Options
    from sdq.engine.scaled import SAMPLE_ROWS

    flag = "--chunk-rows" if args.chunk_rows else "--engine dask"
    if args.chunk_rows and args.engine == "dask":
        raise InputError("--chunk-rows reads files chunk by chunk on this machine; it cannot go with --engine dask")
    unused = [
        name
        for name, value in (
            ("--sensitive", args.sensitive),
            ("--show-records", args.show_records),
            ("--metric-timeout", args.metric_timeout),
            ("--quasi-identifiers", args.quasi_identifiers),
            ("--secrets", args.secrets),
            ("--link-columns", args.link_columns),
        )
        if value
    ]
    if unused:
        raise InputError(f"{flag} keeps the rows where they are; {', '.join(unused)} cannot be used with it")
    options = Options.make(
        target=args.target,
        task=args.task,
        time_column=args.time_column,
        entity_column=args.entity_column,
        metrics=args.metrics,
        column_types=dict(args.column_type) or None,
        exclude=args.exclude or None,
        seed=args.seed,
        jobs=args.jobs,
        profile=_profile(args),
        config=_config(args),
        strict=args.strict,
        rules=_rules(args),
        mine_rules=args.mine_rules,
    )
    names = Sources({"real": args.real, "synthetic": args.synthetic, "holdout": args.holdout}, flags=True)
    sample_rows = args.sample_rows or SAMPLE_ROWS
    if args.chunk_rows:
        from sdq.engine.chunked import evaluate_chunked

        return evaluate_chunked(
            args.real,
            args.synthetic,
            args.holdout,
            chunk_rows=args.chunk_rows,
            sample_rows=sample_rows,
            options=options,
            names=names,
            progress=progress(args.quiet),
        )
    from sdq.engine.dask_engine import evaluate_dask, require_dask

    require_dask()
    return evaluate_dask(
        args.real,
        args.synthetic,
        args.holdout,
        scheduler=args.scheduler,
        sample_rows=sample_rows,
        options=options,
        names=names,
        progress=progress(args.quiet),
    )


def _evaluate(args: argparse.Namespace):
    """The report the command line asks for, on the engine it names."""
    if args.scheduler and args.engine != "dask":
        raise InputError("--scheduler names a Dask scheduler; it goes with --engine dask")
    if args.chunk_rows or args.engine == "dask":
        return _evaluate_scaled(args)
    if args.sample_rows is not None:
        raise InputError("--sample-rows goes with --engine dask or --chunk-rows (in memory, every row is used)")
    return _evaluate_args(args)


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
    report = _evaluate(args)
    _write(report, html_path, json_path, cdn=args.cdn)
    _warn_same_files(args, _input_files(args, {"synthetic": args.synthetic}))
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
            synthetic = sdq.load_table(path)
            reports[name] = evaluation.run(synthetic, progress=progress(args.quiet, label=name), source=path)
        except InputError as exc:
            raise InputError(f"candidate {name!r}: {exc}") from None
    comparison = Comparison(reports)
    html_path = Path(args.output)
    json_path = Path(args.json_path) if args.json_path else html_path.with_suffix(".json")
    _write(comparison, html_path, json_path, cdn=args.cdn)
    _warn_same_files(args, _input_files(args, {f"candidate {name!r}": path for name, path in args.candidates}))
    if not args.quiet:
        sys.stdout.write(format_leaderboard(comparison))
        sys.stdout.write(f"\nwrote {html_path} and {json_path}\n")
    return _strict_exit(args, reports, EXIT_OK)


def _run_init(args: argparse.Namespace) -> int:
    import sdq
    from sdq import metrics as registry
    from sdq.gates import starter_config

    path = Path(args.output)
    if path.exists() and not args.force:
        raise InputError(f"{path} exists; use --force to overwrite it")
    report = sdq.Report.from_json(args.from_report) if args.from_report else None
    if not 0 <= args.margin < 1:
        raise InputError(f"--margin must be in [0, 1); got {args.margin}")
    profile = None
    if args.profile is not None:
        from sdq.gates import find_config, load_profiles

        profile = load_profiles(find_config(".")).resolve(args.profile)
    text = starter_config(report, margin=args.margin, metric_names=registry.names(), profile=profile)
    _write_text(str(path), text)
    what = f" with the gates of profile {profile.name}" if profile is not None else ""
    sys.stdout.write(f"wrote {path}{what}; check with: sdq check REAL SYNTHETIC --holdout HOLDOUT --config {path}\n")
    return EXIT_OK


def _check_thresholds(args: argparse.Namespace) -> list:
    """Thresholds from --config (or the default config files) and --fail-under, in that order; with
    neither, the gates of the profile (--profile, or ``profile =`` in the config file)."""
    from sdq import metrics as registry
    from sdq.engine.select import needed_metrics
    from sdq.gates import load_config, parse_thresholds, profile_gates

    thresholds = []
    config = _config_path(args)
    if config is not None:
        thresholds.extend(load_config(config))
    for spec in args.fail_under:
        thresholds.extend(parse_thresholds(spec))
    profile = _profile(args)
    if not thresholds and profile is not None:
        thresholds, left = profile_gates(profile, registry.names())
        if left and not args.quiet:
            sys.stderr.write(
                f"sdq: the gates of profile {profile.name} on {', '.join(left)} are left out: sdq has no such metric\n"
            )
    if not thresholds:
        raise InputError(
            "no thresholds to check: give some with --fail-under (e.g. 'fidelity=0.8,privacy=0.9'), "
            "--config PATH, a [thresholds] table in ./sdq.toml or [tool.sdq.thresholds] in "
            "./pyproject.toml, or --profile NAME for a use case's gates"
        )
    needed_metrics(thresholds)  # every target names a family or a metric of this installation
    return thresholds


def _write_text(path: str, text: str) -> None:
    from sdq.files import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _run_check(args: argparse.Namespace) -> int:
    from sdq.engine.select import needed_metrics

    thresholds = _check_thresholds(args)  # before the evaluation: a bad config fails fast
    if args.metrics is None and not (args.output or args.json_path) and _profile(args) is None:
        # nothing but the gate is wanted: run only the metrics the thresholds read (each metric's
        # seed is derived from its name, so its score is the same as in a full report), and the
        # rules when there are any (they are shown in the table and their findings count)
        args.metrics = needed_metrics(thresholds)
        if (args.rules or args.mine_rules or _rules(args)) and "rules" not in args.metrics:
            args.metrics.append("rules")
    report = _evaluate(args)
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
    _warn_same_files(args, _input_files(args, {"synthetic": args.synthetic}))
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


def _run_rules(args: argparse.Namespace) -> int:
    """``sdq rules suggest REAL``: the rules mined from the real rows, as a commented TOML file."""
    import sdq

    real = sdq.load_table(args.real)
    mined = sdq.suggest_rules(
        real,
        tolerance=args.tolerance,
        column_types=_resolve_names(real, dict(args.column_type), "--column-type") or None,
        exclude=list(_resolve_names(real, {c: None for c in args.exclude}, "--exclude")) or None,
        seed=args.seed,
    )
    text = mined.to_toml(source=Path(args.real).name)
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(args.output)
    if path.exists() and not args.force:
        raise InputError(f"{path} exists; use --force to overwrite it")
    _write_text(str(path), text)
    sys.stdout.write(
        f"wrote {len(mined)} rules mined from {mined.rows:,} rows to {path}; edit it, then check synthetic "
        f"data with: sdq report REAL SYNTHETIC --holdout HOLDOUT --rules {path}\n"
    )
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    import sdq
    from sdq.demo import GaussianCopula, load_fair, split

    real = load_fair()
    train, holdout = split(real, holdout_share=0.3, seed=args.seed)
    synthetic = GaussianCopula().fit(train, seed=args.seed).sample(len(train), seed=args.seed + 1)
    report = sdq.evaluate(
        train,
        synthetic,
        holdout,
        target="had_affair",
        # a rule of the survey's domain, and the rules the real rows keep (see `sdq rules suggest`)
        rules={"married_after_born": "yrs_married <= age"},
        mine_rules=True,
        seed=args.seed,
        jobs=args.jobs,
        config=_config(args),
        metric_timeout=args.metric_timeout,
        progress=progress(args.quiet),
        profile=args.profile,
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


#: sub-command -> its function
COMMANDS = {
    "report": _run_report,
    "check": _run_check,
    "compare": _run_compare,
    "init": _run_init,
    "rules": _run_rules,
    "demo": _run_demo,
}
