"""Peer benchmark: the full ``sdq report`` against SDMetrics on the same inputs, time and peak memory.

For every size in ``--rows`` (the inputs of ``bench/make_data.py``: train N rows, synthetic N
rows, holdout N/2 rows, read from the Parquet cache in ``bench/data/``), two measurements, each a
fresh child process timed from launch to exit (interpreter start, imports, reading the Parquet
files and the computation all count, for both tools alike):

* **sdq**: the command line, ``python -m sdq report TRAIN SYNTHETIC --holdout HOLDOUT --target
  health --output X.html --json X.json --seed 0 --quiet`` (every metric family; sdq's defaults,
  so metrics run in ``--jobs`` = all cores' worth of forked processes), with this repository's
  sdq on ``PYTHONPATH``;
* **SDMetrics**, in one child process run by the Python of its own virtual environment
  (``bench/.venv-peers``, created and filled by this script; never the main environment)::

      QualityReport().generate(real, synthetic, metadata, verbose=False)    # sdmetrics.reports.single_table
      DCROverfittingProtection.compute_breakdown(real_training_data=real, synthetic_data=synthetic,
          real_validation_data=holdout, metadata=metadata, table_name=None)  # num_rows_subsample=None,
                                                                             # num_iterations=1 (defaults)
      NewRowSynthesis.compute(real_data=real, synthetic_data=synthetic, metadata=metadata)

  with ``metadata = {"columns": {name: {"sdtype": ...}}}`` built from the frame dtypes (see
  ``sdmetrics_metadata``). All parameters are SDMetrics' defaults (see ``SDMETRICS_CALLS``).

Per run it records the wall time, the CPU time (user + system of the process and its reaped
children, from ``wait4``) and the **peak memory of the whole process tree**, ``peak_mb``: the
larger of

* ``ru_maxrss`` from ``wait4`` (the approach of ``bench_metrics.py``, exact but per process: the
  largest peak of the child or any descendant it waited for), and
* the largest sum of PSS (``/proc/PID/smaps_rollup``) over the child and all its descendants,
  sampled every ``--sample-interval`` s (sdq forks metric workers that share the parent's pages
  copy-on-write; PSS counts shared pages once, a sum of RSS would count them once per process).

Both are lower bounds of the true peak, so the larger is the better one; both are kept in the
JSON. A run still going after ``--cap`` seconds is killed (its process group) and recorded as
"did not finish within N s"; by default a tool that did not finish is not run again at larger
sizes (``--run-all`` runs it anyway).

Results go to ``--out`` (default ``bench/results/peers.json``, merged by size and tool: the figures
of the sizes and tools measured now are replaced, others kept; ``--overwrite`` starts afresh), and a Markdown
table is printed. The report files and logs of each run go to ``bench/data/peers/`` (git-ignored).

Usage (from the repository root; one benchmark at a time on an otherwise idle machine)::

    PYTHONPATH=. python bench/bench_peers.py --rows 10000
    PYTHONPATH=. python bench/bench_peers.py --rows 100000 1000000 --cap 1800
    # SDMetrics subsampled, sdq's fidelity and privacy metrics only
    PYTHONPATH=. python bench/bench_peers.py --rows 100000 --repeats 3 --sdmetrics-subsample 1000 \
        --sdq-metrics statistics,histogram_similarity,... --out bench/results/peers_fast.json --overwrite

This file imports only the standard library at the top: the same file runs the SDMetrics child
under the peer environment's Python (``--sdmetrics-child``), and the parent stays small, so a
child launched from it does not inherit a large peak-RSS watermark.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The peer and the version this script installs (pinned: results depend on it). 0.32.0 was the
#: newest release on PyPI when this benchmark was written; pyarrow is only there to read Parquet.
SDMETRICS_VERSION = "0.32.0"
PYARROW_VERSION = "26.0.1"
VENV = HERE / ".venv-peers"
TARGET = "health"
TOOLS = ("sdq", "sdmetrics")
LABELS = {"sdq": "sdq", "sdmetrics": "SDMetrics"}

#: What the SDMetrics child calls, with every default that decides how much work is done (read
#: from the installed sdmetrics 0.32.0 source; the child checks the defaults it relies on).
SDMETRICS_CALLS = {
    "QualityReport": {
        "call": "sdmetrics.reports.single_table.QualityReport().generate(real_data, synthetic_data, metadata, "
        "verbose=False)",
        "signature": "generate(self, real_data, synthetic_data, metadata, constraints=None, verbose=True)",
        "computes": "Column Shapes (KSComplement for numerical/datetime, TVComplement for categorical/boolean) and "
        "Column Pair Trends (CorrelationSimilarity for numeric pairs, ContingencySimilarity for the "
        "other pairs, numeric columns discretised); score = mean of the two",
        "subsampling": "BaseReport.num_rows_subsample = 50,000 (DEFAULT_NUM_ROWS_SUBSAMPLE): every "
        "ContingencySimilarity pair is computed on a random 50,000-row sample of the real and of the "
        "synthetic data when either has more rows; the column shapes and CorrelationSimilarity "
        "pairs use all rows",
        "note": "sdmetrics.reports.single_table.QualityReport is deprecated in 0.32.0 in favour of "
        "sdmetrics.reports.QualityReport (a FutureWarning); it is the class this benchmark was asked to "
        "time. verbose=False only turns off the progress bars and the printed summary.",
    },
    "DCROverfittingProtection": {
        "call": "sdmetrics.single_table.DCROverfittingProtection.compute_breakdown(real_training_data=real, "
        "synthetic_data=synthetic, real_validation_data=holdout, metadata=metadata, table_name=None)",
        "signature": "compute_breakdown(cls, real_training_data, synthetic_data, real_validation_data, metadata, "
        "table_name, num_rows_subsample=None, num_iterations=1)",
        "computes": "distance to the closest record (Gower-like: range-normalised absolute difference for "
        "numerical/datetime, 0/1 for categorical/boolean, averaged over columns) of every synthetic row "
        "to the training rows and to the holdout rows, brute force in 1000 x 1000 pandas cross-join "
        "chunks; score = min(1, 2 x share of synthetic rows closer to the holdout)",
        "subsampling": "none: run with its defaults num_rows_subsample=None, num_iterations=1 (all synthetic, "
        "training and holdout rows; the work grows as N x 1.5 N)",
        "note": "table_name has no default in 0.32.0 and must be passed: None selects the single-table metadata",
    },
    "NewRowSynthesis": {
        "call": "sdmetrics.single_table.NewRowSynthesis.compute(real_data=real, synthetic_data=synthetic, "
        "metadata=metadata)",
        "signature": "compute(cls, real_data, synthetic_data, metadata=None, table_name=None, "
        "numerical_match_tolerance=0.01, synthetic_sample_size=None)",
        "computes": "share of synthetic rows with no real row matching it on every column (numerical within 1% "
        "relative tolerance), one DataFrame.query per synthetic row",
        "subsampling": "none: synthetic_sample_size=None (the default) checks every synthetic row against every "
        "real row (the work grows as N x N)",
        "note": "pandas runs DataFrame.query with numexpr where installed; the peer environment has what "
        "'pip install sdmetrics pyarrow' brings, which does not include numexpr",
    },
}

#: What the sdq run computes (sdq's defaults with a holdout and a target, no time column, no
#: sensitive set), for the JSON and the table notes.
SDQ_COMPUTES = (
    "fidelity: statistics, histogram_similarity, mutual_information, correlation; utility: prediction and "
    "feature_importance (XGBoost, random forest and a linear model trained on real and on synthetic rows, "
    "target 'health'), qscore (1,000 random aggregation queries); privacy: exact_match, neighbours_privacy, "
    "membership_inference; each with a holdout baseline and a bootstrap 95% interval; plus writing the HTML "
    "report (plotly embedded) and the JSON report. Skipped: the four sequence metrics (no time column) and "
    "sensitive_match (no sensitive set). sdq's own caps, recorded in its report: model_rows 20,000 training "
    "rows per model, importance_rows 2,000, query_rows 200,000, privacy_rows 10,000 synthetic and holdout rows "
    "whose distance to all training rows is measured, attack_rows 5,000, bootstrap_rows 2,000, max_pairs 2,000"
)


# =================================================================================================
# SDMetrics child (runs under the peer environment's Python: standard library + pandas + sdmetrics)
# =================================================================================================
def sdmetrics_metadata(frame) -> dict:
    """SDMetrics single-table metadata from the dtypes: bool -> boolean, numbers -> numerical,
    datetime64 -> datetime, anything else -> categorical. A datetime_format is only needed where
    dates are stored as strings; datetime64 columns (as here) are used as they are."""
    import pandas as pd

    columns = {}
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            columns[name] = {"sdtype": "boolean"}
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            columns[name] = {"sdtype": "datetime"}
        elif pd.api.types.is_numeric_dtype(dtype):
            columns[name] = {"sdtype": "numerical"}
        elif (fmt := _text_date_format(frame[name])) is not None:  # dates stored as text
            columns[name] = {"sdtype": "datetime", "datetime_format": fmt}
        else:
            columns[name] = {"sdtype": "categorical"}
    return {"columns": columns}


def _text_date_format(column) -> str | None:
    """The format of a text column whose every non-missing value is an ISO date (with or without
    a time of day), else None."""
    import pandas as pd

    values = column.dropna()
    head = values.head(1000)  # cheap rejection of ordinary categories before the full check
    if not len(head) or not head.map(type).eq(str).all():
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        if (
            pd.to_datetime(head, format=fmt, errors="coerce").notna().all()
            and pd.to_datetime(values.astype(str), format=fmt, errors="coerce").notna().all()
        ):
            return fmt
    return None


def sdmetrics_child(args: argparse.Namespace) -> int:
    """Run the three SDMetrics computations; print one ``STAGE`` line per finished step (so a run
    killed at the cap still shows how far it got) and a final ``PEER-RESULT`` JSON line."""
    import inspect
    import warnings

    def stage(name: str, **fields) -> None:
        print("STAGE " + json.dumps({"stage": name, **fields}), flush=True)

    t0 = time.perf_counter()
    import pandas as pd
    import sdmetrics
    from sdmetrics.single_table import DCROverfittingProtection, NewRowSynthesis

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the deprecation notice of this import path
        from sdmetrics.reports.single_table import QualityReport
    import_s = time.perf_counter() - t0
    # the defaults this benchmark reports: fail loudly if the installed version differs
    dcr = inspect.signature(DCROverfittingProtection.compute_breakdown).parameters
    nrs = inspect.signature(NewRowSynthesis.compute).parameters
    assert dcr["num_rows_subsample"].default is None and dcr["num_iterations"].default == 1, dcr
    assert nrs["synthetic_sample_size"].default is None, nrs
    report = QualityReport()
    report_subsample = getattr(report, "num_rows_subsample", None)
    stage("import", seconds=import_s, sdmetrics=sdmetrics.__version__)

    t0 = time.perf_counter()
    real = pd.read_parquet(args.train)
    synthetic = pd.read_parquet(args.synthetic)
    holdout = pd.read_parquet(args.holdout)
    metadata = sdmetrics_metadata(real)
    load_s = time.perf_counter() - t0
    stage("load", seconds=load_s)

    out = {
        "sdmetrics": sdmetrics.__version__,
        "pandas": pd.__version__,
        "import_s": import_s,
        "load_s": load_s,
        "metadata": metadata,
        "shapes": {"train": list(real.shape), "synthetic": list(synthetic.shape), "holdout": list(holdout.shape)},
        "defaults": {
            "QualityReport.num_rows_subsample": report_subsample,
            "DCROverfittingProtection.num_rows_subsample": dcr["num_rows_subsample"].default,
            "DCROverfittingProtection.num_iterations": dcr["num_iterations"].default,
            "NewRowSynthesis.synthetic_sample_size": nrs["synthetic_sample_size"].default,
        },
        "timings": {},
        "results": {},
        "warnings": {},
    }

    def timed(name: str, fn):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = time.perf_counter()
            value = fn()
            seconds = time.perf_counter() - t
        out["timings"][name] = seconds
        out["warnings"][name] = sorted({f"{w.category.__name__}: {str(w.message).strip()[:200]}" for w in caught})
        stage(name, seconds=seconds)
        return value

    fast = {} if args.subsample is None else {"num_rows_subsample": args.subsample, "num_iterations": 1}
    sample = {} if args.subsample is None else {"synthetic_sample_size": args.subsample}
    out["options"] = {"DCROverfittingProtection": fast, "NewRowSynthesis": sample}
    timed("QualityReport", lambda: report.generate(real, synthetic, metadata, verbose=False))
    props = report.get_properties()
    out["results"]["QualityReport"] = {
        "score": float(report.get_score()),
        "properties": {r["Property"]: float(r["Score"]) for _, r in props.iterrows()},
    }
    out["results"]["DCROverfittingProtection"] = timed(
        "DCROverfittingProtection",
        lambda: DCROverfittingProtection.compute_breakdown(
            real_training_data=real,
            synthetic_data=synthetic,
            real_validation_data=holdout,
            metadata=metadata,
            table_name=None,
            **fast,
        ),
    )
    out["results"]["NewRowSynthesis"] = {
        "score": float(
            timed(
                "NewRowSynthesis",
                lambda: NewRowSynthesis.compute(real_data=real, synthetic_data=synthetic, metadata=metadata, **sample),
            )
        )
    }
    out["compute_s"] = sum(out["timings"].values())
    print("PEER-RESULT " + json.dumps(out, default=float), flush=True)
    return 0


# =================================================================================================
# parent: the peer environment, measured child processes, JSON, table
# =================================================================================================
def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path) -> dict:
    """Create ``venv`` and install the pinned sdmetrics and pyarrow where missing; return the
    versions found in it. Never touches the environment running this script."""
    py = venv_python(venv)
    if not py.exists():
        print(f"creating the peer environment {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    versions = peer_versions(py)
    if versions.get("sdmetrics") != SDMETRICS_VERSION or versions.get("pyarrow") != PYARROW_VERSION:
        print(f"installing sdmetrics=={SDMETRICS_VERSION} pyarrow=={PYARROW_VERSION} into {venv}", file=sys.stderr)
        subprocess.run(
            [
                str(py),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"sdmetrics=={SDMETRICS_VERSION}",
                f"pyarrow=={PYARROW_VERSION}",
            ],
            check=True,
            env=_clean_env(),
        )
        versions = peer_versions(py)
    if versions.get("sdmetrics") != SDMETRICS_VERSION:
        raise SystemExit(
            f"the peer environment has sdmetrics {versions.get('sdmetrics')}, expected {SDMETRICS_VERSION}"
        )
    return versions


def peer_versions(py: Path) -> dict:
    code = (
        "import json, platform, importlib.metadata as m\n"
        "out = {'python': platform.python_version()}\n"
        "for n in ('sdmetrics', 'pandas', 'numpy', 'scipy', 'scikit-learn', 'pyarrow', 'copulas', 'numexpr'):\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    proc = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=_clean_env())
    return json.loads(proc.stdout) if proc.returncode == 0 else {}


def _clean_env() -> dict:
    """The environment for the peer's Python: this one without PYTHONPATH (nothing of the main
    environment or of this repository on its path)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    return env


