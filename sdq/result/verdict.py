"""The plain-language reading of a score beside its holdout baseline, shared by every face.

One rule (:func:`reading`) gives the case; :func:`verdict` words it for the HTML report and
:func:`short_verdict` for the command line's table, so the two always agree.

Examples
--------
>>> verdict(0.95, 0.96)
('on par with fresh real data', 'good')
>>> short_verdict(0.80, 0.96)
'well below (0.16 lower)'
"""

from __future__ import annotations

__all__ = ["ON_PAR", "BELOW", "reading", "verdict", "short_verdict"]

#: Within this many points of the baseline a score reads "on par"; within BELOW, "somewhat below".
ON_PAR, BELOW = 0.02, 0.10


def reading(score: float | None, baseline: float | None, ci: list | tuple | None = None) -> tuple[str, float | None]:
    """The case of a score beside its baseline and the gap (``baseline - score``, None without
    both): ``not_measured``, ``no_baseline``, ``on_par``, ``close`` (the baseline is inside the
    score's interval), ``somewhat_below`` or ``well_below``."""
    if score is None:
        return "not_measured", None
    if baseline is None:
        return "no_baseline", None
    gap = baseline - score
    if gap <= ON_PAR:
        return "on_par", gap
    if ci is not None and ci[1] is not None and ci[1] >= baseline:
        return "close", gap
    if gap <= BELOW:
        return "somewhat_below", gap
    return "well_below", gap


#: case -> tone of the HTML report
TONES = {
    "not_measured": "none",
    "no_baseline": "none",
    "on_par": "good",
    "close": "good",
    "somewhat_below": "fair",
    "well_below": "poor",
}


def verdict(score: float | None, baseline: float | None, ci: list | tuple | None = None) -> tuple[str, str]:
    """A plain-language reading of a score beside its holdout baseline, and its tone
    (``good``, ``fair``, ``poor`` or ``none``)."""
    case, gap = reading(score, baseline, ci)
    gap = 0.0 if gap is None else gap
    text = {
        "not_measured": "not measured",
        "no_baseline": "no holdout to compare with",
        "on_par": "on par with fresh real data",
        "close": "close to fresh real data (the baseline is inside the interval)",
        "somewhat_below": f"somewhat below fresh real data ({gap:.2f} lower)",
        "well_below": f"well below fresh real data ({gap:.2f} lower)",
    }[case]
    return text, TONES[case]


def short_verdict(score: float | None, baseline: float | None, ci: list | tuple | None = None) -> str:
    """The reading of :func:`verdict` in a few words, for a table: ``on par``, ``close (baseline
    in interval)``, ``somewhat below (0.05 lower)``, ``well below (0.16 lower)``, ``no baseline``,
    or ``""`` when there is no score."""
    case, gap = reading(score, baseline, ci)
    gap = 0.0 if gap is None else gap
    return {
        "not_measured": "",
        "no_baseline": "no baseline",
        "on_par": "on par",
        "close": "close (baseline in interval)",
        "somewhat_below": f"somewhat below ({gap:.2f} lower)",
        "well_below": f"well below ({gap:.2f} lower)",
    }[case]
