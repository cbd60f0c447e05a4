"""The demo: statsmodels' ``fair`` survey data with readable categories, a seeded split, and a small
Gaussian copula that makes the demo's synthetic rows. Not part of the evaluation core."""

from sdq.demo.copula import GaussianCopula
from sdq.demo.data import load_fair, split

__all__ = ["GaussianCopula", "load_fair", "split"]
