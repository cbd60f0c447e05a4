"""Determinism, in one place: the same inputs and seed give the same report outside its manifest,
through the API with every metric (with a target and holdout, with a target and no holdout, with a
time column; rules mined from the real rows in each) and through the command line. In the first case and on the command line one run has
one job and the other two (so the result does not depend on the number of processes either).

Each case states which metrics it skips, and why: a metric that starts skipping would otherwise
be "deterministic" with nothing to compare. Together the cases run every metric but
``augmentation``, which needs more rows than these cases have to find a gain to compare with (its
determinism is tested on real data with its other tests).
"""

from __future__ import annotations

import pytest
from report_contract import assert_deterministic  # tests/ is on the path

import sdq
from sdq.cli import main
from sdq.metrics import registry

SEED = 11
# every model kind (the default), few resamples and queries, and row caps below the 120 real rows,
# so that the capped samples are drawn too
CONFIG = sdq.Config(
    n_bootstrap=20,
    n_queries=200,
    bootstrap_rows=100,
    model_rows=100,
    importance_rows=100,
    query_rows=100,
    privacy_rows=100,
    attack_rows=50,
    max_pairs=10,
)
SEQUENCE = [n for n, s in registry().items() if "sequence" in s.needs]
NO_SEQUENCE = "no time column and no entity column were given"
HOLDOUT_ONLY = [
    "neighbours_privacy",
    "membership_inference",
    "outlier_privacy",
    "singling_out",
    "linkability",
    "attribute_inference",
]
TARGET_ONLY = ["prediction", "feature_importance"]
#: ``augmentation`` scores only where adding real rows measurably improves a model: 50 holdout rows
#: added to 100 real ones do not, so it skips in every case here; its determinism (one job or two,
#: row and column order) is tested on real data in tests/metrics/utility/test_augmentation.py
NO_EVIDENCE = {"augmentation": "does not measurably improve"}
TESTED_ELSEWHERE = set(NO_EVIDENCE)

# case -> (how it runs, with how many jobs the first and the second time, its roles, the metrics it
# skips -> the reason they give)
CASES = {
    "api-holdout-target-jobs-1-vs-2": (
        "api",
        (1, 2),
        {"holdout": True, "target": "flag", "mine_rules": True},
        dict.fromkeys(SEQUENCE, NO_SEQUENCE) | NO_EVIDENCE,
    ),
    # without a holdout the models are tested on 30% of the 120 real rows: on 36 rows no model
    # predicts ``flag`` better than chance at 5% (the chance check the two model metrics share)
    "api-target-no-holdout": (
        "api",
        (1, 1),
        {"holdout": False, "target": "flag", "mine_rules": True},
        dict.fromkeys(SEQUENCE, NO_SEQUENCE)
        | dict.fromkeys(HOLDOUT_ONLY, "no holdout was given")
        | dict.fromkeys(TARGET_ONLY, "no better than chance")
        | {"augmentation": "no holdout was given"},
    ),
    "api-time-column": (
        "api",
        (1, 1),
        {"holdout": True, "time_column": "when", "entity_column": "code", "mine_rules": True},
        dict.fromkeys([*TARGET_ONLY, "augmentation"], "no target column was given"),
    ),
    "cli-jobs-1-vs-2": (
        "cli",
        (1, 2),
        {"holdout": True, "target": "flag", "mine_rules": True},
        dict.fromkeys(SEQUENCE, NO_SEQUENCE) | NO_EVIDENCE,
    ),
}


def test_the_cases_run_every_metric():
    skipped_everywhere = set(sdq.metric_names())
    for *_, skipped in CASES.values():
        skipped_everywhere &= set(skipped)
    assert skipped_everywhere == TESTED_ELSEWHERE


def _api(frames, roles, jobs):
    roles = dict(roles)
    with_holdout = roles.pop("holdout")

    def with_jobs(n: int):
        def run() -> str:
            # fresh copies each time: a run may not depend on what an earlier one did to its inputs
            real, synthetic, holdout = (f.copy() for f in frames)
            report = sdq.evaluate(
                real,
                synthetic,
                holdout if with_holdout else None,
                sensitive=holdout,
                config=CONFIG,
                seed=SEED,
                jobs=n,
                **roles,
            )
            assert report.manifest["run"]["jobs"] == n
            return report.to_json()

        return run

    return with_jobs(jobs[0]), with_jobs(jobs[1])


def _cli(frames, roles, jobs, folder):
    paths = {}
    for which, frame in zip(("real", "synthetic", "holdout"), frames):
        paths[which] = folder / f"{which}.csv"
        frame.to_csv(paths[which], index=False)
    args = ["report", str(paths["real"]), str(paths["synthetic"]), "--sensitive", str(paths["holdout"])]
    args += ["--seed", str(SEED), "--quiet"]
    if roles.get("holdout"):
        args += ["--holdout", str(paths["holdout"])]
    if roles.get("mine_rules"):
        args += ["--mine-rules"]
    for role in ("target", "time_column", "entity_column"):
        if role in roles:
            args += [f"--{role.replace('_', '-')}", roles[role]]

    def with_jobs(n: int):
        def run() -> str:
            out = folder / f"jobs{n}"
            code = main([*args, "--jobs", str(n), "--output", str(out / "r.html"), "--json", str(out / "r.json")])
            assert code == 0
            text = (out / "r.json").read_text(encoding="utf-8")
            assert sdq.Report.from_json(text).manifest["run"]["jobs"] == n
            return text

        return run

    return with_jobs(jobs[0]), with_jobs(jobs[1])


@pytest.mark.parametrize("case", list(CASES))
def test_same_inputs_and_seed_give_the_same_report(case, mixed_triple, tmp_path):
    how, jobs, roles, skipped = CASES[case]
    run, again = _api(mixed_triple, roles, jobs) if how == "api" else _cli(mixed_triple, roles, jobs, tmp_path)
    report = assert_deterministic(run, again)
    assert [m["name"] for m in report["metrics"]] == sdq.metric_names()
    assert report["config"]["seed"] == SEED
    statuses = {m["name"]: (m["status"], m["message"]) for m in report["metrics"]}
    assert {n: s for n, (s, _) in statuses.items() if s != "ok"} == dict.fromkeys(skipped, "skipped")
    for name, reason in skipped.items():
        assert reason in statuses[name][1], (name, statuses[name])


def test_a_difference_outside_the_manifest_is_caught(mixed_triple):
    # another seed moves the bootstrap interval: the helper must notice
    real, synthetic, _ = mixed_triple
    seeds = iter([1, 2])

    def run() -> str:
        config = sdq.Config(n_bootstrap=20, seed=next(seeds))
        return sdq.evaluate(real, synthetic, metrics=["histogram_similarity"], config=config).to_json()

    with pytest.raises(AssertionError, match="differ outside the manifest"):
        assert_deterministic(run)
