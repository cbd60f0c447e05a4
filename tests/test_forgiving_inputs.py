"""Inputs that forgive: a saved pandas index, exclusions of columns only some inputs have, and
column-mismatch errors that name the data, its file, near names and the option that fixes them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.cli import main
from sdq.data import Sources, near_name, saved_index

METRICS = ["histogram_similarity", "statistics"]


def frames(n: int = 120) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    def one(seed: int) -> pd.DataFrame:
        r = np.random.default_rng(seed)
        return pd.DataFrame(
            {
                "age": r.normal(40, 10, n).round(1),
                "income": r.lognormal(10, 0.5, n).round(2),
                "city": r.choice(["Oslo", "Lima", "Pune"], n),
            }
        )

    return one(0), one(1), one(2)


def with_index(frame: pd.DataFrame, name: str = "Unnamed: 0", start: int = 0) -> pd.DataFrame:
    """The frame as pandas reads it back after ``to_csv`` with its index."""
    out = frame.copy()
    out.insert(0, name, np.arange(start, start + len(frame)))
    return out


def evaluate(real, synthetic, holdout=None, **kwargs) -> sdq.Report:
    return sdq.evaluate(real, synthetic, holdout, metrics=METRICS, seed=0, **kwargs)


# -- a saved pandas index ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "Unnamed: 0"])
def test_a_saved_index_in_the_synthetic_data_is_ignored_with_a_warning(name):
    real, synthetic, holdout = frames()
    plain = evaluate(real, synthetic, holdout)
    report = evaluate(real, with_index(synthetic, name, start=7), holdout)
    assert report.scores == plain.scores
    assert [c["name"] for c in report.data["columns"]] == ["age", "income", "city"]
    assert report.data["warnings"] == [
        f"synthetic data: ignored its first column {name!r}, a pandas index saved with the file "
        "(unique integers; the real data has no such column)"
    ]
    assert plain.data["warnings"] == []


def test_a_saved_index_in_the_holdout_and_sensitive_data_is_ignored():
    real, synthetic, holdout = frames()
    plain = evaluate(real, synthetic, holdout, sensitive=holdout.iloc[:10])
    report = evaluate(real, synthetic, with_index(holdout), sensitive=with_index(holdout.iloc[:10]))
    assert report.scores == plain.scores
    assert [w.split(":")[0] for w in report.data["warnings"]] == ["holdout data", "sensitive data"]


def test_a_saved_index_only_the_real_data_has_is_ignored_there():
    real, synthetic, holdout = frames()
    plain = evaluate(real, synthetic, holdout)
    for report, lacking in (
        (evaluate(with_index(real), synthetic, holdout), "holdout"),  # found when the holdout is read
        (evaluate(with_index(real), synthetic), "synthetic"),  # found at the first synthetic data
        (evaluate(with_index(real), with_index(synthetic), holdout), "holdout"),
    ):
        assert report.scores == plain.scores
        column = report.data["columns"][0]
        assert column["name"] == "Unnamed: 0" and column["role"] == "excluded"
        assert "a pandas index saved with the file" in column["reason"]
        assert report.data["warnings"][0] == (
            "real data: ignored its first column 'Unnamed: 0', a pandas index saved with the file "
            f"(unique integers; the {lacking} data has no such column)"
        )


def test_a_saved_index_every_input_has_is_kept():
    real, synthetic, holdout = frames()
    report = evaluate(with_index(real), with_index(synthetic), with_index(holdout))
    column = report.data["columns"][0]
    assert column["name"] == "Unnamed: 0" and column["role"] == "feature"
    assert report.data["warnings"] == []


def test_a_saved_index_an_option_names_is_kept():
    real, synthetic, _ = frames()
    with pytest.raises(sdq.InputError, match=r"missing column\(s\) \['Unnamed: 0'\]"):
        evaluate(with_index(real), synthetic, column_types={"Unnamed: 0": "numeric"})


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda f: with_index(f, name="row"), id="a named column"),
        pytest.param(lambda f: with_index(f).assign(**{"Unnamed: 0": 1}), id="not unique"),
        pytest.param(lambda f: with_index(f).astype({"Unnamed: 0": float}), id="not integers"),
        pytest.param(lambda f: f.assign(**{"Unnamed: 0": np.arange(len(f))}), id="not the first column"),
    ],
)
def test_only_an_unnamed_leading_column_of_unique_integers_is_a_saved_index(change):
    real, synthetic, _ = frames()
    with pytest.raises(sdq.InputError, match="extra column"):
        evaluate(real, change(synthetic))


def test_saved_index():
    real, _, _ = frames()
    assert saved_index(with_index(real, "")) == "" and saved_index(with_index(real)) == "Unnamed: 0"
    assert saved_index(with_index(real, start=-3).sample(frac=1.0, random_state=0)) == "Unnamed: 0"
    assert saved_index(real) is None and saved_index(with_index(real)[["Unnamed: 0"]]) is None
    shuffled = with_index(real)
    shuffled.loc[3, "Unnamed: 0"] = 0
    assert saved_index(shuffled) is None


def test_the_callers_frames_are_not_modified():
    real, synthetic, holdout = frames()
    inputs = [with_index(real), with_index(synthetic, ""), holdout.assign(zip=1)]
    before = [f.copy(deep=True) for f in inputs]
    evaluate(*inputs, exclude=["zip"])
    for frame, copy in zip(inputs, before):
        pd.testing.assert_frame_equal(frame, copy)


# -- exclude wherever a column is ----------------------------------------------------------------


def test_exclude_drops_a_column_only_the_synthetic_or_holdout_data_has():
    real, synthetic, holdout = frames()
    plain = evaluate(real, synthetic, holdout)
    report = evaluate(real, synthetic.assign(zip="0150"), holdout.assign(note="x"), exclude=["zip", "note"])
    assert report.scores == plain.scores
    assert [c["name"] for c in report.data["columns"]] == ["age", "income", "city"]


def test_exclude_drops_a_real_column_the_synthetic_data_lacks():
    real, synthetic, holdout = frames()
    report = evaluate(real, synthetic.drop(columns="city"), holdout, exclude=["city"])
    assert {c["name"]: c["role"] for c in report.data["columns"]}["city"] == "excluded"
    assert report["histogram_similarity"].status == "ok"


def test_exclude_of_a_column_no_input_has_is_an_error_naming_the_inputs_and_a_near_name():
    real, synthetic, holdout = frames()
    with pytest.raises(sdq.InputError) as info:
        evaluate(real, synthetic.assign(zip=1), holdout, exclude=["Zip"])
    assert str(info.value) == (
        "The 'exclude' argument names 'Zip', which is not a column of any input "
        "(real data, synthetic data, holdout data); did you mean 'zip'?"
    )
    with pytest.raises(sdq.InputError, match=r"names 'ghost', which is not a column of any input \(.*\)\.$"):
        evaluate(real, synthetic, exclude=["ghost"])


def test_compare_excludes_a_column_one_candidate_has():
    real, synthetic, holdout = frames()
    result = sdq.compare(
        {"a": synthetic.assign(zip=1), "b": synthetic}, real, holdout=holdout, exclude=["zip"], metrics=METRICS
    )
    assert result["a"].scores == result["b"].scores


# -- mismatch messages ---------------------------------------------------------------------------


def test_a_mismatch_names_near_names_and_what_to_leave_out():
    real, synthetic, _ = frames()
    renamed = synthetic.rename(columns={"age": "Age", "income": "income "}).assign(zip=1)
    with pytest.raises(sdq.InputError) as info:
        evaluate(real, renamed)
    assert str(info.value) == (
        "The synthetic data does not have the columns of the real data: missing column(s) ['age', 'income']; "
        "extra column(s) ['Age', 'income ', 'zip']. Did you mean 'age' for 'Age', 'income' for 'income '? "
        "Rename them in the synthetic data. Leave it out with exclude=['zip']."
    )


def test_a_missing_role_column_is_not_offered_for_exclusion():
    real, synthetic, holdout = frames()
    with pytest.raises(sdq.InputError) as info:
        evaluate(real, synthetic, holdout.drop(columns=["city", "income"]), target="city")
    message = str(info.value)
    assert message.startswith("The holdout data does not have the columns of the real data")
    assert "Leave it out with exclude=['income']." in message
    assert message.endswith("The holdout data needs the target column 'city'.")


@pytest.mark.parametrize(
    "kwargs, option, name",
    [
        ({"target": "City"}, "target", "City"),
        ({"time_column": "ages"}, "time_column", "ages"),
        ({"column_types": {"incme": "numeric"}}, "column_types", "incme"),
    ],
)
def test_options_naming_an_unknown_column_say_which_and_a_near_name(kwargs, option, name):
    real, synthetic, _ = frames()
    with pytest.raises(sdq.InputError) as info:
        evaluate(real, synthetic, **kwargs)
    assert str(info.value).startswith(f"The {option!r} argument names {name!r}, which is not a column of the real")
    assert "did you mean" in str(info.value)


def test_near_name():
    assert near_name("Age", ["age", "income"]) == "age"
    assert near_name("income ", ["age", "income"]) == "income"
    assert near_name("customer id", ["customer_id", "city"]) == "customer_id"
    assert near_name("zip", ["age", "income"]) is None
    assert near_name("age", ["age"]) is None  # itself is no suggestion


def test_sources_spell_options_for_the_command_line():
    cli = Sources({"synthetic": "s.csv"}, flags=True)
    assert cli.name("synthetic") == "synthetic data (s.csv)" and cli.name("real") == "real data"
    assert cli.exclude(["a b", "c"]) == "--exclude 'a b' --exclude c"
    assert cli.option("column_types") == "--column-type"
    assert Sources().option("exclude") == "the 'exclude' argument"


# -- on the command line -------------------------------------------------------------------------


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    real, synthetic, holdout = frames()
    paths = {name: tmp_path / f"{name}.csv" for name in ("real", "synthetic", "holdout")}
    real.to_csv(paths["real"], index=False)
    synthetic.to_csv(paths["synthetic"], index=False)
    holdout.to_csv(paths["holdout"], index=False)
    return paths


def run(args: list, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def report_args(files: dict, synthetic: Path, tmp_path: Path, *more) -> list:
    return [
        "report",
        files["real"],
        synthetic,
        "--holdout",
        files["holdout"],
        "--metrics",
        ",".join(METRICS),
        "--output",
        tmp_path / "r.html",
        "--jobs",
        "1",
        "--cdn",
        *more,
    ]


def test_cli_ignores_a_synthetic_csv_saved_with_its_index(files, tmp_path, capsys):
    _, synthetic, _ = frames()
    path = tmp_path / "indexed.csv"
    synthetic.to_csv(path)  # header ",age,income,city"
    code, out, err = run(report_args(files, path, tmp_path), capsys)
    assert code == 0 and err == "", err
    note = (
        f"synthetic data ({path}): ignored its first column '', a pandas index saved with the file "
        "(unique integers; the real data has no such column)"
    )
    assert f"data warnings:\n  {note}\n" in out
    assert json.loads((tmp_path / "r.json").read_text())["data"]["warnings"] == [note]


def test_cli_exclude_drops_a_column_only_the_synthetic_file_has(files, tmp_path, capsys):
    _, synthetic, _ = frames()
    path = tmp_path / "with_zip.csv"
    synthetic.assign(zip="0150").to_csv(path, index=False)
    code, _, err = run(report_args(files, path, tmp_path, "--exclude", "zip"), capsys)
    assert code == 0 and err == "", err
    code, _, err = run(report_args(files, path, tmp_path), capsys)
    assert code == 2
    assert err == (
        f"sdq: error: The synthetic data ({path}) does not have the columns of the real data ({files['real']}): "
        "extra column(s) ['zip']. Leave it out with --exclude zip.\n"
    )


def test_cli_mismatch_names_the_files_near_names_and_flags(files, tmp_path, capsys):
    _, synthetic, _ = frames()
    path = tmp_path / "renamed.csv"
    synthetic.rename(columns={"age": "Age"}).to_csv(path, index=False)
    code, _, err = run(report_args(files, path, tmp_path), capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"The synthetic data ({path})" in err and f"the real data ({files['real']})" in err
    assert "Did you mean 'age' for 'Age'? Rename it in the synthetic data." in err


@pytest.mark.parametrize(
    "flags, expected",
    [
        (
            ["--exclude", "Zip"],
            "sdq: error: --exclude names 'Zip', which is not a column of any input (real data ({real}), ",
        ),
        (
            ["--target", "Age"],
            "sdq: error: --target names 'Age', which is not a column of the real data ({real}); "
            "did you mean 'age'? Its columns are ['age', 'income', 'city'].",
        ),
        (
            ["--column-type", "incme=numeric"],
            "sdq: error: --column-type names 'incme', which is not a column of "
            "the real data ({real}); did you mean 'income'?",
        ),
    ],
)
def test_cli_flags_naming_unknown_columns(files, tmp_path, capsys, flags, expected):
    code, _, err = run(report_args(files, files["synthetic"], tmp_path, *flags), capsys)
    assert code == 2 and err.startswith(expected.format(real=files["real"])), err
