"""Fidelity metrics: does the synthetic data look like the real data?

Importing the package registers its metrics; the order of the imports below is the order of the
metrics in every report."""

# isort: off
from sdq.metrics.fidelity import statistics  # noqa: F401
from sdq.metrics.fidelity import histogram  # noqa: F401
from sdq.metrics.fidelity import tails  # noqa: F401
from sdq.metrics.fidelity import mutual_information  # noqa: F401
from sdq.metrics.fidelity import correlation  # noqa: F401
from sdq.metrics.fidelity import detection  # noqa: F401
from sdq.metrics.fidelity import autocorrelation  # noqa: F401
from sdq.metrics.fidelity import seasonal_profile  # noqa: F401
from sdq.metrics.fidelity import rules  # noqa: F401
# isort: on
