"""Renderers: turn a :class:`sdq.result.report.Report` into HTML. They read the report only."""
