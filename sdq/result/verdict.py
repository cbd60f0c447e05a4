"""The words of a verdict, shared by every face: the HTML report, the command line's table,
``sdq check``, the comparison and the notebook card all print what :func:`wording` gives, so they
always agree.

Verdicts themselves are decided by findings (:mod:`sdq.result.findings`; ``fails`` only by a
use-case profile, :mod:`sdq.result.profiles`); this module only words them, with the number of
findings and of failing columns behind them.

Examples
--------
>>> wording("on_par")
('on par with fresh real data', 'on par', 'good')
>>> wording("no_baseline")[1]
'no baseline'
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["wording", "TEXTS", "SHORT", "TONES"]

#: verdict -> its words in the HTML report
TEXTS = {
    "on_par": "on par with fresh real data",
    "somewhat_below": "somewhat below fresh real data",
    "well_below": "well below fresh real data",
    "no_baseline": "not judged: no holdout to compare with",
    "not_measured": "not measured",
    "fails": "fails this use: a metric it depends on is well below fresh real data",
}
#: verdict -> its words in a table
SHORT = {
    "on_par": "on par",
    "somewhat_below": "somewhat below",
    "well_below": "well below",
    "no_baseline": "no baseline",
    "not_measured": "",
    "fails": "fails",
}
#: verdict -> tone of the HTML report
TONES = {
    "on_par": "good",
    "somewhat_below": "fair",
    "well_below": "poor",
    "no_baseline": "none",
    "not_measured": "none",
    "fails": "poor",
}


def _counts(findings: Sequence[Any]) -> str:
    """``3 findings, 2 columns`` (columns only where some finding names one)."""
    if not findings:
        return ""
    columns = {f.column for f in findings if f.column is not None}
    text = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
    if columns:
        text += f", {len(columns)} column{'s' if len(columns) != 1 else ''}"
    return text


def wording(verdict: str, findings: Sequence[Any] = ()) -> tuple[str, str, str]:
    """``(text, short, tone)`` of a verdict and the findings behind it: the HTML report's words,
    the table's and the tone (``good``, ``fair``, ``poor`` or ``none``)."""
    counts = _counts(findings)
    text, short = TEXTS[verdict], SHORT[verdict]
    if counts:
        text, short = f"{text} ({counts})", f"{short} ({counts})"
    return text, short, TONES[verdict]
