"""The metric registry.

A metric is one function in one file, registered with :func:`metric` (``sdq.metric``)::

    @metric("mean_match", "fidelity", shape="per_column", summary="...", one="...", zero="...")
    def mean_match(prepared, *, tolerance: float = 1.0) -> Outcome:
        ...

The registration is everything the rest of sdq needs to know about the metric, in one place:

- **name and family**; what it needs (``needs``: a holdout, a target, sequences, a sensitive data
  set, or a :class:`Need` of its own, with the reason a report gives when it is missing);
- **what its card says**: ``summary`` and what 1.0 (``one``) and 0.0 (``zero``) mean;
- **the shape of its details** (``shape``, one of :mod:`sdq.shapes`), from which the report draws
  its figures and tables, gates find its per-column scores, and tables its columns and pairs;
  ``extras`` names optional metric-specific figures or tables a renderer may add;
- **its parameters**: the function's keyword-only arguments, each with a default; ``params`` may
  refine them with :class:`Param` (bounds, choices, a description). Values come from
  ``Config(metric_params={"mean_match": {"tolerance": 0.5}})``, are validated before anything runs,
  passed to the function, and written into the report's ``config.metric_params``;
- whether it runs on aggregates over every row (``chunked``: the engines for data held in pieces,
  :mod:`sdq.engine.scaled`), and which metrics share cached work with it (``group``).

The engine (:mod:`sdq.engine`) turns the function's :class:`Outcome` into a
:class:`sdq.result.MetricResult` that carries this description (``about``), checks its needs (a
metric that needs a holdout is ``skipped`` without one), checks its details against its shape and
isolates failures.

Where metrics come from: the family packages (:mod:`sdq.metrics.fidelity`, ``.utility``,
``.privacy``) import their modules, in the order reports list them; other packages add metrics
through the entry-point group ``sdq.metrics`` (each entry point names a module, whose
``@sdq.metric`` functions register when it is imported). Both are loaded once, the first time the
registry is read. A plugin that cannot be loaded is left out with a :class:`PluginWarning` that
names it; the built-in metrics and every other plugin still run.

Modules and what they may import:

* A **metric module** registers metrics (e.g. ``fidelity/histogram.py``,
  ``privacy/exact_match.py``). A metric module never imports another
  metric module: work or code that two metric modules share lives in a helper module.
* A **helper module** registers no metric. ``sdq.metrics._common`` holds what the metrics of
  every family use; a family's helpers (``fidelity/sequences.py``, ``fidelity/dependence.py``,
  ``utility/models.py``, ``privacy/distance.py``, ``privacy/matching.py``) hold what the metrics of
  that family share, and
  only that family's metrics import them. Helpers import no metric module.
* Metrics share computed work only through :meth:`sdq.prepare.Prepared.cached`, whose keys are
  declared in :data:`sdq.prepare.CACHED_WORK`; metrics that read the same work have the same
  ``group``. No metric keeps state anywhere else.

``tests/metrics/test_common.py`` checks the import rule.
"""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass, field, replace
from importlib import import_module, metadata
from typing import Any, Callable, Mapping

import numpy as np

from sdq.errors import ConfigError, InputError
from sdq.shapes import Scalars, Shape, as_shape

__all__ = [
    "Outcome",
    "MetricSpec",
    "Need",
    "Param",
    "PluginWarning",
    "metric",
    "names",
    "get",
    "registry",
    "unregister",
    "needs",
    "available",
    "resolve_params",
    "plugins",
    "Skip",
    "FAMILIES",
    "NEEDS",
    "PLUGIN_GROUP",
]

FAMILIES = ("fidelity", "utility", "privacy")
#: The entry-point group through which other packages add metrics.
PLUGIN_GROUP = "sdq.metrics"
#: The family packages, imported in this order the first time the registry is read.
_FAMILY_PACKAGES = tuple(f"sdq.metrics.{family}" for family in FAMILIES)


