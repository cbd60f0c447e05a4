"""What was computed: metric results, family scores and the report as a plain, serialisable value.

Nothing here renders, gates, reads files of data or runs metrics."""
