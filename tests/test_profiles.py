"""Use-case profiles (sdq.result.profiles): scores and verdicts worked out by hand, how findings
count, the built-ins, the user's own profiles and their errors, the report's faces, gates and
`sdq init --profile`."""

from __future__ import annotations

import json
import sys
import warnings

import pytest

import sdq
from sdq.cli import main
from sdq.errors import ConfigError, ProfileWarning
from sdq.gates import load_config, load_profiles, profile_gates, starter_config
from sdq.result import MetricResult
from sdq.result.profiles import BUILTIN, Profile, profile_names, resolve_profile
from sdq.result.report import EvaluationResult

needs_toml = pytest.mark.skipif(sys.version_info < (3, 11), reason="reading TOML needs Python 3.11")


def _result(name, family, score, baseline, ci=None, status="ok", details=None):
    return MetricResult(name, family, status, score if status == "ok" else None, baseline, ci, details or {})


RESULTS = [
    # a gap of 0.10 far beyond its noise: a minor finding (a gap must be above 0.10 to be major)
    _result("statistics", "fidelity", 0.8, 0.9, [0.79, 0.81]),
    _result("tails", "fidelity", 0.6, 0.95, [0.5, 0.7]),  # major
    _result("prediction", "utility", 0.9, 0.9),
    _result("exact_match", "privacy", 1.0, 1.0, [0.98, 1.0]),
    _result("outlier_privacy", "privacy", 0.4, 1.0, [0.2, 0.6]),  # major
    _result("detection", "fidelity", None, None, status="skipped"),
]


def _read(profile, results=RESULTS):
    report = EvaluationResult(results, config={}, data={}, manifest={}, sdq_version="0", profile=profile)
    return report.profile_reading


def test_the_findings_behind_the_hand_made_report():
    report = EvaluationResult(RESULTS, config={}, data={}, manifest={}, sdq_version="0")
    assert [(f.metric, f.severity) for f in report.findings] == [
        ("outlier_privacy", "major"),
        ("tails", "major"),
        ("statistics", "minor"),
    ]


def test_fraud_scores_and_verdicts_worked_out_by_hand():
    reading = _read("fraud")
    # fidelity: statistics (weight 1) and tails (weight 4); utility: prediction; privacy: the minimum
    # of the counted metrics, outlier_privacy not counted by fraud
    assert reading.summary["fidelity"] == pytest.approx((0.8 + 4 * 0.6) / 5)
    assert reading.summary["utility"] == pytest.approx(0.9)
    assert reading.summary["privacy"] == pytest.approx(1.0)
    assert reading.summary["overall"] == pytest.approx((2 * 0.64 + 3 * 0.9 + 1 * 1.0) / 6)
    # ranges: the same weights on the interval ends, a metric without an interval exact
    low, high = (0.79 + 4 * 0.5) / 5, (0.81 + 4 * 0.7) / 5
    assert reading.intervals["fidelity"] == pytest.approx([low, high])
    assert reading.intervals["privacy"] == pytest.approx([0.98, 1.0])
    assert reading.intervals["overall"] == pytest.approx([(2 * low + 2.7 + 0.98) / 6, (2 * high + 2.7 + 1.0) / 6])
    assert reading.summary_baseline["fidelity"] == pytest.approx((0.9 + 4 * 0.95) / 5)
    # the major tails finding decides; the outlier finding is set aside
    assert reading.verdicts == {"fidelity": "fails", "utility": "on_par", "privacy": "on_par", "overall": "fails"}
    assert [p.finding.metric for p in reading.decisive()] == ["tails"]
    assert [f.metric for f in reading.set_aside] == ["outlier_privacy"]
    assert "outlier_privacy" not in {p.finding.metric for p in reading.findings}
    assert reading.not_counted == ["outlier_privacy"]
    # named by fraud, not measured here: absent metrics and a skipped one
    assert reading.not_measured == {"augmentation": "not in this report", "detection": "skipped"}
    # the neutral reading beside it
    assert reading.neutral["verdict"] == "well_below"
    assert reading.neutral["overall"] == pytest.approx((0.7 + 0.9 + 0.4) / 3)
    assert reading.reasons()[0] == "tails 0.600 vs holdout 0.950: decisive for fraud"
    assert reading.reasons()[-1] == "not counted by fraud: the findings of outlier_privacy"