class Skip(Exception):
    """Raised by a metric that does not apply to these data; the message says why."""


class PluginWarning(UserWarning):
    """A metric plugin (entry point ``sdq.metrics``) could not be loaded and was left out."""


@dataclass
class Outcome:
    """What a metric computed: score for the synthetic data, baseline for the holdout.

    ``score`` and ``baseline`` are in [0, 1], higher is better (``baseline`` is None without a
    holdout); ``ci`` is a 95% interval for ``score`` or None; ``details`` is JSON-safe and has the
    shape the metric declared.
    """

    score: float
    baseline: float | None = None
    ci: tuple[float, float] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


# -- needs ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Need:
    """Something a metric needs from the evaluation's inputs.

    ``met(inputs)`` says whether the inputs provide it; ``inputs`` maps ``holdout`` and
    ``sensitive`` (the frames, or None), ``target``, ``task``, ``time_column``,
    ``entity_column`` (as given, or None), ``rules`` (the rules given) and ``mine_rules``
    (whether rules are mined from the real rows). ``reason`` is what a report says when a metric is
    skipped for the lack of it."""

    name: str
    reason: str
    met: Callable[[Mapping[str, Any]], bool] = field(compare=False)


_NEEDS: dict[str, Need] = {
    need.name: need
    for need in (
        Need("holdout", "no holdout was given", lambda inputs: inputs.get("holdout") is not None),
        Need("target", "no target column was given", lambda inputs: inputs.get("target") is not None),
        Need(
            "sequence",
            "no time column and no entity column were given: the rows form no sequence",
            lambda inputs: inputs.get("time_column") is not None or inputs.get("entity_column") is not None,
        ),
        Need("sensitive", "no sensitive data set was given", lambda inputs: inputs.get("sensitive") is not None),
        Need(
            "rules",
            "no rules were given (rules=, --rules or [rules] in sdq.toml) and mining is off "
            "(mine_rules=True or --mine-rules)",
            lambda inputs: bool(inputs.get("rules")) or bool(inputs.get("mine_rules")),
        ),
    )
}
#: The needs sdq defines (a metric may declare a :class:`Need` of its own).
NEEDS = tuple(_NEEDS)


def needs() -> dict[str, Need]:
    """Every need by name: sdq's own and those the registered metrics declared."""
    _load()
    return dict(_NEEDS)


def available(inputs: Mapping[str, Any]) -> dict[str, bool]:
    """Need name -> whether ``inputs`` (see :class:`Need`) provide it."""
    return {name: bool(need.met(inputs)) for name, need in needs().items()}


# -- parameters -----------------------------------------------------------------------------------
_KINDS = {bool: "true or false", int: "an int", float: "a number", str: "a string"}


@dataclass(frozen=True)
class Param:
    """A metric's parameter: a keyword-only argument of the metric function, with its default.

    Its type is the default's (bool, int, float or str); ``low`` / ``high`` bound numbers,
    ``choices`` lists the allowed values, ``doc`` says what it does. Give a ``Param`` in
    ``@metric(params={"name": Param(low=1)})`` to refine the argument of that name; name and
    default always come from the function's signature."""

    name: str = ""
    default: Any = None
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    doc: str = ""

    def _expected(self) -> str:
        text = _KINDS[type(self.default)]
        if self.choices is not None:
            return f"one of {list(self.choices)}"
        if self.low is not None or self.high is not None:
            low = self.low if self.low is not None else "-inf"
            high = self.high if self.high is not None else "inf"
            text += f" in [{low}, {high}]"
        return text

    def check(self, value: Any, metric_name: str) -> Any:
        """``value`` as the parameter's type, or a :class:`~sdq.errors.ConfigError` saying what was
        expected: "The 'k' parameter of my_metric must be an int in [1, 100]. Got 0 instead." """
        kind = type(self.default)
        ok = True
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
            value = int(value) if ok else value
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            value = float(value) if ok else value
        else:
            ok = isinstance(value, str)
        if ok and self.choices is not None:
            ok = value in self.choices
        if ok and kind in (int, float):
            ok = (self.low is None or value >= self.low) and (self.high is None or value <= self.high)
        if not ok:
            raise ConfigError(
                f"The {self.name!r} parameter of {metric_name} must be {self._expected()}. Got {value!r} instead."
            )
        return value


