"""Fixtures of the renderer tests: reports built by hand, by a small evaluation with hostile names
and values, by a wide evaluation (50 columns), and the demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sdq
from sdq.report import Report
from sdq.result import MetricResult


def pytest_configure(config):
    config.addinivalue_line("markers", "packaging: builds the wheel and installs it into a fresh venv (about 20 s)")


#: Runs only if executed: each payload marks the document when it runs.
PWN = "document.documentElement.setAttribute('data-pwned','1')"
HOSTILE_CATEGORIES = (
    "<script>alert(1)</script>",
    f'<img src=x onerror="{PWN}">',
    f"</script><script>{PWN}</script>",
    "<!-- a & b -->",
    "plain",
)
HOSTILE_COLUMNS = {
    "num": 'name "quoted" & <b>bold</b>',
    "num2": "café ünïcode 数据 'single'",
    "cat": f'<svg onload="{PWN}">',
    "target": "target & <i>",
}


def hostile_frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) + shift
    return pd.DataFrame(
        {
            HOSTILE_COLUMNS["num"]: x,
            HOSTILE_COLUMNS["num2"]: 0.6 * x + rng.normal(size=n),
            HOSTILE_COLUMNS["cat"]: rng.choice(np.array(HOSTILE_CATEGORIES, dtype=object), size=n),
            HOSTILE_COLUMNS["target"]: x + rng.normal(size=n) > 0,
        }
    )


FAST = sdq.Config(n_bootstrap=10, models=("linear",), n_queries=100)


@pytest.fixture(scope="session")
def hostile_report() -> Report:
    """A real evaluation of data whose column names and categories are HTML and script, plus a
    metric this version of sdq does not know (details with hostile text) and a failed one."""
    real, synthetic, holdout = hostile_frame(240, 0), hostile_frame(240, 1, 0.3), hostile_frame(120, 2)
    report = sdq.evaluate(real, synthetic, holdout, target=HOSTILE_COLUMNS["target"], config=FAST)
    report.metrics.append(
        MetricResult(
            "custom_metric",
            "fidelity",
            "ok",
            score=0.5,
            baseline=0.9,
            ci=[0.4, 0.6],
            details={
                "threshold": 0.25,
                "note": HOSTILE_CATEGORIES[1],
                "rows": {"real": 240, "synthetic": 240},
                "columns": [
                    {"column": HOSTILE_COLUMNS["cat"], "score": 0.4, "baseline": 0.9},
                    {"column": HOSTILE_COLUMNS["num"], "score": 0.6, "baseline": 0.8},
                ],
            },
            message=HOSTILE_CATEGORIES[2],
        )
    )
    report.metrics.append(
        MetricResult("broken_metric", "utility", "error", message=f"ValueError: {HOSTILE_CATEGORIES[0]}")
    )
    return report


def wide_frame(n: int, n_columns: int, seed: int, noise: float = 0.0) -> pd.DataFrame:
    """``n_columns`` columns (numbers, categories of 8 letters, booleans) driven by three factors."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 3))
    columns = {}
    for j in range(n_columns):
        base = z[:, j % 3] + (0.5 + noise) * rng.normal(size=n)
        if j % 5 == 3:
            columns[f"cat_{j:03d}"] = np.array(list("abcdefgh"))[np.digitize(base, [-1.5, -1, -0.5, 0, 0.5, 1, 1.5])]
        elif j % 10 == 9:
            columns[f"flag_{j:03d}"] = base > 0
        else:
            columns[f"num_{j:03d}"] = base * (j + 1)
    columns["target"] = z[:, 0] + rng.normal(size=n) > 0
    return pd.DataFrame(columns)


@pytest.fixture(scope="session")
def wide_report() -> Report:
    """A real evaluation of 50 columns (and a target), every metric that applies."""
    real, synthetic, holdout = wide_frame(400, 50, 0), wide_frame(400, 50, 1, 0.5), wide_frame(200, 50, 2)
    return sdq.evaluate(real, synthetic, holdout, target="target", config=FAST)


@pytest.fixture(scope="session")
def demo_html(demo_run) -> str:
    """The path of the report ``sdq demo`` writes (run once per session)."""
    return str(demo_run[0] / "demo.html")


@pytest.fixture
def handmade():
    """``make(metrics, **data)``: a report from hand-made results (no evaluation)."""

    def make(metrics: list[MetricResult], **data) -> Report:
        base = {
            "real": {"rows": 100, "columns": 2},
            "synthetic": {"rows": 100, "columns": 2},
            "holdout": None,
            "columns": [{"name": "a", "kind": "numeric", "reason": "numbers", "role": "feature"}],
            "show_records": False,
        }
        base.update(data)
        return Report(metrics, config={"seed": 0}, data=base, manifest={"created": "now"}, sdq_version=sdq.__version__)

    return make