def test_health_and_test_data_count_the_same_findings_differently():
    health = _read("health")
    assert health.summary["privacy"] == pytest.approx(0.4)  # the weakest counted metric
    assert health.summary["overall"] == pytest.approx((0.7 + 0.9 + 4 * 0.4) / 6)
    assert health.verdicts == {"fidelity": "well_below", "utility": "on_par", "privacy": "fails", "overall": "fails"}
    # test-data: fidelity is lenient (major counts as minor), privacy strict
    test_data = _read("test-data")
    assert test_data.verdicts["fidelity"] == "somewhat_below"
    assert test_data.verdicts["privacy"] == "well_below"
    assert {p.finding.metric: p.severity for p in test_data.findings} == {
        "tails": "minor",
        "outlier_privacy": "major",
        "statistics": "minor",
    }


def _with(name, score, baseline, ci):
    """RESULTS with one metric replaced."""
    return [_result(name, r.family, score, baseline, ci) if r.name == name else r for r in RESULTS]


def test_strict_raises_a_minor_finding_and_decisive_needs_a_major_one():
    calm = [_result(r.name, r.family, r.baseline, r.baseline, r.ci) if r.status == "ok" else r for r in RESULTS]
    # every metric at its baseline, but exact_match 0.05 below with a narrow interval: minor
    minor_copies = [
        _result("exact_match", "privacy", 0.95, 1.0, [0.945, 0.955]) if r.name == "exact_match" else r for r in calm
    ]
    health = _read("health", minor_copies)
    assert [(p.finding.metric, p.finding.severity, p.severity) for p in health.findings] == [
        ("exact_match", "minor", "major")
    ]
    assert not health.findings[0].decisive and health.verdicts["privacy"] == "well_below"
    assert health.reasons() == ["exact_match 0.950 vs holdout 1.000: major for health (strict)"]
    # a minor gap on a decisive metric whose family is not strict: somewhat below, not fails
    minor_tails = [_result("tails", "fidelity", 0.9, 0.95, [0.895, 0.905]) if r.name == "tails" else r for r in calm]
    assert _read("fraud", minor_tails).verdicts["fidelity"] == "somewhat_below"
    # a minor gap on a decisive metric of a strict family: major, so it decides
    minor_outliers = [
        _result("outlier_privacy", "privacy", 0.95, 1.0, [0.945, 0.955]) if r.name == "outlier_privacy" else r
        for r in calm
    ]
    assert _read("health", minor_outliers).verdicts["privacy"] == "fails"


def test_decisive_metrics_get_half_of_the_error_rate():
    """40 column tests at their baselines and an outlier_privacy gap whose one-sided p is 0.009:
    among 42 Holm-adjusted tests it is no finding (0.009 x 42 > 0.05), but health decides on
    outlier_privacy, whose test gets half of the 5% (weighted Holm: 0.009 / 0.5 = 0.018)."""
    import math

    from scipy.stats import norm

    columns = [{"column": f"c{i}", "score": 0.9, "baseline": 0.9, "se": 0.01} for i in range(40)]
    se = 0.1
    gap = 0.02 + norm.isf(0.009) * math.sqrt(2) * se
    results = [
        _result("histogram_similarity", "fidelity", 0.9, 0.9, [0.89, 0.91], details={"columns": columns}),
        _result("outlier_privacy", "privacy", 1 - gap, 1.0, [1 - gap - 1.96 * se, 1 - gap + 1.96 * se]),
    ]
    neutral = EvaluationResult(results, config={}, data={}, manifest={}, sdq_version="0")
    assert neutral.findings == [] and neutral.verdicts["overall"] == "on_par"
    health = _read("health", results)
    (found,) = health.findings
    assert found.finding.p_value == pytest.approx(0.018, rel=1e-3)  # the interval gives se to 1.96 vs 1.95996
    assert found.decisive and health.verdict == "fails"
    assert "weighted Holm" in found.finding.evidence and "decisive for health" in found.finding.evidence
    # a profile that decides on nothing here tests like the neutral reading
    assert _read("analytics", results).findings == []


def test_a_family_of_weight_zero_is_neither_scored_nor_judged():
    reading = _read(Profile("no-privacy", weights={"privacy": 0}))
    assert reading.summary["privacy"] is None and reading.verdicts["privacy"] == "not_measured"
    assert reading.summary["overall"] == pytest.approx((0.7 + 0.9) / 2)
    assert reading.verdicts["overall"] == "well_below"
    assert {f.metric for f in reading.set_aside} == {"outlier_privacy"}


