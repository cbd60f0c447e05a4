"""What every sdq report must satisfy, whatever its input: shared by the bad-input battery, the
fuzz tests and the determinism test."""

from __future__ import annotations

import json
import math
from typing import Any, Callable

from sdq.result import column_entries, entry_scores
from sdq.schema import KINDS

STATUSES = ("ok", "skipped", "error")


def _no_constant(name: str):
    raise AssertionError(f"non-strict JSON constant {name}")


def strict_json(text: str) -> dict:
    return json.loads(text, parse_constant=_no_constant)


def _in_unit(value: Any) -> bool:
    return value is None or (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and -1e-12 <= value <= 1 + 1e-12
    )


def check_contract(d: dict) -> None:
    """What every report must satisfy, whatever its input."""
    assert d["metrics"], "a report without metrics"
    for m in d["metrics"]:
        assert m["status"] in STATUSES, m
        assert _in_unit(m["score"]) and _in_unit(m["baseline"]), (m["name"], m["score"], m["baseline"])
        if m["ci"] is not None:
            assert len(m["ci"]) == 2 and all(_in_unit(v) for v in m["ci"]), (m["name"], m["ci"])
            if None not in m["ci"]:
                assert m["ci"][0] <= m["ci"][1] + 1e-12, (m["name"], m["ci"])
        if m["status"] == "ok":
            assert m["score"] is not None, m
            for entry in column_entries(m["details"]):
                assert all(_in_unit(v) for v in entry_scores(entry)), (m["name"], entry)
        else:
            assert m["score"] is None and m["message"], m
    for summary in (d["summary"], d["summary_baseline"]):
        assert all(_in_unit(v) for v in summary.values()), summary
    for column in d["data"]["columns"]:
        assert column["kind"] in KINDS and column["reason"], column


def without_manifest(d: dict) -> str:
    """A report's JSON outside its manifest (which holds times and versions), as canonical text."""
    return json.dumps({k: v for k, v in d.items() if k != "manifest"}, sort_keys=True, allow_nan=False)


def assert_deterministic(run: Callable[[], str], again: Callable[[], str] | None = None) -> dict:
    """Run ``run`` and then ``again`` (``run`` itself by default), each giving a report's JSON text;
    both keep the contract and are identical, to the last character, outside the manifest.
    Returns the first report (parsed)."""
    first, second = strict_json(run()), strict_json((again or run)())
    for d in (first, second):
        check_contract(d)
        assert "manifest" in d, "a report without its manifest"
    if without_manifest(first) != without_manifest(second):
        keys = sorted(k for k in first.keys() | second.keys() if k != "manifest" and first.get(k) != second.get(k))
        metrics = [
            (a["name"], a["status"], a["score"], b["score"])
            for a, b in zip(first["metrics"], second["metrics"])
            if a != b
        ]
        raise AssertionError(
            f"two runs differ outside the manifest, in {keys}; metrics (name, status, scores): {metrics}"
        )
    return first
