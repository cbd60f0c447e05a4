"""What every sdq report must satisfy, whatever its input: shared by the bad-input battery and the
fuzz tests."""

from __future__ import annotations

import json
import math
from typing import Any

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
