"""Writing rules as TOML: a ``[rules]`` table that :func:`sdq.rules.read_rules` reads back as the
same rules, with comments (a rule's support in the real data, the groups of mined rules).

Short-form rules are written ``name = 'expression'``, long forms as inline tables
(``name = { column = "zip", matches = '^[0-9]{5}$' }``), so that every rule stays on its own
lines, under its own comment, in the order given.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping, Sequence

from sdq.rules.model import Rule

__all__ = ["toml_string", "toml_key", "toml_value", "rule_line", "rules_to_toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def toml_string(text: str) -> str:
    """A TOML string: a literal string ('...') where the text allows one, else a basic string
    with escapes."""
    if "'" not in text and not _CONTROL.search(text):
        return f"'{text}'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def toml_key(key: str) -> str:
    """A TOML key: bare where it can be, else a quoted string."""
    if _BARE_KEY.match(key):
        return key
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    escaped = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def toml_value(value: Any) -> str:
    """A TOML value: a string, a boolean, a number, a list of them, or an inline table."""
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML has no finite form of {value!r}")
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise ValueError(f"no TOML form for {value!r}")


def rule_line(rule: Rule) -> str:
    """One line of a ``[rules]`` table: ``name = ...``."""
    return f"{toml_key(rule.name)} = {toml_value(rule.to_value())}"


def rules_to_toml(
    rules: Iterable[Rule],
    *,
    header: Sequence[str] = (),
    above: Mapping[str, Sequence[str]] | None = None,
    after: Mapping[str, str] | None = None,
) -> str:
    """A TOML ``[rules]`` table of ``rules``: ``header`` lines (comments) first; ``above`` maps a
    rule's name to comment lines written above it (a line starting with ``--`` opens a group and
    is preceded by a blank line), ``after`` to a comment at the end of its line."""
    lines = [f"# {h}".rstrip() for h in header]
    if lines:
        lines.append("")
    lines.append("[rules]")
    for rule in rules:
        for comment in (above or {}).get(rule.name, ()):
            if comment.startswith("--"):
                lines.append("")
            lines.append(f"# {comment}".rstrip())
        line = rule_line(rule)
        trailing = (after or {}).get(rule.name)
        lines.append(f"{line}   # {trailing}" if trailing else line)
    return "\n".join(lines) + "\n"
