"""The public :class:`Report`: an evaluation's result with its faces: the HTML report, a
notebook card, one column's figures, and gates (``check``, ``raise_for_thresholds``).

The value itself (metrics, family scores, JSON, tables) is :class:`sdq.result.report.EvaluationResult`,
which knows nothing of rendering or gates; this class adds them, so the import direction stays
render/gates -> result.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from sdq.errors import ProfileWarning
from sdq.files import write_atomic
from sdq.gates import check
from sdq.result import About
from sdq.result.profiles import Profile, resolve_profile
from sdq.result.report import EvaluationResult

__all__ = ["Report", "Figures", "profile_warnings", "warn_profile"]


def profile_warnings(profile: Profile | None) -> list[str]:
    """One line for each metric a user's profile names that this installation does not have
    (built-in profiles may name metrics a build lacks: they are simply not measured)."""
    if profile is None or profile.builtin:
        return []
    from sdq.metrics import names

    known = names()
    return [
        f"profile {profile.name!r} names the metric {name!r}, which sdq does not have "
        f"(it is listed as not measured); the metrics are {known}"
        for name in profile.unknown_metrics(known)
    ]


def warn_profile(profile: Profile | None, stacklevel: int = 3) -> None:
    """:func:`profile_warnings` as :class:`~sdq.errors.ProfileWarning` warnings."""
    for text in profile_warnings(profile):
        warnings.warn(text, ProfileWarning, stacklevel=stacklevel)


class Figures(list):
    """A list of plotly figures that displays every one of them in a notebook.

    Each figure is shown as its own output carrying the plotly figure (drawn by a live notebook)
    and a static HTML copy of its numbers, which is what a notebook exported to HTML or read on a
    static viewer shows (see :mod:`sdq.render.notebook`).
    """

    def _ipython_display_(self) -> None:
        from IPython.display import display

        from sdq.render.notebook import figure_bundle

        if not self:
            display(self._repr_mimebundle_(), raw=True)
        for fig in self:
            display(figure_bundle(fig), raw=True)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """All figures in one bundle, for front ends that ask the list itself: the static copy of
        every figure as ``text/html``, and the plotly figure too when the list holds just one (a
        bundle holds one value per type; IPython shows each figure with its own bundle instead)."""
        from sdq.render.notebook import figure_bundle, figure_html, figure_title

        if len(self) == 1:
            bundle = figure_bundle(self[0])
        else:
            bundle = {
                "text/html": "".join(figure_html(fig) for fig in self) or "<div>no figure shows this column</div>"
            }
        titles = [figure_title(fig) or "untitled" for fig in self]
        bundle["text/plain"] = f"{len(self)} figure(s)" + "".join(f"\n- {t}" for t in titles)
        return bundle


class Report(EvaluationResult):
    """Results of one evaluation (see :class:`~sdq.result.report.EvaluationResult` for the
    attributes), with the HTML report, notebook display, figures and gates."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        """A report from its JSON form. Results written before reports described their metrics
        (no ``about``) get the description of the installed metric of the same name, if any."""
        report = super().from_dict(data)
        undescribed = [m for m in report.metrics if m.about is None]
        if undescribed:
            from sdq.metrics import registry

            known = registry()
            for m in undescribed:
                if m.name in known and known[m.name].family == m.family:
                    m.about = About.of(known[m.name])
        return report

    def with_profile(self, profile: Profile | str | None) -> "Report":
        """The same report read with a use-case profile (a built-in's name such as ``"fraud"``, a
        :class:`~sdq.result.profiles.Profile`, a mapping shaped like a ``[profiles.NAME]`` table
        with a ``name``, or None for none); the metrics are not run again. A user's profile that
        names a metric sdq does not have gets a :class:`~sdq.errors.ProfileWarning`."""
        profile = resolve_profile(profile)
        warn_profile(profile)
        return super().with_profile(profile)

    def show(self, column: Any) -> "Figures":
        """The figures of one column, from every metric that shows it (distribution, per-lag
        autocorrelation, its associations with the other columns), as plotly figures.

        In a notebook the returned list displays itself; elsewhere, call ``.show()`` on a figure
        or ``.write_html(path)``. Raises ``KeyError`` for a column the report does not have.
        """
        names = [str(c.get("name")) for c in self.data.get("columns", [])]
        column = str(column)
        if column not in names:
            raise KeyError(f"no column {column!r} in this report; it has {names}")
        from sdq.render.figures import column_figures  # imported when used: `import sdq` loads no plotly

        return Figures(column_figures(self, column))

    # -- gates -----------------------------------------------------------------------------------
    def check(self, thresholds: Any):
        """Check thresholds against this report -> :class:`sdq.gates.CheckResult`.

        ``thresholds``: a :class:`sdq.gates.Threshold`, a string such as
        ``"fidelity=0.8,correlation=0.9*baseline"``, a mapping shaped like the ``[tool.sdq.thresholds]``
        table, or a list of those. A target that was skipped, failed or not run fails unless the
        threshold allows it (``allow_skipped``).
        """
        return check(self, thresholds)

    def raise_for_thresholds(self, thresholds: Any) -> "Report":
        """Raise an ``AssertionError`` naming every failed threshold with its numbers; else return self."""
        __tracebackhide__ = True
        self.check(thresholds).raise_for_failures()
        return self

    # -- rendering -----------------------------------------------------------------------------
    def to_html(self, path: str | os.PathLike | None = None, *, cdn: bool = False) -> str:
        """The HTML report as a string; also written atomically to ``path`` if given.

        The file is self-contained and opens offline (plotly.js is embedded, compressed); with
        ``cdn=True`` plotly.js is loaded from its CDN instead (a smaller file that needs a network).
        """
        from sdq.render.html import render_report  # imported when used: `import sdq` loads no jinja2

        html = render_report(self, cdn=cdn)
        if path is not None:
            write_atomic(path, html)
        return html

    def _repr_html_(self) -> str:
        from sdq.render.html import render_summary

        return render_summary(self)
