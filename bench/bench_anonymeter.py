"""sdq's three attacks (``singling_out``, ``linkability``, ``attribute_inference``) beside
anonymeter's (the reference implementation of the three questions of the EU's Article 29 Working
Party), in anonymeter's own virtual environment: speed at one size, and risks on any rows.

anonymeter runs only in ``bench/.venv-anonymeter`` (created and filled by this script with
``pip install anonymeter==1.1.0 pyarrow``; never the main environment, and sdq never imports it):
this file imports only the standard library at the top, and runs its anonymeter part as a child
process on that environment's Python (``--child``).

**Speed** (``--rows N``: the ``bench/make_data.py`` frames, train N, synthetic N, holdout N/2, from
the Parquet cache), each run a fresh process timed around the calls (data loaded before):

* sdq: ``sdq.evaluate(train, synthetic, holdout, metrics=[the three], seed=0, jobs=J)`` with its
  defaults: 2,000 targets (predicates) per attack, every column but the quasi-identifiers as a
  secret (about 15), the quasi-identifiers sdq suggests;
* anonymeter, defaults: ``SinglingOutEvaluator(ori, syn, control=holdout).evaluate()``
  (multivariate, ``n_attacks=500``, ``n_cols=3``), ``LinkabilityEvaluator(ori, syn, aux_cols,
  control=holdout).evaluate()`` (``n_attacks=500``, ``n_neighbors=1``) on the column sets sdq used,
  and ``InferenceEvaluator(ori, syn, aux_cols, secret, control=holdout).evaluate()``
  (``n_attacks=500``) for **one** secret (sdq's weakest) from sdq's quasi-identifiers;
* anonymeter, fast: the same with ``n_attacks=100`` and singling out in ``univariate`` mode (the
  cheaper of its two documented modes).

**Risks** (``--risks JOBS.json OUT.json``, used by ``bench/privacy_validity.py``): for each job
(Parquet files of training, synthetic and holdout rows, sdq's quasi-identifiers, secrets and link
columns), anonymeter's three risks with their intervals: singling out (multivariate, ``n_attacks``
500), linkability on sdq's two column sets, and inference for every secret sdq scored (the highest
risk is the one shown), ``n_attacks`` at most the holdout's rows (anonymeter samples its targets
without replacement from the training and the control rows). Singling out gets at most 100,000
attempts to find its 500 predicates (anonymeter's default is 10 million: on the 10,000-row panel
table one variant took over 10 minutes on a busy machine); results are kept per job, so a stopped
run resumes.

Usage (from the repository root)::

    PYTHONPATH=. python bench/bench_anonymeter.py --rows 100000 --out bench/results/anonymeter.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv-anonymeter"
ANONYMETER_VERSION = "1.1.0"
ATTACKS = ["singling_out", "linkability", "attribute_inference"]


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path) -> str:
    """Create ``venv`` with anonymeter where missing; return its anonymeter version."""
    py = venv_python(venv)
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = [str(py), "-c", "import importlib.metadata as m; print(m.version('anonymeter'))"]
    found = subprocess.run(probe, capture_output=True, text=True)
    if found.returncode != 0 or found.stdout.strip() != ANONYMETER_VERSION:
        subprocess.run(
            [str(py), "-m", "pip", "install", "--quiet", f"anonymeter=={ANONYMETER_VERSION}", "pyarrow"], check=True
        )
        found = subprocess.run(probe, capture_output=True, text=True, check=True)
    return found.stdout.strip()


# -- the anonymeter child (runs on the anonymeter environment's Python) ---------------------------


def _for_anonymeter(frame):
    """anonymeter's neighbour search reads numbers and strings: dates as days, booleans and
    categories as strings (missing stays missing)."""
    import pandas as pd

    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = (out[c] - pd.Timestamp("1970-01-01")).dt.days.astype(float)
        elif pd.api.types.is_bool_dtype(out[c]) or isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None).astype(str)
        elif out[c].dtype == object:
            out[c] = out[c].where(out[c].notna(), None).astype(str)
    return out


def _risk(evaluator) -> dict:
    r = evaluator.risk()
    res = evaluator.results()
    return {
        "risk": float(r.value),
        "ci": [float(r.ci[0]), float(r.ci[1])],
        "attack_rate": float(res.attack_rate.value),
        "control_rate": None if res.control_rate is None else float(res.control_rate.value),
        "baseline_rate": float(res.baseline_rate.value),
    }


def _anonymeter_attacks(job: dict, fast: bool = False) -> dict:
    import warnings

    import pandas as pd
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

    warnings.filterwarnings("ignore")
    train, syn, hold = (_for_anonymeter(pd.read_parquet(job[k])) for k in ("train", "synthetic", "holdout"))
    n_attacks = int(min(job.get("n_attacks", 500), len(hold), len(train)))
    out, seconds = {}, {}
    t = time.perf_counter()
    so = SinglingOutEvaluator(
        ori=train,
        syn=syn,
        control=hold,
        n_attacks=100 if fast else 500,
        seed=0,
        max_attempts=job.get("max_attempts", 10_000_000),
    )
    so.evaluate(mode="univariate" if fast else "multivariate")
    out["singling_out"], seconds["singling_out"] = _risk(so), time.perf_counter() - t
    t = time.perf_counter()
    lk = LinkabilityEvaluator(
        ori=train, syn=syn, control=hold, aux_cols=(job["link_a"], job["link_b"]), n_attacks=n_attacks
    )
    lk.evaluate()
    out["linkability"], seconds["linkability"] = _risk(lk), time.perf_counter() - t
    t = time.perf_counter()
    per_secret = {}
    for secret in job["secrets"]:
        aux = [c for c in job["quasi_identifiers"] if c != secret]
        regression = bool(pd.api.types.is_float_dtype(train[secret]))
        ev = InferenceEvaluator(
            ori=train, syn=syn, control=hold, aux_cols=aux, secret=secret, regression=regression, n_attacks=n_attacks
        )
        ev.evaluate()
        per_secret[secret] = _risk(ev)
    worst = max(per_secret, key=lambda s: per_secret[s]["risk"])
    out["attribute_inference"] = {**per_secret[worst], "secret": worst, "secrets": len(per_secret)}
    seconds["attribute_inference"] = time.perf_counter() - t
    return {"risks": out, "seconds": seconds, "n_attacks": n_attacks}


def child(argv: list[str]) -> int:
    mode, path, out = argv[0], Path(argv[1]), Path(argv[2])
    jobs = json.loads(path.read_text())
    # results of an earlier run of the same jobs are kept (a stopped run resumes)
    results = json.loads(out.read_text()) if out.exists() else {}
    for job in jobs:
        if job["name"] in results and results[job["name"]].get("job") == job:
            continue
        c0 = time.process_time()
        t0 = time.perf_counter()
        res = _anonymeter_attacks(job, fast=(mode == "fast"))
        res["wall_s"], res["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
        res["job"] = job
        results[job["name"]] = res
        out.write_text(json.dumps(results, indent=1))
        print(f"anonymeter {job['name']}: {res['wall_s']:.1f} s", file=sys.stderr, flush=True)
    out.write_text(json.dumps(results, indent=1))
    return 0


def run_anonymeter(jobs: list[dict], venv: Path, mode: str = "risks", timeout: float | None = None) -> dict:
    """Run the anonymeter child on ``jobs`` (see the module) and return its results (a
    ``subprocess.TimeoutExpired`` after ``timeout`` seconds)."""
    work = HERE / "data" / "anonymeter"
    work.mkdir(parents=True, exist_ok=True)
    jobs_path, out_path = work / f"jobs_{mode}.json", work / f"results_{mode}.json"
    jobs_path.write_text(json.dumps(jobs))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(
        [str(venv_python(venv)), str(Path(__file__).resolve()), "--child", mode, str(jobs_path), str(out_path)],
        check=True,
        env=env,
        cwd=str(work),
        timeout=timeout,
    )
    return json.loads(out_path.read_text())


# -- speed -----------------------------------------------------------------------------------------


def _sdq_run(rows: int, jobs: int) -> dict:
    """sdq's three attacks at ``rows``, in a fresh process; its timings and what anonymeter needs."""
    code = f"""
import json, resource, sys, time
sys.path.insert(0, {str(HERE)!r})
import make_data, sdq
f = make_data.load({rows})
def children():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime
t0, c0, k0 = time.perf_counter(), time.process_time(), children()
r = sdq.evaluate(f["train"], f["synthetic"], holdout=f["holdout"], metrics={ATTACKS!r}, seed=0, jobs={jobs})
wall, cpu = time.perf_counter() - t0, time.process_time() - c0 + children() - k0
ai, lk = r["attribute_inference"].details, r["linkability"].details
print(json.dumps({{"wall_s": wall, "cpu_s": cpu, "timings": r.manifest["timings"],
    "scores": {{m.name: m.score for m in r.metrics}},
    "quasi_identifiers": ai["quasi_identifiers"]["columns"], "secrets": ai["secrets"], "weakest": ai["weakest"],
    "link_a": lk["columns"]["a"], "link_b": lk["columns"]["b"]}}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def speed(rows: int, venv: Path, out: Path, cap: float = 1800.0) -> dict:
    sys.path.insert(0, str(HERE))
    import make_data

    make_data.load(rows)  # make the Parquet cache if missing
    files = {
        kind: str(HERE / "data" / f"randhie_v1_seed0_n{rows}_{kind}.parquet")
        for kind in ("train", "synthetic", "holdout")
    }
    load = os.getloadavg()
    result = {"rows": rows, "loadavg_at_start": load, "sdq": {}}
    for jobs in (1, 2):
        result["sdq"][f"jobs={jobs}"] = _sdq_run(rows, jobs)
        print(f"sdq jobs={jobs}: {result['sdq'][f'jobs={jobs}']['wall_s']:.1f} s", file=sys.stderr, flush=True)
    info = result["sdq"]["jobs=1"]
    job = {
        **files,
        "quasi_identifiers": info["quasi_identifiers"],
        "secrets": [info["weakest"]],
        "link_a": info["link_a"],
        "link_b": info["link_b"],
        "n_attacks": 500,
    }
    for mode in ("default", "fast"):
        t0 = time.perf_counter()
        try:
            res = run_anonymeter(
                [{**job, "name": mode, "n_attacks": 100 if mode == "fast" else 500}], venv, mode, timeout=cap
            )
            result[f"anonymeter_{mode}"] = res[mode]
        except subprocess.TimeoutExpired:
            result[f"anonymeter_{mode}"] = {"did_not_finish_within_s": cap, "wall_s": time.perf_counter() - t0}
        print(f"anonymeter {mode}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    result["loadavg_at_end"] = os.getloadavg()
    result["anonymeter_version"] = ANONYMETER_VERSION
    out.write_text(json.dumps(result, indent=1))
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--venv", default=str(VENV), help="anonymeter's environment (created if missing)")
    parser.add_argument("--out", default=str(HERE / "results" / "anonymeter.json"))
    parser.add_argument("--cap", type=float, default=1800.0, help="seconds after which an anonymeter run is stopped")
    args = parser.parse_args(argv)
    venv = Path(args.venv)
    ensure_venv(venv)
    res = speed(args.rows, venv, Path(args.out), args.cap)
    s1, s2 = res["sdq"]["jobs=1"], res["sdq"]["jobs=2"]
    print("| tool | wall s | cpu s | per attack (s) |\n| --- | ---: | ---: | --- |")
    for name, r in (("sdq, 1 job", s1), ("sdq, 2 jobs", s2)):
        per = ", ".join(f"{m} {r['timings'][m]:.1f}" for m in ATTACKS)
        print(f"| {name} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {per} |")
    for mode in ("default", "fast"):
        r = res[f"anonymeter_{mode}"]
        if "seconds" not in r:
            print(f"| anonymeter {mode} | did not finish within {r['did_not_finish_within_s']:.0f} s | | |")
            continue
        per = ", ".join(f"{m} {r['seconds'][m]:.1f}" for m in ATTACKS)
        print(f"| anonymeter {mode} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {per} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