def _params(name: str, fn: Callable[..., Any], refined: Mapping[str, Param] | None) -> tuple[Param, ...]:
    """The parameters of metric ``name``: the keyword-only arguments of ``fn`` after its first."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or C function: no parameters
        return ()
    arguments = list(signature.parameters.values())
    if not arguments or arguments[0].kind not in (arguments[0].POSITIONAL_ONLY, arguments[0].POSITIONAL_OR_KEYWORD):
        raise ValueError(f"metric {name!r}: the function must take the prepared data as its first argument")
    found = []
    for argument in arguments[1:]:
        if argument.kind is not argument.KEYWORD_ONLY or argument.default is argument.empty:
            raise ValueError(
                f"metric {name!r}: every parameter after the prepared data must be keyword-only, with a default "
                f"(write `def {fn.__name__}(prepared, *, {argument.name}=...)`); {argument.name!r} is not"
            )
        if type(argument.default) not in _KINDS:
            raise ValueError(
                f"metric {name!r}: the default of {argument.name!r} must be a bool, int, float or str. "
                f"Got {argument.default!r} instead."
            )
        param = Param(name=argument.name, default=argument.default)
        if refined and argument.name in refined:
            given = refined[argument.name]
            param = replace(given, name=argument.name, default=argument.default)
        param.check(param.default, name)  # the default itself must be allowed
        found.append(param)
    unknown = set(refined or {}) - {p.name for p in found}
    if unknown:
        raise ValueError(f"metric {name!r}: params {sorted(unknown)} are not keyword-only arguments of the function")
    return tuple(found)


# -- the registry ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricSpec:
    """A registered metric: what :func:`metric` recorded."""

    name: str
    family: str
    fn: Callable[..., Outcome]
    needs: tuple[str, ...]
    summary: str
    one: str
    zero: str
    group: str = ""  # metrics that share cached work (the same group) run in the same process
    shape: Shape = field(default_factory=Scalars)
    params: tuple[Param, ...] = ()
    #: True: reads aggregates where the data are held in pieces (sdq.engine.scaled); a string: why not.
    chunked: bool | str | None = None
    extras: tuple[str, ...] = ()
    plugin: str | None = None  # the entry point that registered it, None for sdq's own and direct registrations
    #: ``matched``: scored with the synthetic data at the baseline's size where it is larger
    #: (:meth:`~sdq.prepare.Prepared.at_baseline_size`); ``full``: on every synthetic row.
    sizes: str = "matched"

    def arguments(self, config: Any) -> dict[str, Any]:
        """The parameters to call the metric with: the defaults, overridden by
        ``config.metric_params[name]``; a :class:`~sdq.errors.ConfigError` for an unknown
        parameter or a value that is not allowed."""
        given = dict((getattr(config, "metric_params", None) or {}).get(self.name) or {})
        unknown = sorted(set(given) - {p.name for p in self.params})
        if unknown:
            known = [p.name for p in self.params]
            raise ConfigError(
                f"Unknown parameter(s) {unknown} of metric {self.name!r}; "
                + (f"its parameters: {known}." if known else "it has no parameters.")
            )
        return {p.name: p.check(given[p.name], self.name) if p.name in given else p.default for p in self.params}


_REGISTRY: dict[str, MetricSpec] = {}
_LOADED = {"builtins": False, "plugins": False}
_PLUGINS: dict[str, dict[str, Any]] = {}
_loading_plugin: list[str] = []  # the entry point being loaded (its registrations are attributed to it)


def metric(
    name: str,
    family: str,
    *,
    shape: Shape | str,
    summary: str,
    one: str,
    zero: str,
    needs: tuple[str | Need, ...] = (),
    group: str | None = None,
    params: Mapping[str, Param] | None = None,
    chunked: bool | str | None = None,
    extras: tuple[str, ...] = (),
    sizes: str | None = None,
):
    """Register a metric function under a stable name (a decorator; also ``sdq.metric``).

    Parameters
    ----------
    name, family : str
        The metric's stable id, and ``fidelity``, ``utility`` or ``privacy``.
    shape : Shape or str
        The shape of its details (:mod:`sdq.shapes`), e.g. ``"per_column"`` or
        ``Pairwise(measure="association", signed=True)``.
    summary, one, zero : str
        What it measures; what a score of 1.0 and of 0.0 mean (shown on its card).
    needs : tuple
        Names of :data:`NEEDS` (``holdout``, ``target``, ``sequence``, ``sensitive``, ``rules``) or
        :class:`Need` objects of its own; without them the metric is ``skipped`` with the reason.
    group : str, optional
        The cached work it shares with other metrics (default: its module); with several jobs,
        the metrics of one group run one after another in the same process.
    params : mapping, optional
        :class:`Param` refinements (bounds, choices, doc) of the function's keyword-only arguments.
    chunked : bool or str, optional
        True if the metric reads the aggregates of :class:`sdq.prepare.AggregateFrame` (counts,
        sketches, moments, tallies over every row) where the data are held in pieces
        (:mod:`sdq.engine.scaled`: ``--engine dask``, ``--chunk-rows``); otherwise those engines run
        it on seeded samples of the rows (a string says why it cannot read aggregates).
    extras : tuple of str
        Optional metric-specific figures or tables, by name, that a renderer may add to those of
        the shape (a renderer that does not know one leaves it out).
    sizes : str, optional
        ``matched``: where the synthetic data has more rows than the holdout, the metric scores a
        seeded subsample of it of the holdout's size, so that its score and baseline compare like
        with like (the metric may add the full-size figure from ``prepared.synthetic_full``);
        ``full``: every synthetic row. Default: ``full`` for privacy metrics (a leak in any row
        counts) and for metrics that need sequences (a subsample of rows would cut them),
        ``matched`` for the others.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    shape = as_shape(shape)
    declared = []
    for need in needs:
        if isinstance(need, Need):
            if need.name in _NEEDS and _NEEDS[need.name] is not need:
                raise ValueError(f"metric {name!r}: a need named {need.name!r} is already defined")
            declared.append(need)
        elif need not in _NEEDS:
            raise ValueError(f"unknown needs [{need!r}]; known: {tuple(_NEEDS)} (or declare a Need)")
    if sizes is None:
        names = {n.name if isinstance(n, Need) else n for n in needs}
        sizes = "full" if family == "privacy" or "sequence" in names else "matched"
    if sizes not in ("matched", "full"):
        raise ValueError(f"metric {name!r}: sizes must be 'matched' or 'full'. Got {sizes!r}.")
    if chunked is not None and not isinstance(chunked, (bool, str)):
        raise ValueError(f"metric {name!r}: chunked must be True, False, a reason (a string) or None. Got {chunked!r}.")
    for text, what in ((summary, "summary"), (one, "one"), (zero, "zero")):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"metric {name!r}: {what!r} must be a non-empty string")

    def register(fn: Callable[..., Outcome]) -> Callable[..., Outcome]:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise ValueError(f"metric {name!r} is registered twice")
        spec = MetricSpec(
            name,
            family,
            fn,
            tuple(n.name if isinstance(n, Need) else n for n in needs),
            summary,
            one,
            zero,
            group or fn.__module__,
            shape=shape,
            params=_params(name, fn, params),
            chunked=chunked,
            extras=tuple(extras),
            plugin=_loading_plugin[-1] if _loading_plugin else None,
            sizes=sizes,
        )
        for need in declared:
            _NEEDS[need.name] = need
        _REGISTRY[name] = spec
        return fn

    return register


