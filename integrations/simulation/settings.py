"""Checking the settings a simulator's control API (`POST /_sim/config`) or command line sets."""

import copy
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["ConfigError", "configured", "number", "scenario_setting"]

Config = TypeVar("Config")


class ConfigError(ValueError):
    """A configuration value the simulator cannot use; answered with HTTP 400 by the control API."""


def number(key: str, value: Any, *, minimum: float = 0.0) -> float:
    """`value` as a float of at least `minimum` (numbers and numeric strings; never a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{key}: expected a number")
    try:
        result = float(value)
    except ValueError:
        raise ConfigError(f"{key}: expected a number") from None
    if not result >= minimum:  # also refuses NaN
        raise ConfigError(f"{key}: must be at least {minimum:g}")
    return result


def scenario_setting(parse: Callable[[str], Any], value: Any) -> str:
    """The `scenario` setting: the value of the scenario `parse` (a simulator's
    `Scenario.parse`) reads from `value`; ConfigError naming the known ones otherwise."""
    try:
        return parse(str(value)).value
    except ValueError as exc:
        raise ConfigError(f"scenario: {exc}") from None


def configured(
    config: Config,
    values: Mapping[str, Any],
    *,
    keys: frozenset[str],
    apply: Callable[[Config, str, Any], None],
    copy_config: Callable[[Config], Config] = copy.copy,
) -> Config:
    """A copy of `config` with `values` applied one by one by `apply`; `config` is left as it
    was. ConfigError for a setting not in `keys` (or one `apply` cannot use): nothing changes.
    `default_scenario` is read as `scenario`."""
    values = dict(values)
    if "default_scenario" in values:
        values["scenario"] = values.pop("default_scenario")
    unknown = sorted(set(values) - keys)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    config = copy_config(config)
    for key, value in values.items():
        apply(config, key, value)
    return config
