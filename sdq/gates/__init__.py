"""Gates: thresholds on a report's scores, checked against the report itself (``sdq check``,
``Report.check``, ``sdq.testing``), and their output formats."""