def _sdq_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


# -- memory of a process tree ---------------------------------------------------------------------
def _children_map() -> dict[int, list[int]]:
    """ppid -> pids of every process visible in /proc."""
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name (field 2) may contain spaces: fields after the last ')' are safe
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def _tree(pid: int) -> list[int]:
    kids = _children_map()
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(kids.get(p, ()))
    return tree


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB; (0, 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            fields = {ln.split(":")[0]: int(ln.split()[1]) for ln in handle if ln.startswith(("Rss:", "Pss:"))}
        return fields.get("Pss", 0), fields.get("Rss", 0)
    except (OSError, ValueError, IndexError):
        try:  # no smaps_rollup (kernel < 4.14): RSS for both
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                rss = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
            return rss, rss
        except (OSError, ValueError, IndexError):
            return 0, 0


def measure(cmd: list[str], env: dict, cap: float, log: Path, interval: float) -> dict:
    """Run ``cmd`` as a new process group, sample its tree's memory, kill the group at ``cap``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    with (
        open(log.with_suffix(".out"), "w", encoding="utf-8") as out,
        open(log.with_suffix(".err"), "w", encoding="utf-8") as err,
    ):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=ROOT, start_new_session=True
        )
        peak_pss = peak_rss = 0
        most_procs = samples = 0
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > cap and not killed:
                os.killpg(proc.pid, signal.SIGKILL)  # the child's own group: it and its workers only
                killed = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            tree = _tree(proc.pid)
            mem = [_memory_kb(p) for p in tree]
            peak_pss = max(peak_pss, sum(m[0] for m in mem))
            peak_rss = max(peak_rss, sum(m[1] for m in mem))
            most_procs = max(most_procs, sum(1 for m in mem if m[1]))
            samples += 1
            time.sleep(interval)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    maxrss = usage.ru_maxrss / 1024
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": max(maxrss, peak_pss / 1024),
        "maxrss_mb": maxrss,
        "sampled_tree_pss_mb": peak_pss / 1024,
        "sampled_tree_rss_sum_mb": peak_rss / 1024,
        "max_processes_seen": most_procs,
        "samples": samples,
        "exit_code": proc.returncode,
        "killed_at_cap": killed,
        "loadavg_before": load,
        "stdout": str(log.with_suffix(".out").relative_to(ROOT)) if log.is_relative_to(ROOT) else str(log),
    }


# -- one run of each tool -------------------------------------------------------------------------
def _tail(path: Path, lines: int = 12) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def run_sdq(n: int, files: dict, args: argparse.Namespace, rep: int) -> dict:
    out_dir = Path(args.work_dir)
    stem = out_dir / f"sdq_n{n}_rep{rep}"
    html, js = stem.with_suffix(".html"), stem.with_suffix(".json")
    for p in (html, js):
        p.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "sdq",
        "report",
        files["train"],
        files["synthetic"],
        "--holdout",
        files["holdout"],
        "--target",
        args.target,
        "--output",
        str(html),
        "--json",
        str(js),
        "--seed",
        str(args.seed),
        "--quiet",
        *(["--metrics", args.sdq_metrics] if args.sdq_metrics else []),
    ]
    r = measure(cmd, _sdq_env(), args.cap, out_dir / f"sdq_n{n}_rep{rep}.log", args.sample_interval)
    r["command"] = " ".join(["python", "-m", "sdq", *cmd[3:]])
    if r["killed_at_cap"]:
        r["status"] = f"did not finish within {args.cap:g} s"
    elif r["exit_code"] != 0 or not js.is_file():
        r["status"] = f"failed (exit {r['exit_code']})"
        r["error"] = _tail(stem.with_suffix(".err"))
    else:
        r["status"] = "ok"
        report = json.loads(js.read_text(encoding="utf-8"))
        manifest = report.get("manifest", {})
        r["timings"] = manifest.get("timings")
        r["run"] = manifest.get("run")
        r["summary"] = report.get("summary")
        r["metrics"] = {
            m["name"]: {"status": m["status"], "score": m.get("score"), "baseline": m.get("baseline")}
            for m in report.get("metrics", [])
        }
        r["html_mb"] = round(html.stat().st_size / 2**20, 2) if html.is_file() else None
    return r


def run_sdmetrics(n: int, files: dict, args: argparse.Namespace, rep: int) -> dict:
    out_dir = Path(args.work_dir)
    cmd = [
        str(venv_python(Path(args.venv))),
        str(Path(__file__).resolve()),
        "--sdmetrics-child",
        "--train",
        files["train"],
        "--synthetic",
        files["synthetic"],
        "--holdout",
        files["holdout"],
        *(["--subsample", str(args.sdmetrics_subsample)] if args.sdmetrics_subsample else []),
    ]
    log = out_dir / f"sdmetrics_n{n}_rep{rep}.log"
    r = measure(cmd, _clean_env(), args.cap, log, args.sample_interval)
    stdout = log.with_suffix(".out").read_text(encoding="utf-8", errors="replace").splitlines()
    r["stages_done"] = [json.loads(ln[6:]) for ln in stdout if ln.startswith("STAGE ")]
    found = [ln for ln in stdout if ln.startswith("PEER-RESULT ")]
    if r["killed_at_cap"]:
        r["status"] = f"did not finish within {args.cap:g} s"
        done = [s["stage"] for s in r["stages_done"]]
        r["note"] = f"finished before the cap: {', '.join(done) or 'nothing'}"
    elif r["exit_code"] != 0 or not found:
        r["status"] = f"failed (exit {r['exit_code']})"
        r["error"] = _tail(log.with_suffix(".err"))
    else:
        r["status"] = "ok"
        result = json.loads(found[-1][len("PEER-RESULT ") :])
        for key in (
            "timings",
            "results",
            "warnings",
            "import_s",
            "load_s",
            "compute_s",
            "defaults",
            "options",
            "shapes",
            "metadata",
        ):
            r[key] = result.get(key)
    return r


# -- orchestration --------------------------------------------------------------------------------
def prepare_data(n: int, args: argparse.Namespace) -> dict:
    """Build the Parquet cache for ``n`` (in a child: the parent never imports pandas) and return
    the three paths."""
    subprocess.run(
        [
            sys.executable,
            str(HERE / "make_data.py"),
            "--rows",
            str(n),
            "--seed",
            str(args.seed),
            "--data-dir",
            str(args.data_dir),
        ],
        check=True,
        cwd=ROOT,
        env=_sdq_env(),
    )
    code = (
        "import json, sys; sys.path.insert(0, 'bench'); import make_data; "
        f"print(json.dumps({{k: str(v) for k, v in make_data.paths({n}, {args.seed}, {str(args.data_dir)!r}).items()}}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=_sdq_env()
    )
    return json.loads(proc.stdout)


def _median(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def summarise_tool(runs: list[dict], skipped: str | None = None) -> dict:
    if skipped:
        return {"status": skipped, "repeats": 0, "runs": []}
    ok = [r for r in runs if r["status"] == "ok"]
    bad = [r for r in runs if r["status"] != "ok"]
    entry = {"status": "ok" if not bad else bad[0]["status"], "repeats": len(runs), "runs": runs}
    if bad:  # memory reached before the kill: a lower bound of what the whole run needs
        entry["peak_mb_at_least"] = max(r["peak_mb"] for r in runs)
    else:
        entry.update(
            wall_s=_median(ok, "wall_s"),
            peak_mb=_median(ok, "peak_mb"),
            cpu_s=_median(ok, "cpu_s"),
            maxrss_mb=_median(ok, "maxrss_mb"),
            sampled_tree_pss_mb=_median(ok, "sampled_tree_pss_mb"),
        )
    return entry


def ratios(sdq: dict, peer: dict) -> dict:
    if sdq.get("wall_s") is None or peer.get("wall_s") is None:
        return {}
    return {
        "time_peer_over_sdq": peer["wall_s"] / sdq["wall_s"],
        "time_sdq_over_peer": sdq["wall_s"] / peer["wall_s"],
        "memory_peer_over_sdq": peer["peak_mb"] / sdq["peak_mb"],
        "memory_sdq_over_peer": sdq["peak_mb"] / peer["peak_mb"],
    }


def _cell(tool: dict, key: str, spec: str) -> str:
    if tool.get(key) is not None:
        return format(tool[key], spec)
    if key == "peak_mb" and tool.get("peak_mb_at_least") is not None:
        return "at least " + format(tool["peak_mb_at_least"], spec)
    return tool["status"]


def table(entries: list[dict]) -> str:
    lines = [
        "| rows | sdq s | sdq MB | SDMetrics s | SDMetrics MB | time ratio (peer/sdq) | memory ratio (peer/sdq) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in sorted(entries, key=lambda e: e["rows"]):
        s, p, r = (
            e["tools"].get("sdq", {"status": "not run"}),
            e["tools"].get("sdmetrics", {"status": "not run"}),
            e["ratios"],
        )
        lines.append(
            f"| {e['rows']:,} | {_cell(s, 'wall_s', '.1f')} | {_cell(s, 'peak_mb', ',.0f')} | "
            f"{_cell(p, 'wall_s', '.1f')} | {_cell(p, 'peak_mb', ',.0f')} | "
            f"{format(r['time_peer_over_sdq'], '.1f') + 'x' if r else '-'} | "
            f"{format(r['memory_peer_over_sdq'], '.2f') + 'x' if r else '-'} |"
        )
    return "\n".join(lines)


def table_notes(entries: list[dict], cap: float, modes: dict | None = None) -> str:
    """The notes under the table; ``modes`` (``sdmetrics_subsample``, ``sdq_metrics``): the runs'
    modes where they are not the defaults."""
    modes = modes or {}
    big = sorted(e["rows"] for e in entries if e["rows"] > 50_000)
    notes = [
        "Seconds: wall time of the whole child process (start, imports, reading the Parquet files, computing; for sdq "
        "also writing the HTML and JSON reports), median over the repeats. MB: peak memory of the process tree "
        "(max of ru_maxrss and the sampled sum of PSS over the child and its workers).",
        "sdq: every metric family (4 fidelity, 3 utility with models trained on real and synthetic rows, "
        "3 privacy), each with a holdout baseline and a 95% interval, plus the HTML and JSON reports; privacy "
        "distances for at most 10,000 synthetic and holdout rows against all training rows, models on at most "
        "20,000 rows.",
        "SDMetrics " + SDMETRICS_VERSION + ": QualityReport (column shapes + column pair trends), "
        "DCROverfittingProtection.compute_breakdown and NewRowSynthesis.compute, all with their defaults: "
        "DCROverfittingProtection with num_rows_subsample=None, num_iterations=1 (no subsampling: every "
        "synthetic row against every training and holdout row), NewRowSynthesis with synthetic_sample_size=None "
        "(every synthetic row). QualityReport subsamples only its ContingencySimilarity pairs, to 50,000 rows, "
        + (
            f"which applies here at {', '.join(f'{n:,}' for n in big)} rows."
            if big
            else "which does not apply at these sizes (50,000 rows or fewer)."
        ),
    ]
    if modes.get("sdq_metrics"):
        notes[1] = (
            f"sdq: only the metrics {modes['sdq_metrics']} (each with a holdout baseline and a 95% interval), "
            "plus the HTML and JSON reports; privacy distances for at most 10,000 synthetic and holdout rows "
            "against all training rows."
        )
    if modes.get("sdmetrics_subsample"):
        n = modes["sdmetrics_subsample"]
        notes[2] = (
            f"SDMetrics {SDMETRICS_VERSION}, subsampled: QualityReport (its defaults), "
            f"DCROverfittingProtection.compute_breakdown(num_rows_subsample={n}, num_iterations=1) and "
            f"NewRowSynthesis.compute(synthetic_sample_size={n}): {n:,} synthetic rows each, against every "
            "training (and holdout) row."
        )
    for e in sorted(entries, key=lambda e: e["rows"]):
        parts = []
        for t, label in LABELS.items():
            tool = e["tools"].get(t, {})
            if tool.get("cpu_s") is not None:
                loads = "/".join(f"{r['loadavg_before']:.1f}" for r in tool["runs"])
                parts.append(f"{label} {tool['cpu_s']:.1f} CPU s (load average before: {loads})")
        peer = e["tools"].get("sdmetrics", {})
        stages = peer.get("runs", [{}])[0].get("timings") if peer.get("status") == "ok" else None
        if stages:
            parts.append("SDMetrics steps " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
        if parts:
            notes.append(
                f"{e['rows']:,} rows: " + "; ".join(parts) + ". CPU s well below wall s means the run "
                "waited for a shared CPU (sdq runs its metrics in 2 processes on 2 cores, so its CPU s "
                "can exceed its wall s)."
            )
    notes.append(
        "sdq runs on the main environment, SDMetrics on its own venv, so library versions may differ "
        "(sdmetrics " + SDMETRICS_VERSION + " requires pandas < 3); the JSON records both sets."
    )
    if any(t.get("status", "ok") != "ok" for e in entries for t in e["tools"].values()):
        notes.append(
            f"A run still going after {cap:g} s was killed and is shown as 'did not finish within "
            f"{cap:g} s'; a tool that did not finish is not run at larger sizes ('not run')."
        )
    return "\n".join(f"* {n}" for n in notes)


def _modes(args: argparse.Namespace) -> dict:
    return {"sdmetrics_subsample": args.sdmetrics_subsample, "sdq_metrics": args.sdq_metrics}


def machine(peer: dict) -> dict:
    import bench_metrics  # standard library only at import time

    info = bench_metrics.machine()
    info["cores"] = info.get("nproc")
    info["ram_gb"] = info.get("mem_total_gb")
    info["env_threads"] = {
        k: os.environ.get(k)
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")
    }
    info["peer_env"] = peer
    return info


def sdq_version() -> dict:
    from importlib import metadata

    import bench_metrics

    try:
        version = metadata.version("sdq")
    except metadata.PackageNotFoundError:
        version = None
    return {"version": version, "source_all": bench_metrics.source_fingerprint("all")}


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1, allow_nan=False, default=float) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def show(args: argparse.Namespace) -> int:
    """Print the table and notes of an existing results file (nothing is run)."""
    payload = json.loads(Path(args.out).read_text(encoding="utf-8"))
    print(table(payload["results"]))
    print()
    print(table_notes(payload["results"], payload["settings"]["cap_s"], payload.get("modes")))
    return 0


def parent(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(HERE))
    tools = list(args.tools)
    peer = ensure_venv(Path(args.venv)) if "sdmetrics" in tools else {}
    info = machine(peer)
    launcher_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # a floor of every child's ru_maxrss
    out = Path(args.out)
    existing = []
    if out.is_file() and not args.overwrite:
        existing = json.loads(out.read_text(encoding="utf-8")).get("results", [])
    gave_up: dict[str, int] = {}
    entries = []
    for n in sorted(args.rows):
        files = prepare_data(n, args)
        runs: dict[str, list[dict]] = {t: [] for t in tools}
        skipped: dict[str, str] = {}
        for t in tools:
            if t in gave_up and not args.run_all:
                skipped[t] = f"not run: did not finish within {args.cap:g} s at {gave_up[t]:,} rows"
        sources = set()
        for rep in range(1, args.repeats + 1):  # interleaved: drift of a shared machine hits both
            for t in tools:
                if t in skipped or any(r["status"] != "ok" for r in runs[t]):
                    continue
                sources.add(sdq_version()["source_all"])
                r = (run_sdq if t == "sdq" else run_sdmetrics)(n, files, args, rep)
                sources.add(sdq_version()["source_all"])
                runs[t].append(r)
                print(
                    f"n={n:,} rep {rep}/{args.repeats} {LABELS[t]}: {r['status']}, {r['wall_s']:.1f} s wall, "
                    f"cpu {r['cpu_s']:.1f} s, peak {r['peak_mb']:.0f} MB (ru_maxrss {r['maxrss_mb']:.0f}, "
                    f"tree PSS {r['sampled_tree_pss_mb']:.0f}), load before {r['loadavg_before']:.1f}",
                    file=sys.stderr,
                )
                if r["status"].startswith("did not finish"):
                    gave_up.setdefault(t, n)
        summary = {t: summarise_tool(runs[t], skipped.get(t)) for t in tools}
        entries.append(
            {
                "rows": n,
                "holdout_rows": n // 2,
                "files": {
                    k: str(Path(v).relative_to(ROOT)) if Path(v).is_relative_to(ROOT) else v for k, v in files.items()
                },
                "tools": summary,
                "ratios": ratios(summary.get("sdq", {}), summary.get("sdmetrics", {})),
                "sdq_source_all": sorted(sources),
                "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            }
        )
    print(table(entries))
    print()
    print(table_notes(entries, args.cap, _modes(args)))
    # merge by size and tool: a run of one tool keeps the other tool's figures of the same size
    old = {e["rows"]: e for e in existing}
    for e in entries:
        earlier = old.get(e["rows"])
        if earlier is not None:
            tools_now = {**earlier.get("tools", {}), **e["tools"]}
            e["tools"] = tools_now
            e["ratios"] = ratios(tools_now.get("sdq", {}), tools_now.get("sdmetrics", {}))
            e["dates"] = {
                **earlier.get("dates", {t: earlier.get("date") for t in earlier.get("tools", {})}),
                **{t: e["date"] for t in tools},
            }
    keys = {e["rows"] for e in entries}
    merged = sorted([e for e in existing if e["rows"] not in keys] + entries, key=lambda e: e["rows"])
    payload = {
        "benchmark": "sdq report (CLI, all metric families) vs SDMetrics, wall time and peak memory, one fresh "
        "process per run",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "PYTHONPATH=. python bench/bench_peers.py " + " ".join(sys.argv[1:]),
        "machine": info,
        "versions": {
            "sdq": sdq_version(),
            "sdmetrics": peer.get("sdmetrics"),
            "peer_env": peer,
            "main_env": info.get("packages"),
        },
        "settings": {
            "cap_s": args.cap,
            "repeats": args.repeats,
            "seed": args.seed,
            "target": args.target,
            "sample_interval_s": args.sample_interval,
            "launcher_maxrss_mb": launcher_mb,
            "data": "bench/make_data.py (statsmodels randhie, resampled): train N, synthetic N, holdout N/2",
        },
        "tools": {
            "sdq": {
                "command": "python -m sdq report TRAIN SYNTHETIC --holdout HOLDOUT --target health --output "
                "X.html --json X.json --seed 0 --quiet (default --jobs: all cores)",
                "computes": SDQ_COMPUTES,
            },
            "sdmetrics": {
                "version": SDMETRICS_VERSION,
                "environment": str(Path(args.venv).relative_to(ROOT))
                if Path(args.venv).is_relative_to(ROOT)
                else args.venv,
                "calls": SDMETRICS_CALLS,
                "metadata": "{'columns': {name: {'sdtype': boolean | numerical | datetime | categorical}}} "
                "from the dtypes (datetime64 columns need no datetime_format)",
            },
        },
        "fields": {
            "wall_s": "wall time of the child process, launch to exit (median over repeats); the exit is noticed "
            "at the next memory sample, so it may read up to sample_interval_s long",
            "cpu_s": "user + system CPU of the child and the workers it reaped (wait4)",
            "peak_mb": "max(maxrss_mb, sampled_tree_pss_mb): peak memory of the process tree",
            "maxrss_mb": "ru_maxrss from wait4: the largest peak RSS of the child or of any descendant it waited for",
            "sampled_tree_pss_mb": "largest sum of PSS over the child and all its descendants, sampled",
            "sampled_tree_rss_sum_mb": "largest sum of RSS over the tree (counts copy-on-write pages once per process)",
            "ratios": "time_peer_over_sdq = SDMetrics wall_s / sdq wall_s (memory likewise), and the inverses",
        },
        "table": table(merged),
        "table_notes": table_notes(merged, args.cap, _modes(args)),
        "modes": _modes(args),
        "results": merged,
    }
    if existing:
        payload["note"] = "merged with earlier runs in this file; each entry has its own date"
    write_json(out, payload)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--cap", type=float, default=1800, help="seconds per run before it is killed (default 1800)")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument(
        "--run-all", action="store_true", help="run a tool at larger sizes even after it did not finish within the cap"
    )
    parser.add_argument("--out", default=str(HERE / "results" / "peers.json"))
    parser.add_argument("--overwrite", action="store_true", help="replace --out instead of merging by size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", default=TARGET)
    parser.add_argument("--data-dir", default=str(HERE / "data"))
    parser.add_argument("--work-dir", default=str(HERE / "data" / "peers"), help="reports and logs of each run")
    parser.add_argument("--venv", default=str(VENV), help="the peer's virtual environment (created if missing)")
    parser.add_argument("--sample-interval", type=float, default=0.2, help="seconds between memory samples")
    parser.add_argument("--show", action="store_true", help="print the table of --out and exit (runs nothing)")
    parser.add_argument(
        "--sdmetrics-subsample",
        type=int,
        default=None,
        help="SDMetrics' subsampled mode: DCROverfittingProtection(num_rows_subsample=N, num_iterations=1) and "
        "NewRowSynthesis(synthetic_sample_size=N) (default: their defaults, no subsampling)",
    )
    parser.add_argument("--sdq-metrics", default=None, help="sdq's --metrics (comma-separated; default: all)")
    parser.add_argument("--subsample", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sdmetrics-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--train", help=argparse.SUPPRESS)
    parser.add_argument("--synthetic", help=argparse.SUPPRESS)
    parser.add_argument("--holdout", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sdmetrics_child:
        return sdmetrics_child(args)
    if args.show:
        return show(args)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