def unregister(name: str) -> None:
    """Remove a registered metric, and the needs of its own that no other metric declares (for
    tests that register metrics of their own)."""
    spec = _REGISTRY.pop(name, None)
    if spec is None:
        return
    used = {need for other in _REGISTRY.values() for need in other.needs}
    for need in spec.needs:
        if need not in NEEDS and need not in used:
            _NEEDS.pop(need, None)


def _load() -> None:
    if not _LOADED["builtins"]:
        for package in _FAMILY_PACKAGES:
            import_module(package)
        _LOADED["builtins"] = True
    if not _LOADED["plugins"]:
        _LOADED["plugins"] = True
        _load_plugins()


def _load_plugins() -> None:
    """Import every entry point of :data:`PLUGIN_GROUP`; one that fails is left out with a
    :class:`PluginWarning` (and whatever it registered before failing is removed)."""
    try:
        entry_points = list(metadata.entry_points(group=PLUGIN_GROUP))
    except Exception as exc:  # noqa: BLE001 - broken package metadata must not stop the report
        warnings.warn(f"sdq: metric plugins could not be listed: {type(exc).__name__}: {exc}", PluginWarning, 2)
        return
    for ep in entry_points:
        if ep.name in _PLUGINS:
            continue
        before = set(_REGISTRY)
        _loading_plugin.append(ep.name)
        try:
            ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin is left out, never a crash
            for name in set(_REGISTRY) - before:
                del _REGISTRY[name]
            warnings.warn(
                f"sdq: the metric plugin {ep.name!r} ({ep.value}) could not be loaded and is left out: "
                f"{type(exc).__name__}: {exc}",
                PluginWarning,
                stacklevel=3,
            )
            continue
        finally:
            _loading_plugin.pop()
        dist = getattr(ep, "dist", None)
        _PLUGINS[ep.name] = {
            "value": ep.value,
            "package": getattr(dist, "name", None),
            "version": getattr(dist, "version", None),
            "metrics": sorted(set(_REGISTRY) - before),
        }


