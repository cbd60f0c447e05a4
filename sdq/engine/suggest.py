"""Rules suggested by the real data: the real frame checked, its schema fitted, coerced, and mined
(:func:`sdq.rules.mine`); what ``sdq rules suggest`` writes."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import pandas as pd

from sdq.data import check_frame, check_named_columns, coerce_frame
from sdq.rules import MinedRules, mine
from sdq.rules.evaluate import rule_kinds
from sdq.schema import fit_schema

__all__ = ["suggest_rules"]


def suggest_rules(
    real: pd.DataFrame,
    *,
    tolerance: float = 0.0,
    column_types: Mapping[Any, str] | None = None,
    exclude: Iterable[Any] | None = None,
    seed: int = 0,
) -> MinedRules:
    """The rules that hold on the real rows (or on all but ``tolerance`` of the rows each applies
    to): non-null columns, value sets, formats, ranges, orders, sums, functional dependencies and
    unique ids (see :mod:`sdq.rules.mine`).

    Columns get sdq's kinds (``column_types`` overrides them, ``exclude`` leaves columns out), as
    in :func:`sdq.evaluate`. The result iterates over :class:`sdq.rules.Rule` objects (each with
    its support in ``.mined``), is accepted by ``sdq.evaluate(rules=...)``, and its
    :meth:`~sdq.rules.MinedRules.to_toml` is the commented rules file that ``--rules`` reads back.

    Examples
    --------
    >>> import sdq
    >>> suggested = sdq.suggest_rules(sdq.demo.load_fair())                # doctest: +SKIP
    >>> suggested["yrs_married_lt_age"].rule.expr                     # doctest: +SKIP
    'yrs_married < age'
    """
    real = check_frame(real, "real")
    check_named_columns(real, {"column_types": column_types})
    schema = fit_schema(real, column_types=column_types, exclude=exclude)
    frame, _ = coerce_frame(schema, real)
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    kinds = rule_kinds(frame, {spec.label: spec.kind for spec in schema.columns if spec.role != "excluded"})
    return mine(frame, kinds, tolerance=tolerance, seed=seed)