def test_no_holdout_means_no_baseline_never_on_par():
    results = [_result("statistics", "fidelity", 0.8, None, [0.7, 0.9])]
    assert _read("analytics", results).verdicts["overall"] == "no_baseline"


def test_builtin_profiles_describe_their_use_and_their_gates_read_as_thresholds():
    assert set(profile_names()) == {"ml-training", "fraud", "health", "test-data", "analytics", "release"}
    for profile in BUILTIN.values():
        assert profile.builtin and len(profile.description) > 40
        thresholds, left = profile_gates(profile)
        assert thresholds and not left and any(t.kind == "findings" for t in thresholds)
    # metrics a build lacks are left out of the gates, not an error
    thresholds, left = profile_gates(BUILTIN["health"], sdq.metric_names())
    present = set(sdq.metric_names())
    assert all(t.metric in present or t.metric in ("findings", "privacy") for t in thresholds)
    assert set(left) == {g for g in BUILTIN["health"].gates if g.split(":")[0] not in present | {"findings", "privacy"}}
    release = Profile.named("release")
    assert release.name == "release" and release.findings == BUILTIN["health"].findings


def test_report_json_carries_the_profile_and_reads_back():
    report = EvaluationResult(RESULTS, config={}, data={}, manifest={}, sdq_version="0", profile="fraud")
    data = json.loads(json.dumps(report.to_dict()))
    section = data["profile"]
    assert section["name"] == "fraud" and section["verdicts"]["overall"] == "fails"
    assert section["neutral"]["verdict"] == "well_below"
    assert section["definition"]["metrics"]["outlier_privacy"] == 0
    back = EvaluationResult.from_dict(data)
    assert back.profile == report.profile
    assert back.profile_reading.to_dict() == report.profile_reading.to_dict()
    plain = EvaluationResult(RESULTS, config={}, data={}, manifest={}, sdq_version="0")
    assert plain.to_dict()["profile"] is None and plain.profile_reading is None
    # with_profile shares the results: nothing is recomputed
    assert plain.with_profile("health").metrics == plain.metrics


