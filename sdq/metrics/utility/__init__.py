"""Utility metrics: does the synthetic data do the same job as the real data?

Importing the package registers its metrics; the order of the imports below is the order of the
metrics in every report."""

# isort: off
from sdq.metrics.utility import prediction  # noqa: F401
from sdq.metrics.utility import feature_importance  # noqa: F401
from sdq.metrics.utility import augmentation  # noqa: F401
from sdq.metrics.utility import qscore  # noqa: F401
# isort: on
