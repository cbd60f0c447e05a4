"""Fidelity of files larger than memory: ``sdq.engine.chunked.evaluate_chunked`` on a 10M-row Parquet file.

Builds (once, cached in bench/data/) train / holdout / synthetic Parquet files of N rows by writing
1M-row pieces of ``make_data.make`` one after another (so building them needs little memory), then
scores them chunk by chunk in a fresh process and records wall time and that process's peak RSS.

With ``--check-rows M`` it also scores the first M rows of each file both ways (in memory with
``sdq.evaluate`` and chunked) and records the scores side by side: the chunked path's only
approximation is numeric bin edges from a sample of the real rows.

    PYTHONPATH=. python bench/bench_chunked.py --rows 10000000 --check-rows 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import make_data  # noqa: E402
from bench_metrics import machine  # noqa: E402

PIECE = 1_000_000
METRICS = ["histogram_similarity", "mutual_information"]


def build(n: int, data_dir: Path) -> dict[str, Path]:
    """Parquet files of ``n`` train rows (holdout n/2, synthetic n), written piece by piece."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = {role: data_dir / f"chunked_v{make_data.VERSION}_n{n}_{role}.parquet" for role in make_data.ROLES}
    if all(p.is_file() for p in paths.values()):
        return paths
    data_dir.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    tmp = {role: p.with_name(p.name + ".tmp") for role, p in paths.items()}
    try:
        for piece, start in enumerate(range(0, n, PIECE)):
            frames = make_data.make(min(PIECE, n - start), seed=1000 + piece)
            for role, frame in frames.items():
                for column in frame.columns:  # one schema for every piece: categories as plain strings
                    if str(frame[column].dtype) == "category":
                        frame[column] = frame[column].astype(object)
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if role not in writers:
                    writers[role] = pq.ParquetWriter(tmp[role], table.schema)
                writers[role].write_table(table.cast(writers[role].schema), row_group_size=250_000)
            print(f"  built rows {start:,}-{start + min(PIECE, n - start):,}", file=sys.stderr)
    finally:
        for writer in writers.values():
            writer.close()
    for role in paths:
        os.replace(tmp[role], paths[role])
    return paths


def child(args: argparse.Namespace) -> int:
    """One measurement: the chunked evaluation of the files, printed as JSON."""
    from sdq.engine.chunked import evaluate_chunked

    paths = json.loads(args.paths)
    t0 = time.perf_counter()
    report = evaluate_chunked(
        paths["train"], paths["synthetic"], paths["holdout"], chunk_rows=args.chunk_rows, metrics=METRICS
    )
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        "BENCH-RESULT "
        + json.dumps(
            {
                "wall_s": wall,
                "peak_mb": peak,
                "scores": report.scores,
                "baselines": {m.name: m.baseline for m in report.metrics},
                "rows": report.data["real"]["rows"],
                "timings": report.manifest["timings"],
            }
        )
    )
    return 0


def check(n: int, rows: int, chunk_rows: int) -> dict:
    """The first ``rows`` rows scored in memory and chunked: how close the scores are."""
    import sdq
    from sdq.engine.chunked import evaluate_chunked

    frames = make_data.load(rows)
    in_memory = sdq.evaluate(frames["train"], frames["synthetic"], frames["holdout"], metrics=METRICS)
    sources = {
        role: (lambda f=f: (f.iloc[i : i + chunk_rows] for i in range(0, len(f), chunk_rows)))
        for role, f in frames.items()
    }
    chunked = evaluate_chunked(
        sources["train"], sources["synthetic"], sources["holdout"], chunk_rows=chunk_rows, metrics=METRICS
    )
    return {
        "rows": rows,
        "metrics": {
            m: {
                "in_memory": in_memory[m].score,
                "chunked": chunked[m].score,
                "in_memory_baseline": in_memory[m].baseline,
                "chunked_baseline": chunked[m].baseline,
            }
            for m in METRICS
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--check-rows", type=int, default=0)
    parser.add_argument("--data-dir", default=str(make_data.DATA_DIR))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "chunked.json"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    t0 = time.perf_counter()
    paths = build(args.rows, Path(args.data_dir))
    print(
        f"inputs ready in {time.perf_counter() - t0:.0f} s: "
        + ", ".join(f"{r} {p.stat().st_size / 2**20:.0f} MB" for r, p in paths.items()),
        file=sys.stderr,
    )
    runs = []
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    for _ in range(args.repeats):
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--chunk-rows",
            str(args.chunk_rows),
            "--paths",
            json.dumps({r: str(p) for r, p in paths.items()}),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH-RESULT ")]
        if proc.returncode != 0 or not lines:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        runs.append(json.loads(lines[-1][len("BENCH-RESULT ") :]))
        print(f"  run: {runs[-1]['wall_s']:.1f} s, peak {runs[-1]['peak_mb']:.0f} MB", file=sys.stderr)
    walls = sorted(r["wall_s"] for r in runs)
    peaks = sorted(r["peak_mb"] for r in runs)
    result = {
        "rows": args.rows,
        "holdout_rows": args.rows // 2,
        "synthetic_rows": args.rows,
        "columns": 20,
        "chunk_rows": args.chunk_rows,
        "metrics": METRICS,
        "median_wall_s": walls[len(walls) // 2],
        "median_peak_mb": peaks[len(peaks) // 2],
        "target_peak_mb": 4096,
        "runs": runs,
        "machine": machine(),
    }
    if args.check_rows:
        result["check"] = check(args.rows, args.check_rows, args.chunk_rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(
        f"{args.rows:,} rows (+{args.rows // 2:,} holdout, {args.rows:,} synthetic), chunks of {args.chunk_rows:,}: "
        f"{result['median_wall_s']:.1f} s, peak {result['median_peak_mb']:.0f} MB (target < 4096 MB)"
    )
    for m, v in result.get("check", {}).get("metrics", {}).items():
        print(f"  {m}: in memory {v['in_memory']:.4f}, chunked {v['chunked']:.4f} at {args.check_rows:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
