"""Reading a TOML file (a configuration or rules file) with errors that name the file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sdq.errors import ConfigError

__all__ = ["read_toml"]


def read_toml(path: Path, kind: str, instead: str) -> dict[str, Any]:
    """The parsed file at ``path``, a ``kind`` ("configuration file", "rules file"); a missing file,
    a directory, invalid TOML or a Python without ``tomllib`` (before 3.11, where ``instead`` says
    what to do) is a ``ConfigError`` that names the file."""
    if sys.version_info < (3, 11):
        raise ConfigError(f"{path}: reading a {kind} needs Python 3.11 or newer (tomllib); {instead}")
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {kind}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a {kind}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
