"""Time and peak memory of sdq's metrics, one fresh process per measurement.

For every size in ``--rows`` and every metric in ``--metrics`` (plus one run with all of them
together, unless ``--no-combined``), a child process loads the cached inputs (see
``bench/make_data.py``), imports sdq, and runs::

    sdq.evaluate(train, synthetic, holdout=holdout, metrics=[name])

It reports:

* ``metric_s``: the metric's own time, ``report.manifest["timings"][name]`` (for the combined run:
  the sum over its metrics);
* ``prepare_s``: ``manifest["timings"]["prepare"]`` (schema, coercion, binning: shared by all metrics);
* ``call_s``: wall time of the whole ``sdq.evaluate`` call (prepare + metrics + report);
* ``peak_mb``: the process's peak RSS during the call (``ru_maxrss``; the peak watermark is reset
  after loading the data, via ``/proc/self/clear_refs``, so the loader's transient peak does not
  hide it) and ``peak_delta_mb``: that peak minus the RSS just before the call (the inputs loaded,
  sdq imported), i.e. the memory the evaluation itself needed.

Data generation happens once per size (Parquet cache) and is never timed. Each configuration is
repeated ``--repeats`` times; the medians are printed and written to ``--out`` as JSON together
with the raw runs, the scores, and the machine. An existing ``--out`` file is merged: entries of
the same size and metric set are replaced, the others kept (``--overwrite`` starts afresh).

Usage::

    python bench/bench_metrics.py --rows 10000 100000 1000000 \\
        --metrics statistics histogram_similarity mutual_information correlation \\
        --repeats 3 --out bench/results/fidelity.json

    # a profile of each metric (one run per metric, not timed; written to bench/data/profiles)
    python bench/bench_metrics.py --rows 100000 --metrics correlation --profile bench/data/profiles
    python bench/bench_metrics.py --rows 1000000 --no-combined --profile bench/data/profiles \\
        --profiler pyinstrument
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

FIDELITY = ["statistics", "histogram_similarity", "mutual_information", "correlation"]
ALL = "ALL"
#: Targets from the project plan: the four fidelity metrics together (whole sdq.evaluate call).
TARGETS = {100_000: {"call_s": 5.0, "peak_mb": 3072.0}, 1_000_000: {"call_s": 40.0, "peak_mb": 3072.0}}


# ---------------------------------------------------------------------------------------------
# child: one measurement
# ---------------------------------------------------------------------------------------------
def _proc_status() -> dict[str, float]:
    out = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                out[key] = int(value.split()[0]) / 1024  # kB -> MB
    return out


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")  # reset the peak RSS watermark to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


#: Parts of sdq that the fidelity metrics never run (imports aside); changes there do not make
#: runs incomparable, so they are left out of ``sdq_source``.
_NOT_MEASURED = (
    "sdq/metrics/utility/",
    "sdq/metrics/privacy/",
    "sdq/render/",
    "sdq/cli/",
    "sdq/testing.py",
    "sdq/__main__.py",
    "sdq/demo/",
)


def source_fingerprint(scope: str = "measured") -> str:
    """A short SHA-256 of sdq's source files (sdq/ is edited while benchmarks run: this ties each
    measurement to the code it measured). ``scope="measured"`` leaves out the modules the fidelity
    metrics do not run (:data:`_NOT_MEASURED`); ``"all"`` hashes every file."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "sdq").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if scope == "measured" and rel.startswith(_NOT_MEASURED):
            continue
        digest.update(rel.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def child(args: argparse.Namespace) -> int:
    import make_data

    fingerprint, fingerprint_all = source_fingerprint(), source_fingerprint("all")

    t0 = time.perf_counter()
    import sdq
    from sdq import metrics as registry

    registry.registry()  # import every metric module (scipy, ...) before timing
    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    target = make_data.paths(args.rows[0], args.seed, args.data_dir)
    import pandas as pd

    frames = {role: pd.read_parquet(path) for role, path in target.items()}
    load_s = time.perf_counter() - t0
    gc.collect()
    before = _proc_status()
    maxrss_load = _maxrss_mb()
    reset = _reset_peak()
    profiler = None
    if args.profile and args.profiler == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    elif args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, c0 = time.perf_counter(), time.process_time()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = sdq.evaluate(
        frames["train"],
        frames["synthetic"],
        holdout=frames["holdout"],
        metrics=args.metrics,
        seed=args.seed,
        target=args.target,
        jobs=args.jobs,
    )
    call_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    # with jobs > 1 the metrics run in forked children: their CPU time counts too
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s += (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    if profiler is not None:
        profiler.stop() if args.profiler == "pyinstrument" else profiler.disable()
    peak = _maxrss_mb()
    after = _proc_status()
    timings = report.manifest["timings"]
    result = {
        "rows": args.rows[0],
        "metrics": list(args.metrics),
        "sdq_source": fingerprint,
        "sdq_source_all": fingerprint_all,
        "call_s": call_s,
        "cpu_s": cpu_s,
        "jobs": args.jobs,
        "children_peak_mb": children1.ru_maxrss / 1024 if args.jobs > 1 else None,
        "prepare_s": timings.get("prepare"),
        "metric_s": sum(timings[m] for m in args.metrics),
        "timings": timings,
        "import_s": import_s,
        "load_s": load_s,
        "rss_loaded_mb": before["VmRSS"],
        "peak_mb": peak,
        "peak_delta_mb": peak - before["VmRSS"],
        "vmhwm_mb": after["VmHWM"],
        "maxrss_after_load_mb": maxrss_load,
        "peak_reset": reset,
        "results": {
            r.name: {"status": r.status, "score": r.score, "baseline": r.baseline, "ci": r.ci, "message": r.message}
            for r in report.metrics
        },
        "shapes": {role: list(f.shape) for role, f in frames.items()},
        "columns": {
            c["kind"]: sum(1 for d in report.data["columns"] if d["kind"] == c["kind"]) for c in report.data["columns"]
        },
    }
    if profiler is not None:
        out_dir = Path(args.profile)
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = out_dir / f"{'+'.join(args.metrics) if len(args.metrics) < 4 else 'ALL'}_n{args.rows[0]}"
        if args.profiler == "pyinstrument":
            Path(f"{stem}.pyinstrument.txt").write_text(
                profiler.output_text(unicode=False, color=False, show_all=False), encoding="utf-8"
            )
            result["profile"] = f"{stem}.pyinstrument.txt"
        else:
            import pstats

            profiler.dump_stats(f"{stem}.prof")
            with open(f"{stem}.txt", "w", encoding="utf-8") as handle:
                for key in ("cumulative", "tottime"):
                    stats = pstats.Stats(profiler, stream=handle)
                    stats.sort_stats(key).print_stats(40)
            result["profile"] = f"{stem}.prof"
    print("BENCH-RESULT " + json.dumps(result, allow_nan=True))
    return 0


# ---------------------------------------------------------------------------------------------
# parent: orchestration, medians, table, JSON
# ---------------------------------------------------------------------------------------------
def machine() -> dict:
    info: dict = {
        "nproc": os.cpu_count(),
        "nproc_usable": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            models = [ln.split(":", 1)[1].strip() for ln in handle if ln.startswith("model name")]
        info["cpu_model"] = models[0] if models else None
    except OSError:
        info["cpu_model"] = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            mem = {ln.split(":")[0]: int(ln.split()[1]) for ln in handle}
        info["mem_total_gb"] = round(mem["MemTotal"] / 2**20, 2)
        info["mem_available_gb_at_start"] = round(mem["MemAvailable"] / 2**20, 2)
    except (OSError, KeyError):
        pass
    from importlib import metadata

    versions = {}
    for name in ("numpy", "pandas", "scipy", "pyarrow", "statsmodels"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    info["packages"] = versions
    info["loadavg_at_start"] = list(os.getloadavg())
    return info


def run_child(n: int, metrics: list[str], args: argparse.Namespace, profile: str | None = None) -> dict:
    """One measurement; a failed child is retried once after a pause (sdq may be caught mid-edit)."""
    try:
        return _run_child(n, metrics, args, profile)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"n={n:,} {metrics}: {str(exc).splitlines()[0]}; retrying in 20 s", file=sys.stderr)
        time.sleep(20)
        return _run_child(n, metrics, args, profile)


def _run_child(n: int, metrics: list[str], args: argparse.Namespace, profile: str | None = None) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--rows",
        str(n),
        "--seed",
        str(args.seed),
        "--data-dir",
        str(args.data_dir),
        "--metrics",
        *metrics,
    ]
    if args.target:
        cmd += ["--target", args.target]
    if args.jobs != 1:
        cmd += ["--jobs", str(args.jobs)]
    if profile:
        cmd += ["--profile", profile, "--profiler", args.profiler]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    load = os.getloadavg()[0]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout, cwd=ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH-RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"child failed (exit {proc.returncode}) for n={n} metrics={metrics}:\n{tail}")
    result = json.loads(lines[-1][len("BENCH-RESULT ") :])
    result["loadavg_before"] = load
    return result


def _median(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def summarise(n: int, label: str, runs: list[dict]) -> dict:
    metrics = runs[0]["metrics"]
    sources = sorted({r["sdq_source"] for r in runs})
    entry = {
        "rows": n,
        "label": label,
        "metrics": metrics,
        "repeats": len(runs),
        "jobs": runs[0].get("jobs", 1),
        "sdq_source": sources[0] if len(sources) == 1 else sources,
        "median": {
            k: _median(runs, k)
            for k in ("metric_s", "call_s", "cpu_s", "prepare_s", "peak_mb", "peak_delta_mb", "rss_loaded_mb")
        },
        "median_per_metric_s": {m: statistics.median(r["timings"][m] for r in runs) for m in metrics},
        "results": runs[0]["results"],
        "shapes": runs[0]["shapes"],
        "columns": runs[0]["columns"],
        "runs": [
            {
                k: r.get(k)
                for k in (
                    "sdq_source",
                    "sdq_source_all",
                    "loadavg_before",
                    "call_s",
                    "cpu_s",
                    "prepare_s",
                    "metric_s",
                    "timings",
                    "peak_mb",
                    "peak_delta_mb",
                    "rss_loaded_mb",
                    "vmhwm_mb",
                    "peak_reset",
                    "load_s",
                    "jobs",
                    "children_peak_mb",
                )
            }
            for r in runs
        ],
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    target = TARGETS.get(n) if label == ALL and sorted(metrics) == sorted(FIDELITY) else None
    if target:
        entry["target"] = target
        entry["meets_target"] = bool(
            entry["median"]["call_s"] < target["call_s"] and entry["median"]["peak_mb"] < target["peak_mb"]
        )
    return entry


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(entries: list[dict]) -> str:
    head = (
        f"{'rows':>9}  {'metric':<21} {'metric s':>9} {'call s':>8} {'cpu s':>7} {'prep s':>7} {'peak MB':>8} "
        f"{'+MB':>7}  {'score':>6} {'base':>6}  {'n':>2}  note"
    )
    lines = [head, "-" * len(head)]
    for e in sorted(entries, key=lambda e: (e["rows"], e["label"].startswith(ALL), e["label"])):
        med = e["median"]
        res = e["results"]
        if e["label"].startswith(ALL):
            score = base = None
        else:
            score, base = res[e["label"]]["score"], res[e["label"]]["baseline"]
        bad = [f"{m}: {r['status']}" for m, r in res.items() if r["status"] != "ok"]
        note = "; ".join(bad)
        if "meets_target" in e:
            t = e["target"]
            note = (note + "; " if note else "") + (
                f"target <{t['call_s']:g} s, <{t['peak_mb'] / 1024:g} GB: {'MET' if e['meets_target'] else 'MISSED'}"
            )
        lines.append(
            f"{e['rows']:>9,}  {e['label']:<21} {_fmt(med['metric_s'], '9.2f')} {_fmt(med['call_s'], '8.2f')} "
            f"{_fmt(med.get('cpu_s'), '7.2f')} {_fmt(med['prepare_s'], '7.2f')} {_fmt(med['peak_mb'], '8.0f')} {_fmt(med['peak_delta_mb'], '7.0f')}  "
            f"{_fmt(score, '6.3f')} {_fmt(base, '6.3f')}  {e['repeats']:>2}  {note}"
        )
    return "\n".join(lines)


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def parent(args: argparse.Namespace) -> int:
    import make_data

    out = Path(args.out) if args.out else None
    existing: list[dict] = []
    if out is not None and out.is_file() and not args.overwrite:
        existing = json.loads(out.read_text(encoding="utf-8")).get("results", [])
    configs = [] if args.only_combined else [(m, [m]) for m in args.metrics]
    if (args.combined and len(args.metrics) > 1) or args.only_combined:
        configs.append((ALL if args.jobs == 1 else f"{ALL} jobs={args.jobs}", list(args.metrics)))
    info = machine()
    data_info = {}
    entries: list[dict] = []
    failures: list[dict] = []
    for n in args.rows:
        # generated in a child process: the parent stays small (a forked child's ru_maxrss can
        # inherit the parent's peak), and generation never counts in the timings
        t0 = time.perf_counter()
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
        )
        data_info[str(n)] = {
            "prepare_data_s": round(time.perf_counter() - t0, 2),
            "files": [
                str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)
                for p in make_data.paths(n, args.seed, args.data_dir).values()
            ],
        }
        if args.profile:
            for label, metrics in configs:
                r = run_child(n, metrics, args, profile=args.profile)
                print(f"n={n:,} {label}: profiled run {r['call_s']:.2f} s -> {r['profile']}", file=sys.stderr)
            continue
        runs: dict[str, list[dict]] = {label: [] for label, _ in configs}
        for rep in range(args.repeats):  # interleaved, so slow drift of a shared machine hits all alike
            for label, metrics in configs:
                try:
                    r = run_child(n, metrics, args)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    failures.append({"rows": n, "label": label, "repeat": rep + 1, "error": str(exc)[-2000:]})
                    print(f"n={n:,} rep {rep + 1}/{args.repeats} {label}: FAILED twice, left out", file=sys.stderr)
                    continue
                runs[label].append(r)
                print(
                    f"n={n:,} rep {rep + 1}/{args.repeats} {label}: metric {r['metric_s']:.2f} s, "
                    f"call {r['call_s']:.2f} s (cpu {r['cpu_s']:.2f} s, load before {r['loadavg_before']:.1f}), peak {r['peak_mb']:.0f} MB (+{r['peak_delta_mb']:.0f})",
                    file=sys.stderr,
                )
        entries += [summarise(n, label, runs[label]) for label, _ in configs if runs[label]]
    if args.profile:
        return 0
    print(table(entries))
    sources = sorted(
        {e["sdq_source"] if isinstance(e["sdq_source"], str) else "+".join(e["sdq_source"]) for e in entries}
    )
    print(f"sdq source fingerprint(s): {', '.join(sources)}")
    if len(sources) > 1:
        print("WARNING: sdq/ changed while the benchmark ran; the runs measured different code", file=sys.stderr)
    if out is not None:
        keys = {(e["rows"], e["label"]) for e in entries}
        merged = [e for e in existing if (e["rows"], e["label"]) not in keys] + entries
        merged.sort(key=lambda e: (e["rows"], e["label"].startswith(ALL), e["label"]))
        payload = {
            "benchmark": "sdq metrics: time and peak memory per metric, one fresh process per run",
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "command": "python bench/bench_metrics.py " + " ".join(sys.argv[1:]),
            "machine": info,
            "data": {
                "generator": f"bench/make_data.py v{make_data.VERSION} (statsmodels randhie, resampled)",
                "seed": args.seed,
                "sizes": data_info,
            },
            "sdq_call": f"sdq.evaluate(train, synthetic, holdout=holdout, metrics=[...], seed=SEED, jobs={args.jobs})",
            "fields": {
                "metric_s": "manifest timings of the metric(s) (sum for ALL), seconds",
                "call_s": "wall time of the whole sdq.evaluate call, seconds",
                "cpu_s": "CPU time (user + system, all threads) of the call: less sensitive than wall time to "
                "other processes on a shared machine; above call_s where BLAS uses several threads, or with "
                "jobs > 1 (the forked processes' CPU time counts too)",
                "jobs": "sdq.evaluate(jobs=...): metrics in that many forked processes (groups of metrics that share "
                "work in one)",
                "children_peak_mb": "with jobs > 1: the largest peak RSS of a forked process (peak_mb is the parent's)",
                "loadavg_before": "1-minute load average just before the run (other work on the machine)",
                "prepare_s": "manifest timings['prepare']: schema, coercion, binning, seconds",
                "peak_mb": "peak RSS of the process during the call (ru_maxrss, watermark reset after loading)",
                "peak_delta_mb": "peak_mb minus the RSS before the call (data loaded, sdq imported)",
                "rss_loaded_mb": "RSS before the call",
                "sdq_source": "SHA-256 (12 hex) of sdq/**/*.py at the time of the run, leaving out modules "
                "the fidelity metrics do not run: " + ", ".join(_NOT_MEASURED),
                "sdq_source_all": "the same over every file of sdq/",
            },
            "targets": {str(k): v for k, v in TARGETS.items()},
            "results": merged,
        }
        if failures:
            payload["failures"] = failures
        if existing:
            payload["note"] = "merged with earlier runs in this file; each entry has its own date"
        write_json(out, payload)
        print(f"wrote {out}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--metrics", nargs="+", default=FIDELITY)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None, help="JSON file for the results (merged if it exists)")
    parser.add_argument("--overwrite", action="store_true", help="replace --out instead of merging")
    parser.add_argument(
        "--no-combined", dest="combined", action="store_false", help="skip the run with all metrics together"
    )
    parser.add_argument(
        "--only-combined",
        action="store_true",
        help="only the run with all metrics together (each metric's time is in its manifest timings)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", default=None, help="target column for the utility metrics (e.g. health)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="sdq.evaluate(jobs=N): metrics in N processes at once (default 1); results are labelled 'ALL jobs=N'",
    )
    parser.add_argument("--data-dir", default=str(HERE / "data"))
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per child run")
    parser.add_argument(
        "--profile",
        default=None,
        metavar="DIR",
        help="instead of timing: one cProfile run per configuration, written to DIR",
    )
    parser.add_argument(
        "--profiler",
        choices=("cprofile", "pyinstrument"),
        default="cprofile",
        help="with --profile: cProfile (.prof + .txt) or pyinstrument (call tree, .txt)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.child:
        return child(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
