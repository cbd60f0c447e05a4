"""The engine: runs metrics on prepared data and assembles reports.

- :mod:`~sdq.engine.evaluate`: ``evaluate`` and ``Evaluation`` (inputs -> schema -> tables -> prepared -> metrics);
- :mod:`~sdq.engine.runner`: runs metric groups in-process or in forked workers, isolates faults, captures warnings;
- :mod:`~sdq.engine.chunked`: fidelity from counts accumulated chunk by chunk, for data larger than memory;
- :mod:`~sdq.engine.compare`: several candidates against one real side;
- :mod:`~sdq.engine.manifest`: what a report records of where and how it was made.
"""
