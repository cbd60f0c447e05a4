"""The one formatter of every sdq assertion message (thresholds, ``sdq.testing``, JUnit)."""

from __future__ import annotations

from typing import Any

from sdq.gates.threshold import number_text, score_text

__all__ = ["format_failure", "DEFAULT_HINT"]

DEFAULT_HINT = (
    "run `sdq report REAL SYNTHETIC --holdout HOLDOUT` (or report.to_html(path)) for the full report with plots"
)


def format_failure(
    outcomes: list[Any] | None = None,
    *,
    total: int | None = None,
    hint: str | None = DEFAULT_HINT,
    title: str | None = None,
    fields: list[tuple[str, str]] | None = None,
    worst: list[str] | None = None,
) -> str:
    """The message of every sdq assertion: a summary line, aligned ``[score] / [threshold] /
    [baseline] / [interval]`` fields, the worst columns or pairs with their numbers, and a hint.

    Either ``outcomes`` (failed thresholds) or ``title`` + ``fields`` (+ ``worst``) for checks that
    are not thresholds on a score (e.g. a maximum share of copied rows).
    """
    blocks: list[tuple[str, list[tuple[str, str]], list[str]]] = []
    for o in outcomes or []:
        line = f"{o.threshold.describe()} failed: {o.reason()}"
        if o.kind == "findings":  # no score: the findings themselves are the evidence
            blocks.append((line, [], list(o.worst)))
            continue
        if o.kind == "relative":
            threshold = f"{number_text(o.threshold.min)} * baseline" + (
                f" = {score_text(o.required)}" if o.required is not None else ""
            )
        else:
            threshold = score_text(o.threshold.min)
        f = [("score", score_text(o.score)), ("threshold", threshold)]
        if o.kind == "ci_low":
            f.append(("ci_low", score_text(o.value)))
        f.append(("baseline", score_text(o.baseline)))
        f.append(("interval", f"{o.ci[0]:.3f}-{o.ci[1]:.3f}" if o.ci else "—"))
        blocks.append((line, f, list(o.worst)))
    if title is not None:
        blocks.append((title, fields or [], list(worst or [])))
    n = len(outcomes or [])
    lines = []
    if outcomes and (n > 1 or (total or 0) > 1):
        lines.append(f"sdq: {n} of {total or n} thresholds failed")
    for line, f, w in blocks:
        lines.append(line)
        if f:
            lines.append("  " + "   ".join(f"[{label}]: {value}" for label, value in f))
        lines.extend(f"  {item}" for item in w)
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)
