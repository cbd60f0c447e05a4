"""What was computed: metric results, family scores and the report as a plain, serialisable value.

Nothing here renders, gates, reads data files or runs metrics: renderers and gates read these
objects, and :class:`sdq.Report` adds those faces on top."""

from sdq.result.findings import Finding, family_verdicts, find
from sdq.result.metric_result import STATUSES, About, MetricResult, json_safe
from sdq.result.report import EvaluationResult
from sdq.result.summary import column_entries, entry_scores, family_ranges, summarise

__all__ = [
    "MetricResult",
    "About",
    "EvaluationResult",
    "json_safe",
    "summarise",
    "family_ranges",
    "column_entries",
    "entry_scores",
    "STATUSES",
    "Finding",
    "find",
    "family_verdicts",
]
