"""The whole report on the Dask engine, on a local cluster of this machine's cores, from Parquet files
of N training / N/2 holdout / N synthetic rows x 20 columns (``make_data.py``'s recipe, built by
``bench_chunked.build``), beside the same files read chunk by chunk (``--chunk-rows``) and in memory.

Every run is a fresh child process (``sdq report``'s work without the HTML: ``sdq.evaluate``, or
``evaluate_chunked``), timed from launch to exit; its memory is the peak of the summed PSS of the
child and every process below it (the Dask workers and nannies), sampled every 0.2 s
(``bench_peers.measure``). Each run records the report's timings (per engine phase and metric),
what was sampled (``manifest.engine``: samples, subsamples, sketch rank errors, how each metric ran),
the scores and baselines.

    PYTHONPATH=. python bench/bench_dask.py --rows 1000000 3000000 --memory 1000000 --chunked 1000000
    PYTHONPATH=. python bench/bench_dask.py --rows 10000000          # merged into the same JSON
    PYTHONPATH=. python bench/bench_dask.py --show                   # reprint the tables

The input files are written to ``bench/data/`` (git-ignored; about 60 MB per million rows and role).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import bench_chunked  # noqa: E402
import make_data  # noqa: E402
from bench_metrics import machine, source_fingerprint  # noqa: E402
from bench_peers import measure  # noqa: E402

OUT = ROOT / "bench" / "results" / "dask.json"
TARGET = "health"


def child(args: argparse.Namespace) -> int:
    """One measurement in this (fresh) process: the whole report, printed as JSON."""
    import sdq

    paths = json.loads(args.paths)
    t0 = time.perf_counter()
    if args.child == "dask":
        report = sdq.evaluate(
            paths["train"], paths["synthetic"], paths["holdout"], engine="dask", target=TARGET, seed=0
        )
    elif args.child == "chunked":
        from sdq.engine.chunked import evaluate_chunked

        report = evaluate_chunked(
            paths["train"], paths["synthetic"], paths["holdout"], chunk_rows=args.chunk_rows, target=TARGET, seed=0
        )
    else:
        frames = {role: sdq.load_table(path) for role, path in paths.items()}
        loaded = time.perf_counter() - t0
        report = sdq.evaluate(
            frames["train"], frames["synthetic"], frames["holdout"], target=TARGET, seed=0, jobs=os.cpu_count() or 1
        )
    wall = time.perf_counter() - t0
    result = {
        "mode": args.child,
        "call_s": wall,
        "timings": report.manifest["timings"],
        "engine": report.manifest.get("engine"),
        "run": report.manifest["run"],
        "summary": report.summary,
        "metrics": {
            m.name: {"status": m.status, "score": m.score, "baseline": m.baseline, "message": m.message}
            for m in report.metrics
        },
        "rows": {k: report.data[k]["rows"] for k in ("real", "synthetic", "holdout")},
    }
    if args.child == "memory":
        result["load_s"] = loaded
    print("BENCH-RESULT " + json.dumps(result))
    return 0


def run(mode: str, n: int, paths: dict, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--chunk-rows", str(args.chunk_rows)]
    cmd += ["--paths", json.dumps({r: str(p) for r, p in paths.items()})]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    log = ROOT / "bench" / "data" / "dask" / f"{mode}_n{n}"
    measured = measure(cmd, env, args.cap, log, 0.2)
    lines = [ln for ln in log.with_suffix(".out").read_text().splitlines() if ln.startswith("BENCH-RESULT ")]
    if measured["exit_code"] != 0 or not lines:
        measured["error"] = log.with_suffix(".err").read_text()[-2000:]
        return {"mode": mode, "rows": n, **measured}
    return {**json.loads(lines[-1][len("BENCH-RESULT ") :]), **measured, "rows_n": n}


def _load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {"runs": []}


def table(runs: list[dict]) -> str:
    head = (
        "| engine | train / holdout / synthetic rows | wall s | peak MB (tree) | fidelity | utility | privacy | note |"
    )
    lines = [head, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in sorted(runs, key=lambda r: (r.get("rows_n", r.get("rows", 0)), r["mode"])):
        n = r.get("rows_n") or r.get("rows")
        if "error" in r or r.get("killed_at_cap"):
            lines.append(f"| {r['mode']} | {n:,} | - | - | - | - | - | did not finish: {r.get('error', 'cap')[-80:]} |")
            continue
        s = r["summary"]
        cell = lambda v: f"{v:.3f}" if v is not None else "-"  # noqa: E731
        rows = r["rows"]
        lines.append(
            f"| {r['mode']} | {rows['real']:,} / {rows['holdout']:,} / {rows['synthetic']:,} | {r['wall_s']:.0f} "
            f"| {r['peak_mb']:,.0f} | {cell(s.get('fidelity'))} | {cell(s.get('utility'))} | {cell(s.get('privacy'))} "
            f"| load {r['loadavg_before']:.1f} |"
        )
    return "\n".join(lines)


def phases(runs: list[dict]) -> str:
    """Where the time of the Dask runs went."""
    keys = ["engine.schema", "engine.profiles", "engine.tallies", "engine.prepare"]
    lines = []
    for r in sorted(
        (r for r in runs if r["mode"] != "memory" and "timings" in r), key=lambda r: (r["rows_n"], r["mode"])
    ):
        t = r["timings"]
        groups = {"aggregates": 0.0, "sample": 0.0, "distributed": 0.0}
        for name, how in (r["engine"] or {}).get("metrics", {}).items():
            if how in groups:
                groups[how] += t.get(name, 0.0)
        parts = ", ".join(f"{k.split('.')[1]} {t.get(k, 0):.0f} s" for k in keys)
        parts += ", " + ", ".join(f"{k} metrics {v:.0f} s" for k, v in groups.items())
        lines.append(f"- {r['mode']} at {r['rows_n']:,}: {parts} (total {t['total']:.0f} s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[])
    parser.add_argument("--chunked", type=int, nargs="*", default=[], help="sizes to run the chunked reader at")
    parser.add_argument("--memory", type=int, nargs="*", default=[], help="sizes to run in memory at")
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--cap", type=float, default=4 * 3600)
    parser.add_argument("--data-dir", default=str(make_data.DATA_DIR))
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--child", choices=("dask", "chunked", "memory"), help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    out = Path(args.out)
    results = _load(out)
    if not args.show:
        plan = [("dask", n) for n in args.rows] + [("chunked", n) for n in args.chunked]
        plan += [("memory", n) for n in args.memory]
        for mode, n in plan:
            paths = bench_chunked.build(n, Path(args.data_dir))
            print(f"{mode} at {n:,} rows ...", file=sys.stderr)
            result = run(mode, n, paths, args)
            result["command"] = " ".join(["PYTHONPATH=. python bench/bench_dask.py", *sys.argv[1:]])
            result["sdq_source_all"] = source_fingerprint("all")
            results["runs"] = [r for r in results["runs"] if (r["mode"], r.get("rows_n", r.get("rows"))) != (mode, n)]
            results["runs"].append(result)
            results["machine"] = machine()
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
            shown = f"{result.get('wall_s', 0):.0f} s, peak {result.get('peak_mb', 0):,.0f} MB"
            print(f"  {shown}" + (f" ERROR {result['error'][-300:]}" if "error" in result else ""), file=sys.stderr)
    print(table(results["runs"]))
    print()
    print(phases(results["runs"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
