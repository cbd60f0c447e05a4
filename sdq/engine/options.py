"""The options of an evaluation, in one object shared by :func:`sdq.evaluate`,
:class:`~sdq.engine.evaluate.Evaluation`, :func:`sdq.compare`, chunked evaluation and the CLI.

Every option is checked here, once: a wrong type or value is an :class:`~sdq.errors.InputError`
or :class:`~sdq.errors.ConfigError` that names the option; an unknown option name is an error that
lists the known ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sdq.config import Config
from sdq.errors import ConfigError, InputError
from sdq.report import warn_profile
from sdq.result.profiles import Profile, resolve_profile
from sdq.rules import load_rules

__all__ = ["Options", "TASKS"]

TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Options:
    """How to evaluate: column roles, which metrics, schema overrides, settings, and how to run.

    Attributes
    ----------
    target, task, time_column, entity_column
        Column roles; ``task`` is ``classification`` or ``regression`` (inferred when None).
    metrics : iterable of str or None
        Names of the metrics to run (None: all).
    column_types : dict or None
        Column -> kind, overriding inference.
    exclude : iterable or None
        Columns left out entirely, wherever they are (a name no input has is an error).
    config : Config
        Settings (``seed`` already merged in).
    sensitive : DataFrame or None
        Records the generator must never reproduce (``sensitive_match``).
    show_records : bool
        Allow real records in the report.
    strict : bool
        Raise the first metric error instead of recording it.
    jobs : int
        Metrics run in this many processes at once.
    metric_timeout : float or None
        Seconds after which a metric is stopped and recorded as an ``error``.
    profile : Profile or None
        The use-case profile the report is read with (:mod:`sdq.result.profiles`).
    """

    target: Any = None
    task: str | None = None
    time_column: Any = None
    entity_column: Any = None
    metrics: Iterable[str] | None = None
    column_types: Mapping[Any, str] | None = None
    exclude: Iterable[Any] | None = None
    config: Config = dataclasses.field(default_factory=Config)
    sensitive: Any = None
    show_records: bool = False
    strict: bool = False
    jobs: int = 1
    metric_timeout: float | None = None
    profile: Profile | None = None

    @classmethod
    def make(
        cls,
        *,
        seed: int | None = None,
        config: Config | None = None,
        rules: Any = None,
        mine_rules: bool = False,
        quasi_identifiers: Any = None,
        secrets: Any = None,
        link_columns: Any = None,
        **options: Any,
    ) -> "Options":
        """Options from keyword arguments (those of :func:`sdq.evaluate`), checked; ``seed``
        overrides ``config.seed``; ``rules`` (a path to a rules file, a mapping shaped like its
        ``[rules]`` table, or :class:`sdq.rules.Rule` objects) replace ``config.rules``, and
        ``mine_rules`` sets the ``rules`` metric's parameter ``mine``; ``quasi_identifiers``,
        ``secrets`` and ``link_columns``, where given, replace the settings of that name (the
        columns the privacy attacks assume an attacker knows or tries to learn); ``profile`` (a
        name, a :class:`~sdq.result.profiles.Profile` or a mapping) is resolved, and a user's
        profile that names a metric sdq does not have gets a :class:`~sdq.errors.ProfileWarning`."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise InputError(
                f"unknown option(s) {unknown}; the options of sdq.evaluate are "
                f"{sorted(known | {'seed', 'rules', 'mine_rules', 'quasi_identifiers', 'secrets', 'link_columns'})}."
            )
        if config is None:
            config = Config()
        elif not isinstance(config, Config):
            raise ConfigError(f"The 'config' argument must be an sdq.Config. Got {type(config).__name__} instead.")
        if seed is not None:
            config = config.replace(seed=seed)
        if rules is not None:
            config = config.replace(rules=load_rules(rules))
        for name, value in (
            ("quasi_identifiers", quasi_identifiers),
            ("secrets", secrets),
            ("link_columns", link_columns),
        ):
            if value is not None:
                config = config.replace(**{name: value})
        if not isinstance(mine_rules, bool):
            raise InputError(f"The 'mine_rules' argument must be true or false. Got {mine_rules!r} instead.")
        if mine_rules:
            params = {name: dict(values) for name, values in config.metric_params.items()}
            params.setdefault("rules", {})["mine"] = True
            config = config.replace(metric_params=params)
        options["profile"] = resolve_profile(options.get("profile"))
        warn_profile(options["profile"], stacklevel=4)
        task = options.get("task")
        if task is not None and task not in TASKS:
            raise InputError(f"The 'task' argument must be 'classification' or 'regression'. Got {task!r} instead.")
        for flag in ("show_records", "strict"):
            options[flag] = bool(options.get(flag, False))
        return cls(config=config, **options)

    def given(self) -> list[str]:
        """The names of the options that differ from their defaults (``config`` counts when it
        differs from ``Config()`` in anything but the seed)."""
        default = Options()
        out = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "config":
                if value.replace(seed=default.config.seed) != default.config:
                    out.append(f.name)
            elif getattr(default, f.name) is None:
                if value is not None:
                    out.append(f.name)
            elif value != getattr(default, f.name):
                out.append(f.name)
        return out

    @property
    def roles(self) -> dict[str, Any]:
        """``target``, ``task``, ``time_column`` and ``entity_column``."""
        return {
            "target": self.target,
            "task": self.task,
            "time_column": self.time_column,
            "entity_column": self.entity_column,
        }
