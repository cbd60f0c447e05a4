"""The engine: runs metrics on prepared data and assembles reports.

- :mod:`~sdq.engine.evaluate`: ``evaluate`` and ``Evaluation`` (inputs -> schema -> tables -> prepared -> metrics);
- :mod:`~sdq.engine.runner`: runs metric groups in-process or in forked workers, isolates faults, captures warnings;
- :mod:`~sdq.engine.scaled`: the report on data held in pieces (aggregates over every row, seeded
  samples, searches where the rows are), on an executor: :mod:`~sdq.engine.chunked` (files read
  chunk by chunk on this machine) or :mod:`~sdq.engine.dask_engine` (partitions on a Dask cluster);
  :mod:`~sdq.engine.aggregates` is what both compute per piece, :mod:`~sdq.engine.rows` the rows
  the privacy metrics search where they are;
- :mod:`~sdq.engine.compare`: several candidates against one real side;
- :mod:`~sdq.engine.manifest`: what a report records of where and how it was made.
"""