def plugins() -> dict[str, dict[str, Any]]:
    """The metric plugins loaded: entry-point name -> its value, package, version and metrics."""
    _load()
    return {name: dict(info) for name, info in _PLUGINS.items()}


def registry() -> dict[str, MetricSpec]:
    """Every registered metric by name, in family order (within a family: in the order they were
    registered, sdq's own first)."""
    _load()
    return dict(sorted(_REGISTRY.items(), key=lambda kv: (FAMILIES.index(kv[1].family), not _own(kv[1]))))


def _own(spec: MetricSpec) -> bool:
    return str(getattr(spec.fn, "__module__", "")).startswith("sdq.metrics.")


def names(family: str | None = None) -> list[str]:
    """Names of the registered metrics, optionally of one family."""
    return [n for n, s in registry().items() if family is None or s.family == family]


def get(name: str) -> MetricSpec:
    reg = registry()
    if name not in reg:
        raise InputError(f"Unknown metric {name!r}; known metrics: {list(reg)}.")
    return reg[name]


def resolve_params(specs: list[MetricSpec], config: Any) -> dict[str, dict[str, Any]]:
    """The parameters every metric of ``specs`` that has any will be called with (what a report
    writes into ``config.metric_params``). A :class:`~sdq.errors.ConfigError` if
    ``config.metric_params`` names a metric that is not registered, a parameter a metric does not
    have, or a value that is not allowed."""
    given = getattr(config, "metric_params", None) or {}
    reg = registry()
    unknown = sorted(set(given) - set(reg))
    if unknown:
        raise ConfigError(f"The 'metric_params' setting names unknown metric(s) {unknown}; known metrics: {list(reg)}.")
    return {spec.name: spec.arguments(config) for spec in specs if spec.params}
