"""Time of ``sdq rules suggest`` and of the ``rules`` metric on the benchmark inputs.

Inputs: ``bench/make_data.py`` (20 columns from statsmodels' ``randhie``: 9 numeric, 8
categorical, 2 boolean, 1 datetime; made once and cached, never timed).

Two measurements, each in a fresh child process (so imports and file reading count, as they do
for a user):

* ``suggest``: the command itself, ``sdq rules suggest TRAIN.parquet --output rules.toml``, timed
  from launch to exit, and inside it the parts (reading, schema and coercion, mining) timed with
  the same calls ``sdq.suggest_rules`` makes;
* ``metric`` (``--metric``): ``sdq.evaluate(train, synthetic, holdout, metrics=["rules"],
  mine_rules=True)``: mining on the training rows and checking every mined rule on all three data
  sets, with the bootstrap interval.

Usage (from the repository root)::

    PYTHONPATH=. python bench/bench_rules.py --rows 1000000 --repeats 3 --out bench/results/rules.json
    PYTHONPATH=. python bench/bench_rules.py --rows 100000 --metric
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

PARTS = r"""
import json, sys, time
sys.path.insert(0, {repo!r})
started = time.perf_counter()
import sdq
from sdq.data import coerce_frame
from sdq.rules import mine
from sdq.schema import fit_schema
imported = time.perf_counter()
real = sdq.load_table({path!r})
loaded = time.perf_counter()
schema = fit_schema(real)
frame, _ = coerce_frame(schema, real)
frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
coerced = time.perf_counter()
mined = mine(frame, {{s.label: s.kind for s in schema.columns}})
done = time.perf_counter()
print(json.dumps({{"import": imported - started, "read": loaded - imported, "schema_and_coercion": coerced - loaded,
                   "mining": done - coerced, "rules": len(mined),
                   "groups": {{g: sum(m.group == g for m in mined.mined) for g in dict.fromkeys(m.group for m in mined.mined)}}}}))
"""

METRIC = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
sys.path.insert(1, {bench!r})
from make_data import load
frames = load({rows})
import sdq
started = time.perf_counter()
report = sdq.evaluate(frames["train"], frames["synthetic"], frames["holdout"], metrics=["rules"], mine_rules=True)
seconds = time.perf_counter() - started
result = report["rules"]
print(json.dumps({{"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "score": result.score, "baseline": result.baseline, "rules": result.details["rules"]}}))
"""


def _child(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def suggest_command(path: Path) -> float:
    """Seconds of ``sdq rules suggest PATH --output ...`` from launch to exit."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "sdq", "rules", "suggest", str(path), "--output", f"{tmp}/rules.toml"]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--metric", action="store_true", help="also time the rules metric with mined rules")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from make_data import ensure

    paths, _ = ensure(args.rows)
    command, parts, metric = [], [], []
    for k in range(args.repeats):
        command.append(suggest_command(paths["train"]))
        parts.append(_child(PARTS.format(repo=str(REPO), path=str(paths["train"]))))
        line = f"run {k + 1}: sdq rules suggest {command[-1]:.1f} s; parts " + ", ".join(
            f"{key} {parts[-1][key]:.2f} s" for key in ("import", "read", "schema_and_coercion", "mining")
        )
        if args.metric:
            metric.append(_child(METRIC.format(repo=str(REPO), bench=str(HERE), rows=args.rows)))
            line += f"; rules metric {metric[-1]['seconds']:.1f} s"
        print(line, file=sys.stderr)
    median = {
        key: round(statistics.median(p[key] for p in parts), 3)
        for key in ("import", "read", "schema_and_coercion", "mining")
    }
    table = {
        "rows": args.rows,
        "columns": 20,
        "suggest_command_s": round(statistics.median(command), 2),
        "suggest_runs_s": [round(c, 2) for c in command],
        "parts_s": median,
        "rules": parts[0]["rules"],
        "groups": parts[0]["groups"],
    }
    if metric:
        table["metric_s"] = round(statistics.median(m["seconds"] for m in metric), 2)
        table["metric_peak_mb"] = round(statistics.median(m["peak_mb"] for m in metric))
        table["metric_rules"] = metric[0]["rules"]
        table["metric_score"] = [round(metric[0]["score"], 4), round(metric[0]["baseline"], 4)]
    print(json.dumps(table, indent=1))
    if args.out:
        payload = {"machine": platform.platform(), "python": sys.version.split()[0], **table}
        Path(args.out).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
