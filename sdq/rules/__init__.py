"""Rules: the user's domain constraints, or constraints mined from the real rows, checked on every
data set like any metric (the ``rules`` metric, :mod:`sdq.metrics.fidelity.rules`).

One concept per module:

- :mod:`~sdq.rules.grammar`: the expression language: tokenizer and parser -> a tree; nothing is
  ever run as Python;
- :mod:`~sdq.rules.evaluate`: the tree evaluated on whole columns (numpy / pandas), with
  three-valued logic for missing values;
- :mod:`~sdq.rules.model`: :class:`Rule` (row, set, format, unique, depends; ``when``;
  ``severity``), reading the TOML forms, and what a rule says about each row (:class:`RuleCheck`);
- :mod:`~sdq.rules.files`: rules from a TOML file (``[rules]``, ``[tool.sdq.rules]``);
- :mod:`~sdq.rules.mine`: rules mined from real rows, with their support;
- :mod:`~sdq.rules.writing`: rules written back as a commented TOML ``[rules]`` table.

This package sits in the base layer, below :mod:`sdq.config` (which holds the rules of an
evaluation) and above :mod:`sdq.errors` only: it knows column kinds by name, not sdq's schema.
"""

from sdq.rules.evaluate import RuleTypeError, Table, UnknownColumn
from sdq.rules.files import load_rules, read_rules, rules_table
from sdq.rules.grammar import FUNCTIONS, RuleSyntaxError, parse, quote_column
from sdq.rules.mine import GROUPS, MinedRule, MinedRules, mine
from sdq.rules.model import RULE_KINDS, SEVERITIES, Rule, RuleCheck, as_rules, check_rules, rules_to_mapping
from sdq.rules.writing import rules_to_toml

__all__ = [
    "Rule",
    "RuleCheck",
    "Table",
    "as_rules",
    "check_rules",
    "rules_to_mapping",
    "load_rules",
    "read_rules",
    "rules_table",
    "mine",
    "MinedRule",
    "MinedRules",
    "GROUPS",
    "rules_to_toml",
    "parse",
    "quote_column",
    "FUNCTIONS",
    "RULE_KINDS",
    "SEVERITIES",
    "RuleSyntaxError",
    "RuleTypeError",
    "UnknownColumn",
]
