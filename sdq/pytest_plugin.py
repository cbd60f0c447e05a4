"""sdq's pytest plugin (registered through the ``pytest11`` entry point ``sdq``).

- ``--sdq-seed N`` (default 0): the seed of the ``sdq_evaluate`` fixture.
- ``--sdq-report-dir DIR``: when a test fails on an sdq assertion (``sdq.testing`` or
  ``Report.raise_for_thresholds``), the HTML report behind it is written to
  ``DIR/<test id>.html`` and its path is added to the test's failure report.
- fixture ``sdq_evaluate``: :func:`sdq.engine.evaluate` with ``seed`` set from ``--sdq-seed``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sdq", "synthetic data quality (sdq)")
    group.addoption("--sdq-seed", type=int, default=0, help="seed of the sdq_evaluate fixture (default 0)")
    group.addoption(
        "--sdq-report-dir",
        default=None,
        metavar="DIR",
        help="write the HTML report of each failing sdq assertion to DIR",
    )


@pytest.fixture
def sdq_evaluate(request: pytest.FixtureRequest):
    """``sdq.evaluate`` with the seed of ``--sdq-seed`` (an explicit ``seed=`` still wins)."""
    import sdq

    seed = request.config.getoption("--sdq-seed")

    def evaluate(real, synthetic, holdout=None, **kwargs):
        kwargs.setdefault("seed", seed)
        return sdq.evaluate(real, synthetic, holdout, **kwargs)

    return evaluate


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    folder = item.config.getoption("--sdq-report-dir")
    if not folder or call.excinfo is None or not isinstance(call.excinfo.value, AssertionError):
        return
    report = getattr(call.excinfo.value, "report", None)
    if report is None or not hasattr(report, "to_html"):
        return
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_") or "sdq"
    path = Path(folder) / f"{name}.html"
    try:
        report.to_html(path)
    except Exception as exc:  # noqa: BLE001 - a report that cannot be written must not hide the failure
        outcome.get_result().sections.append(("sdq report", f"could not write {path}: {exc}"))
        return
    outcome.get_result().sections.append(("sdq report", f"written to {path}"))
