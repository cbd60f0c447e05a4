"""Renderers: turn a :class:`sdq.result.EvaluationResult` into HTML. They read the report only."""
