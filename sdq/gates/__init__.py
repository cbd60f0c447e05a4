"""Gates: thresholds on a report's scores, checked against the report itself (``sdq check``,
``Report.check``, ``sdq.testing``), and their output formats.

- :mod:`~sdq.gates.threshold`: :class:`Threshold`, a minimum on one target, and what targets and kinds are;
- :mod:`~sdq.gates.parse`: thresholds from text (``fidelity=0.8,correlation=0.9*baseline``) and mappings;
- :mod:`~sdq.gates.config_file`: ``sdq.toml`` / ``[tool.sdq]``: reading them and writing a starting one;
- :mod:`~sdq.gates.check`: checking thresholds against a report -> :class:`CheckResult`;
- :mod:`~sdq.gates.formats`: a check as a text table, Markdown, JUnit XML and HTML;
- :mod:`~sdq.gates.messages`: the one formatter of assertion messages.

Gates read the report only: they never import the metric registry, so a report read from JSON
(or one holding a plugin's metrics) is gated exactly like the live one.
"""

from sdq.gates.check import CheckResult, ThresholdOutcome, check, worst_offenders
from sdq.gates.config_file import (
    ProfileSettings,
    find_config,
    load_config,
    load_profiles,
    profile_gates,
    starter_config,
)
from sdq.gates.messages import DEFAULT_HINT, format_failure
from sdq.gates.parse import as_thresholds, parse_thresholds
from sdq.gates.threshold import FAMILY_TARGETS, KINDS, Threshold

__all__ = [
    "Threshold",
    "ThresholdOutcome",
    "CheckResult",
    "parse_thresholds",
    "as_thresholds",
    "load_config",
    "load_profiles",
    "profile_gates",
    "ProfileSettings",
    "find_config",
    "starter_config",
    "check",
    "format_failure",
    "worst_offenders",
    "DEFAULT_HINT",
    "FAMILY_TARGETS",
    "KINDS",
]