# -- the user's own profiles ----------------------------------------------------------------------
def _write(tmp_path, text, name="sdq.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@needs_toml
def test_a_user_profile_extends_a_builtin_and_is_selected(tmp_path):
    path = _write(
        tmp_path,
        'profile = "churn"\n\n[profiles.churn]\nextends = "ml-training"\ndescription = "Churn models"\n'
        'weights = { utility = 4 }\nmetrics = { qscore = 0 }\nfindings = { fidelity = "lenient" }\n'
        'gates = { findings = "major", prediction = "0.95*baseline" }\n',
    )
    settings = load_profiles(path)
    profile = settings.resolve()
    assert settings.selected == "churn" and profile.name == "churn" and not profile.builtin
    assert profile.family_weight("utility") == 4 and profile.family_weight("fidelity") == 1
    assert profile.metric_weight("qscore") == 0 and profile.metric_weight("prediction") == 3  # from ml-training
    assert profile.treatment("prediction", "utility") == "decisive"
    assert profile.treatment("tails", "fidelity") == "lenient"
    assert profile.gates == {"findings": "major", "prediction": "0.95*baseline"}
    assert settings.resolve("fraud") is BUILTIN["fraud"]
    assert load_config(path) == []  # the file's own thresholds: none


@needs_toml
@pytest.mark.parametrize(
    "table, message",
    [
        ("[profiles.p]\nweight = { utility = 2 }\n", r"profiles\.p: unknown key\(s\) \['weight'\]"),
        ("[profiles.p]\nweights = { utilty = 2 }\n", r"profiles\.p\.weights\.utilty: not a family"),
        ("[profiles.p]\nweights = { utility = -1 }\n", r"profiles\.p\.weights\.utility must be a number >= 0"),
        ('[profiles.p]\nmetrics = { tails = "high" }\n', r"profiles\.p\.metrics\.tails must be a number >= 0"),
        ('[profiles.p]\nfindings = { tails = "fatal" }\n', r"profiles\.p\.findings\.tails must be one of"),
        ('[profiles.p]\nextends = "frauds"\n', r"profiles\.p\.extends must name a built-in profile"),
        ('[profiles.p]\ngates = { tails = "0.9*baseline*2" }\n', r"profiles\.p\.gates\.tails:"),
        ('[profiles.p]\ngates = { findings = "all" }\n', r"profiles\.p\.gates\.findings:"),
        ("[profiles.p]\nweights = { fidelity = 0, utility = 0, privacy = 0 }\n", r"leave no family counted"),
        ("[profiles.fraud]\nweights = { utility = 2 }\n", r"profiles\.fraud: 'fraud' is a built-in profile"),
        ('profile = "nope"\n', r"'profile': Unknown profile 'nope'"),
        ("profile = 3\n", r"'profile' must be a profile's name"),
        ('profiles = "x"\n', r"'profiles' must hold tables"),
    ],
)
def test_profile_config_errors_name_the_key(tmp_path, table, message):
    path = _write(tmp_path, table)
    with pytest.raises(ConfigError, match=message) as caught:
        load_profiles(path)
    assert str(path) in str(caught.value)


@needs_toml
def test_pyproject_profiles_are_named_with_their_table(tmp_path):
    path = _write(tmp_path, '[tool.sdq.profiles.p]\nweights = { privacy = "x" }\n', "pyproject.toml")
    with pytest.raises(ConfigError, match=r"tool\.sdq\.profiles\.p\.weights\.privacy must be a number"):
        load_profiles(path)


@needs_toml
def test_cli_profile_error_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, '[profiles.p]\nfindings = { tails = "fatal" }\n')
    assert main(["init", "--profile", "p", "--output", "x.toml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "profiles.p.findings.tails must be one of" in err
    (tmp_path / "sdq.toml").unlink()
    assert main(["init", "--profile", "nope", "--output", "x.toml"]) == 2
    assert "Unknown profile 'nope'" in capsys.readouterr().err


def test_unknown_metrics_warn_for_user_profiles_only():
    mine = Profile.from_mapping("mine", {"metrics": {"tails": 2, "tail_mass": 3}, "gates": {"no_such": 0.5}})
    assert mine.unknown_metrics(sdq.metric_names()) == ["tail_mass", "no_such"]
    report = EvaluationResult(RESULTS, config={}, data={}, manifest={}, sdq_version="0")
    public = sdq.Report(RESULTS, config={}, data={}, manifest={}, sdq_version="0")
    with pytest.warns(ProfileWarning) as caught:
        read = public.with_profile(mine)
    assert [str(w.message).split(" (")[0] for w in caught] == [
        "profile 'mine' names the metric 'tail_mass', which sdq does not have",
        "profile 'mine' names the metric 'no_such', which sdq does not have",
    ]
    # a built-in may name metrics a build lacks (singling_out, augmentation, ...): no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        public.with_profile("health")
        report.with_profile(mine)  # the plain value never looks at the registry
    # an extended built-in's own names are not the user's
    extended = Profile.from_mapping("x", {"extends": "health", "metrics": {"tails": 2}})
    assert extended.unknown_metrics(sdq.metric_names()) == []
    # the absent metric is listed as not measured, never an error
    assert read.profile_reading.not_measured["tail_mass"] == "not in this report"


def test_resolve_profile_forms():
    assert resolve_profile(None) is None
    assert resolve_profile("fraud") is BUILTIN["fraud"]
    made = resolve_profile({"name": "m", "extends": "fraud", "weights": {"privacy": 2}})
    assert made.name == "m" and made.family_weight("privacy") == 2 and made.metric_weight("tails") == 4
    with pytest.raises(ConfigError, match="Unknown profile 'frod'"):
        resolve_profile("frod")
    with pytest.raises(ConfigError, match="must be a profile name"):
        resolve_profile(3)


# -- gates ----------------------------------------------------------------------------------------
def test_the_findings_gate_counts_findings_as_the_profile_does():
    # a gap of 0.05 with a narrow interval: a minor finding (0.02 < gap <= 0.10, far beyond noise)
    results = [_result("tails", "fidelity", 0.90, 0.95, [0.895, 0.905]), _result("exact_match", "privacy", 1.0, 1.0)]
    report = sdq.Report(results, config={}, data={}, manifest={}, sdq_version="0")
    assert [(f.metric, f.severity) for f in report.findings] == [("tails", "minor")]
    assert report.check({"findings": "major"}).passed
    strict = Profile("strict-fidelity", findings={"fidelity": "strict"})
    result = report.with_profile(strict).check({"findings": "major"})
    assert not result.passed
    assert "as profile strict-fidelity counts them" in result.outcomes[0].message
    assert "major for strict-fidelity (strict)" in result.outcomes[0].worst[0]
    # a profile that does not count the metric sets its finding aside
    assert report.with_profile(Profile("p", metrics={"tails": 0})).check({"findings": "any"}).passed


# -- sdq init --profile ---------------------------------------------------------------------------
@needs_toml
@pytest.mark.parametrize("name", list(BUILTIN))
def test_init_profile_writes_gates_that_load(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--profile", name, "--output", "gates.toml"]) == 0
    assert f"with the gates of profile {name}" in capsys.readouterr().out
    path = tmp_path / "gates.toml"
    loaded = load_config(path)
    expected, left = profile_gates(BUILTIN[name], sdq.metric_names())
    assert loaded == expected
    assert load_profiles(path).resolve() is BUILTIN[name]
    text = path.read_text(encoding="utf-8")
    for target in left:
        assert f"# {target} = " in text


@needs_toml
def test_init_copies_a_user_profile_and_keeps_measured_thresholds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path,
        '[profiles."my use"]\nextends = "fraud"\ndescription = "say \\"why\\""\nmetrics = { qscore = 0.5 }\n'
        'gates = { findings = "any", "tails:*" = "0.8*baseline" }\n',
    )
    report = sdq.Report(
        [_result("tails", "fidelity", 0.9, 0.95, [0.85, 0.95]), _result("qscore", "utility", 0.9, 0.92, [0.88, 0.93])],
        config={},
        data={},
        manifest={},
        sdq_version="0",
    )
    report.to_json(tmp_path / "r.json")
    assert main(["init", "--profile", "my use", "--from-report", "r.json", "--output", "out.toml"]) == 0
    out = tmp_path / "out.toml"
    settings = load_profiles(out)
    again = settings.resolve()
    original = load_profiles(tmp_path / "sdq.toml").resolve("my use")
    assert settings.selected == "my use" and again == original
    targets = [t.target for t in load_config(out)]
    # the profile's gates, then the measured ones on targets the profile leaves free
    assert targets[:2] == ["findings", "tails:*"]
    assert "qscore" in targets and targets.count("findings") == 1


def test_starter_config_with_a_profile_has_no_duplicate_keys():
    text = starter_config(None, profile=BUILTIN["analytics"], metric_names=sdq.metric_names())
    keys = [line.split("=")[0].strip() for line in text.splitlines() if "=" in line and not line.startswith("#")]
    assert keys[0] == "profile" and len(keys) == len(set(keys))


@needs_toml
def test_a_config_file_with_a_profile_is_not_a_file_of_rules(tmp_path):
    from sdq.rules import read_rules

    path = _write(tmp_path, 'profile = "health"\n')
    assert read_rules(path, required=False) == ()
    both = _write(tmp_path, 'profile = "health"\n\n[rules]\nadult = "age >= 18"\n', "both.toml")
    assert [r.name for r in read_rules(both)] == ["adult"]
    assert load_profiles(both).selected == "health"


def test_the_docs_table_of_builtin_profiles_is_true():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "profiles.md").read_text(encoding="utf-8")
    for name, profile in BUILTIN.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}`"))
        cells = row.split(" | ")
        weights = " / ".join(f"{profile.family_weight(f):g}" for f in ("fidelity", "utility", "privacy"))
        assert cells[2] == weights, name
        for metric, weight in profile.metrics.items():
            assert f"{metric} {weight:g}" in cells[3], (name, metric)
        for target, treatment in profile.findings.items():
            assert target in cells[4] and treatment in cells[4], (name, target)
        for target in profile.gates:
            assert target.split(":")[0] in cells[5], (name, target)


def test_a_hostile_profile_stays_text_in_every_face():
    from html_tags import assert_display_html  # tests/ is on the path

    hostile = Profile("<b>x</b>", description='<script>alert("p")</script>', metrics={"tails": 2})
    report = sdq.Report(RESULTS, config={}, data={}, manifest={}, sdq_version="0").with_profile(hostile)
    page = report.to_html()
    assert '<script>alert("p")</script>' not in page and "&lt;script&gt;alert" in page
    assert "<b>x</b>" not in page
    card = report._repr_html_()
    assert_display_html(card)
    assert "<script>" not in card and "<b>x</b>" not in card
    comparison = sdq.Comparison({"a": report, "b": report.with_profile(hostile)})
    assert "<script>alert" not in comparison.to_html() and "<b>x</b>" not in comparison.to_html()
    assert_display_html(comparison._repr_html_())
