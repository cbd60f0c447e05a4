"""Reading rules from TOML files: a rules file, ``sdq.toml`` or ``pyproject.toml``.

Where the rules are in a file:

* a ``[rules]`` table (``sdq rules suggest`` writes one; ``sdq.toml`` holds one beside ``[thresholds]``);
* ``[tool.sdq.rules]`` in ``pyproject.toml``;
* a file of nothing but rules (``name = "expression"`` at the top level, and none of the other keys
  of ``sdq.toml``: ``[thresholds]``, ``profile``, ``[profiles]``).

Reading TOML needs Python 3.11 or newer (the standard library's ``tomllib``); on 3.10 give the
rules as a mapping in Python.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from sdq.errors import ConfigError
from sdq.rules.model import Rule, as_rules
from sdq.toml_file import read_toml

__all__ = ["read_rules", "rules_table", "load_rules", "CONFIG_KEYS"]

#: The keys of ``sdq.toml`` other than ``rules``: a file with any of them is a configuration
#: file, not a file of rules only.
CONFIG_KEYS = ("thresholds", "profile", "profiles")


def _read(path: Path) -> dict[str, Any]:
    return read_toml(path, "rules file", "give rules in Python")


def rules_table(data: Mapping[str, Any], where: str) -> Mapping[str, Any] | None:
    """The rules table of a parsed TOML file (see the module), or None if it has none."""
    if "tool" in data and isinstance(data["tool"], Mapping):
        section = data["tool"].get("sdq")
        return section.get("rules") if isinstance(section, Mapping) else None
    if "rules" in data:
        table = data["rules"]
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}: 'rules' must be a table of NAME = RULE")
        return table
    if not data or any(key in data for key in CONFIG_KEYS):
        return None
    return data  # a file of rules only


def read_rules(path: str | os.PathLike, *, required: bool = True) -> tuple[Rule, ...]:
    """The rules of a TOML file (see the module); a :class:`~sdq.errors.ConfigError` naming the
    file and the rule when a rule is wrong, or when the file has no rules (``required=False``:
    none, for configuration files that may hold thresholds only)."""
    path = Path(path)
    table = rules_table(_read(path), str(path))
    if table is None:
        if not required:
            return ()
        raise ConfigError(f"{path}: no rules (a [rules] table of NAME = RULE, or [tool.sdq.rules] in pyproject.toml)")
    try:
        return as_rules(table)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_rules(value: Any) -> tuple[Rule, ...]:
    """Rules from a path (``str`` or ``os.PathLike``: a TOML file), a mapping shaped like the
    ``[rules]`` table, or rule objects (see :func:`~sdq.rules.model.as_rules`)."""
    if isinstance(value, (str, os.PathLike)):
        return read_rules(value)
    return as_rules(value)
