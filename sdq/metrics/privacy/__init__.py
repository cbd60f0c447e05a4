"""Privacy metrics: does the synthetic data leak the real rows? (higher = safer)

Importing the package registers its metrics; the order of the imports below is the order of the
metrics in every report."""

# isort: off
from sdq.metrics.privacy import exact_match  # noqa: F401
from sdq.metrics.privacy import neighbours  # noqa: F401
from sdq.metrics.privacy import membership_inference  # noqa: F401
from sdq.metrics.privacy import outlier_privacy  # noqa: F401
from sdq.metrics.privacy import singling_out  # noqa: F401
from sdq.metrics.privacy import linkability  # noqa: F401
from sdq.metrics.privacy import attribute_inference  # noqa: F401
from sdq.metrics.privacy import sensitive_match  # noqa: F401
# isort: on
