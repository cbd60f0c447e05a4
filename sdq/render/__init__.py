"""Renderers: turn a :class:`sdq.report.Report` into HTML. They read the report only."""
