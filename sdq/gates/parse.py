"""Thresholds from text, mappings (a TOML table's shape) and lists: ``fidelity=0.8``,
``correlation=0.9*baseline``, ``exact_match:ci_low=0.95``, ``{min = 0.7, on = "baseline"}``."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from sdq.errors import ConfigError
from sdq.gates.threshold import FAIL_ON, FINDINGS, Threshold

__all__ = ["parse_thresholds", "as_thresholds", "threshold_from_value"]

_ON = {"score": "absolute", "baseline": "relative", "ci_low": "ci_low"}


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


_RELATIVE = re.compile(rf"^\s*({_NUMBER})\s*\*\s*baseline\s*$|^\s*baseline\s*\*\s*({_NUMBER})\s*$")


_CI_CALL = re.compile(r"^\s*ci_low\s*\(\s*(.+?)\s*\)\s*$")


def _number(text: str, target: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(
            f"The value of threshold {target!r} must be a number in [0, 1] or "
            f"'<factor>*baseline'. Got {text.strip()!r} instead."
        ) from None


def _split_target(key: str) -> tuple[str, str]:
    """``ci_low(x)`` and ``x:ci_low`` -> (``x``, ``ci_low``); anything else -> (key, ``absolute``)."""
    key = key.strip()
    call = _CI_CALL.match(key)
    if call:
        return call.group(1), "ci_low"
    if key.endswith(":ci_low"):
        return key[: -len(":ci_low")], "ci_low"
    return key, "absolute"


def _findings_gate(target: str, value: Any) -> Threshold:
    """``findings = "major"``, ``"any"``, or ``{ fail_on = "major", allow_skipped = true }``."""
    allow_skipped = False
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"fail_on", "allow_skipped"})
        if unknown:
            raise ConfigError(
                f"Threshold {target!r} has unknown key(s) {unknown}; allowed: ['fail_on', 'allow_skipped']."
            )
        allow_skipped = value.get("allow_skipped", False)
        if not isinstance(allow_skipped, bool):
            raise ConfigError(
                f"The 'allow_skipped' of threshold {target!r} must be true or false. Got {allow_skipped!r} instead."
            )
        value = value.get("fail_on")
    if not isinstance(value, str) or value.strip() not in FAIL_ON:
        raise ConfigError(
            f'The findings gate {target!r} is written {target} = "major" or "any". Got {value!r} instead.'
        )
    return Threshold(target, 0.0, "findings", allow_skipped, fail_on=value.strip())


def threshold_from_value(key: str, value: Any) -> Threshold:
    if key.strip().split(":", 1)[0].strip() == FINDINGS:
        return _findings_gate(key.strip(), value)
    target, kind = _split_target(key)
    allow_skipped = False
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"min", "on", "allow_skipped"})
        if unknown:
            raise ConfigError(
                f"Threshold {key!r} has unknown key(s) {unknown}; allowed: ['min', 'on', 'allow_skipped']."
            )
        if "min" not in value:
            raise ConfigError(f"Threshold {key!r} needs a 'min' value.")
        on = value.get("on", "score")
        if on not in _ON:
            raise ConfigError(f"The 'on' of threshold {key!r} must be one of {list(_ON)}. Got {on!r} instead.")
        if on != "score":
            kind = _ON[on]
        allow_skipped = value.get("allow_skipped", False)
        if not isinstance(allow_skipped, bool):
            raise ConfigError(
                f"The 'allow_skipped' of threshold {key!r} must be true or false. Got {allow_skipped!r} instead."
            )
        value = value["min"]
    if isinstance(value, str):
        relative = _RELATIVE.match(value)
        if relative:
            if kind == "ci_low":
                raise ConfigError(f"Threshold {key!r}: a 'ci_low' threshold cannot be relative to the baseline.")
            kind, value = "relative", float(relative.group(1) or relative.group(2))
        else:
            value = _number(value, key)
    return Threshold(target, value, kind, allow_skipped)


def parse_thresholds(spec: str) -> list[Threshold]:
    """Thresholds from text such as ``fidelity=0.8,correlation=0.9*baseline,exact_match:ci_low=0.95``.

    Examples
    --------
    >>> [t.describe() for t in parse_thresholds("fidelity=0.8, correlation>=0.9*baseline")]
    ['fidelity >= 0.80', 'correlation >= 0.90 * baseline']
    """
    thresholds = []
    for item in spec.split(","):
        if not item.strip():
            continue
        match = re.match(r"^(.+?)\s*(>=|=)\s*(.+)$", item.strip())
        if not match:
            raise ConfigError(
                f"Cannot read threshold {item.strip()!r}: expected TARGET=VALUE, e.g. "
                f"'fidelity=0.8', 'correlation=0.9*baseline' or 'exact_match:ci_low=0.95'."
            )
        thresholds.append(threshold_from_value(match.group(1), match.group(3)))
    if not thresholds:
        raise ConfigError(f"No threshold in {spec!r}: expected e.g. 'fidelity=0.8,privacy=0.9'.")
    return thresholds


def as_thresholds(thresholds: Any) -> list[Threshold]:
    """Thresholds from a :class:`Threshold`, a string, a mapping (the TOML table's shape) or a list of those."""
    if isinstance(thresholds, Threshold):
        return [thresholds]
    if isinstance(thresholds, str):
        return parse_thresholds(thresholds)
    if isinstance(thresholds, Mapping):
        return [threshold_from_value(str(k), v) for k, v in thresholds.items()]
    if isinstance(thresholds, Iterable):
        out: list[Threshold] = []
        for item in thresholds:
            out.extend(as_thresholds(item))
        return out
    raise ConfigError(
        f"Thresholds must be a Threshold, a string, a mapping or a list of those. "
        f"Got {type(thresholds).__name__} instead."
    )
