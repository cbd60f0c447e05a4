"""The exceptions sdq raises.

One tree, so that callers can catch everything sdq raises on purpose with ``SdqError`` and still
catch the builtin they expect::

    SdqError(Exception)
    ├── InputError(SdqError, ValueError)     bad data or arguments: unreadable file, unknown or
    │                                        mismatched columns, empty frame, bad column type
    ├── ConfigError(SdqError, ValueError)    a setting out of range or of the wrong type
    └── MetricError(SdqError, RuntimeError)  a metric could not be computed (recorded as an
                                             ``error`` result unless ``strict=True``)

    ProfileWarning(UserWarning)              a user's profile names a metric sdq does not have
                                             (it is weighed if it ever runs; until then it is
                                             listed as not measured)

Messages are one line, name the offending parameter or column, and say what was expected and what
was given, e.g. ``The 'n_bins' setting must be an int in [2, 512]. Got 0 instead.``
"""

from __future__ import annotations

__all__ = ["SdqError", "InputError", "ConfigError", "MetricError", "ProfileWarning"]


class SdqError(Exception):
    """Base class of every error sdq raises on purpose."""


class InputError(SdqError, ValueError):
    """The data or the arguments describing it cannot be used as given."""


class ConfigError(SdqError, ValueError):
    """A configuration value is out of range or of the wrong type."""


class MetricError(SdqError, RuntimeError):
    """A metric could not be computed on these data."""


class ProfileWarning(UserWarning):
    """A user-defined profile names a metric that this installation of sdq does not have."""
