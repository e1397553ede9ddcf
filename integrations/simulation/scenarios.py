"""How a simulator picks a scenario: by a prefix of the service a request names (`SIM-…-`), else
its default, which the command line and the control API give by name."""

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TypeVar

__all__ = ["by_prefix", "parse_scenario"]

Scenario = TypeVar("Scenario", bound=StrEnum)


def parse_scenario(kind: type[Scenario], text: str, aliases: Mapping[str, str]) -> Scenario:
    """The scenario `text` names, in any case, with `_` or spaces for `-`, or by an alias;
    ValueError listing the known names otherwise."""
    name = "-".join(str(text).strip().lower().replace("_", "-").split())
    name = aliases.get(name, name)
    try:
        return kind(name)
    except ValueError:
        known = ", ".join([*(member.value for member in kind), *aliases])
        raise ValueError(f"unknown scenario {text!r}; known: {known}") from None


def by_prefix(service: str, prefixes: Sequence[tuple[str, Scenario]]) -> Scenario | None:
    """The scenario of the first prefix `service` starts with (list longer prefixes first)."""
    service = service.strip().upper()
    for prefix, scenario in prefixes:
        if service.startswith(prefix):
            return scenario
    return None
