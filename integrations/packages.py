"""Protocol packages: the one way a protocol plugs into the spine (issue 11).

A package (`integrations/cityfibre/`, later TMF621 and TEP) declares everything the product needs
to know about it in one place, `<package>/package.py`:

    PACKAGE = ProtocolPackage(protocol="cityfibre", label=..., adapter="...Adapter", ...)

and is enabled by listing its module path in `settings.INTEGRATION_PACKAGES`. Nothing else names
it: the spine finds its adapter here (`integrations.adapters.get_adapter`), `appointments` its
gateway (`appointments.gateways.gateway_for`), `config/urls.py` mounts its URLs at
`/integrations/<protocol>/`, beat runs its polls (`poll_schedule`, merged with the spine's fixed
sweeps in `config/celery.py`), the partner form offers its protocol (`protocol_choices`), and its
`event_subscribers` receive the fault domain's events while it is enabled (`deliver_event`). An
enabled package is also an installed Django app (settings), so its management commands (the
simulator), migrations and admin are found like any app's.

Declarations hold dotted paths, not objects: reading them imports nothing of the package but its
`package.py`, and a wrong path fails `manage.py check` (`integrations.checks`), not the first
message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management import get_commands
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from faults.events import DomainEvent

logger = logging.getLogger(__name__)

# Beat entries made from package polls carry this prefix, so beat can tell them from the spine's
# sweeps and drop those of a package no longer enabled (`config.celery`).
POLL_ENTRY_PREFIX = "package-poll:"
PROTOCOL_MAX_LENGTH = 20  # Partner.protocol's max_length


class PackageError(Exception):
    """A package's declaration is wrong (bad path, duplicate protocol, interval below limit)."""


@dataclass(frozen=True)
class Poll:
    """A periodic task a protocol needs, e.g. TEP's GetTicket (at most once a minute).

    `every` is how often the package would like it to run; `min_interval` is the partner's own
    limit. A declaration below the limit is refused; a setting (INTEGRATION_POLL_SECONDS) may
    change the interval, and is raised to the limit when below it (`Poll.interval`)."""

    task: str  # dotted Celery task name
    every: timedelta
    min_interval: timedelta

    def __post_init__(self) -> None:
        if self.every < self.min_interval:
            raise PackageError(
                f"Poll {self.task} every {self.every} is more often than its partner allows "
                f"(at most once every {self.min_interval})."
            )

    def interval(self, override_seconds: float | None = None) -> timedelta:
        """How often beat runs it: the override when one is set, never below `min_interval`."""
        wanted = self.every if override_seconds is None else timedelta(seconds=override_seconds)
        if wanted < self.min_interval:
            logger.warning(
                "Poll %s: %s is below the partner's limit; running it every %s.",
                self.task,
                wanted,
                self.min_interval,
            )
        return max(wanted, self.min_interval)


@dataclass(frozen=True)
class ProtocolPackage:
    protocol: str  # value stored in Partner.protocol, e.g. "cityfibre"
    label: str  # what the admin shows
    adapter: str  # dotted path of the PartnerAdapter subclass
    urls: str | None = None  # dotted urlconf, mounted at /integrations/<protocol>/
    # Public APIs the package serves elsewhere: (prefix, dotted urlconf), each mounted at
    # /<prefix> (e.g. the TMF621 server at tmf-api/troubleTicket/v4/).
    api_urls: tuple[tuple[str, str], ...] = ()
    # Whether its partners are suppliers we raise faults with (False: partners we only tell
    # about our faults, e.g. the subscribers of our TMF621 hub).
    supplies: bool = True
    appointment_gateway: str | None = None  # dotted path of the gateway class
    polls: tuple[Poll, ...] = ()
    simulator_command: str | None = None  # manage.py command that runs its simulator
    # Dotted callables, each called with every faults.events event while the package is enabled.
    event_subscribers: tuple[str, ...] = ()
    # Dotted paths of its parts of the fault pages: each names a faults.contributions item (a
    # timeline source, queue section, wallboard figure, fault fact, action, raise-form step…)
    # or a sequence of them, shown while the package is enabled.
    contributions: tuple[str, ...] = ()
    # Fields of the package's own models holding a secret encrypted with PARTNER_SECRET_KEYS
    # (`integrations.auth.secrets.encrypt_secret`), as "app_label.Model.field":
    # `manage.py rotate_partner_secrets` re-encrypts them with the partners' signing keys.
    encrypted_fields: tuple[str, ...] = ()


def enabled_packages() -> tuple[ProtocolPackage, ...]:
    """The packages listed in settings.INTEGRATION_PACKAGES, in that order."""
    return _load(tuple(settings.INTEGRATION_PACKAGES))


def package_for(protocol: str) -> ProtocolPackage | None:
    """The enabled package of this protocol, or None (no package, or not enabled)."""
    for package in enabled_packages():
        if package.protocol == protocol:
            return package
    return None


def non_supplying_protocols() -> tuple[str, ...]:
    """The protocols of the enabled packages whose partners are never suppliers
    (`ProtocolPackage.supplies=False`): `Partner.objects.suppliers()` leaves them out."""
    return tuple(package.protocol for package in enabled_packages() if not package.supplies)


def protocol_choices() -> list[tuple[str, str]]:
    """Partner.protocol's choices: one per enabled package. A callable, so the migration names
    this function instead of copying a list that changes with the setting."""
    return [(package.protocol, package.label) for package in enabled_packages()]


def protocol_label(protocol: str) -> str:
    """The protocol's label, or its stored value when no enabled package has it."""
    package = package_for(protocol)
    return package.label if package else protocol


def adapter_for(protocol: str) -> Any | None:
    """The (one, shared) adapter instance of the protocol's enabled package, or None."""
    package = package_for(protocol)
    return _instance(package.adapter) if package else None


def appointment_gateway_for(protocol: str) -> Any | None:
    """The appointment gateway of the protocol's enabled package, or None when it has none."""
    package = package_for(protocol)
    if package is None or package.appointment_gateway is None:
        return None
    return _instance(package.appointment_gateway)


def poll_schedule(overrides: dict[str, float] | None = None) -> dict[str, dict[str, Any]]:
    """Beat entries for every enabled package's polls, keyed `package-poll:<protocol>:<task>`.
    `overrides` (default settings.INTEGRATION_POLL_SECONDS) maps a task name to seconds."""
    if overrides is None:
        overrides = getattr(settings, "INTEGRATION_POLL_SECONDS", {})
    return {
        f"{POLL_ENTRY_PREFIX}{package.protocol}:{poll.task}": {
            "task": poll.task,
            "schedule": poll.interval(overrides.get(poll.task)),
        }
        for package in enabled_packages()
        for poll in package.polls
    }


def deliver_event(event: DomainEvent) -> None:
    """The spine's one subscriber to the fault domain's events: hands the event to the event
    subscribers of every package enabled at that moment, in INTEGRATION_PACKAGES order and each
    package's declared order. Looking the packages up per event, rather than subscribing each
    package's callables once at start, is what makes the setting the only switch: a package
    removed from it gets no further event, one added gets the next, without reconnecting
    anything (tests change the setting while the process runs)."""
    for package in enabled_packages():
        for path in package.event_subscribers:
            _imported(path)(event)


@cache
def _imported(path: str) -> Any:
    return import_string(path)


def package_contributions() -> list[Any]:
    """The page contributions of the packages enabled at this moment, in INTEGRATION_PACKAGES
    order (the provider `faults.contributions` asks on every lookup)."""
    items: list[Any] = []
    for package in enabled_packages():
        for path in package.contributions:
            declared = _imported(path)
            items.extend(declared if isinstance(declared, (list, tuple)) else [declared])
    return items


def connect_enabled_packages() -> None:
    """What the integrations app does when it is ready: check the enabled packages' declarations
    load (a wrong INTEGRATION_PACKAGES entry stops the start), and subscribe `deliver_event` to
    the fault domain's events (`faults.events`, imported here so that importing this module does
    not) and connect the packages' page contributions (`faults.contributions`). Adapters,
    gateways, event subscribers and contributions are looked up on use."""
    from faults import contributions, events

    enabled_packages()
    events.subscribe(deliver_event)
    contributions.connect_provider(package_contributions)


def declaration_errors() -> list[str]:
    """Every path an enabled package declares that does not resolve, in words."""
    errors = []
    for package in enabled_packages():
        if len(package.protocol) > PROTOCOL_MAX_LENGTH:
            errors.append(
                f"{package.protocol}: a protocol is at most {PROTOCOL_MAX_LENGTH} characters "
                "(Partner.protocol)."
            )
        paths = [("adapter", package.adapter)]
        if package.appointment_gateway:
            paths.append(("appointment_gateway", package.appointment_gateway))
        paths += [("event_subscribers", path) for path in package.event_subscribers]
        paths += [("contributions", path) for path in package.contributions]
        for field, path in paths:
            try:
                import_string(path)
            except ImportError as exc:
                errors.append(f"{package.protocol}: {field} '{path}' cannot be imported ({exc}).")
        for declared in package.encrypted_fields:
            if _encrypted_field(declared) is None:
                errors.append(
                    f"{package.protocol}: encrypted_fields '{declared}' names no model field "
                    "(app_label.Model.field)."
                )
        if package.simulator_command and package.simulator_command not in get_commands():
            errors.append(
                f"{package.protocol}: simulator_command '{package.simulator_command}' is no "
                "manage.py command (is it in the package's management/commands/?)."
            )
        for _prefix, urlconf in package.api_urls:
            try:
                import_module(urlconf)
            except ImportError as exc:
                errors.append(
                    f"{package.protocol}: api_urls '{urlconf}' cannot be imported ({exc})."
                )
        if package.urls:
            try:
                import_module(package.urls)
            except ImportError as exc:
                errors.append(
                    f"{package.protocol}: urls '{package.urls}' cannot be imported ({exc})."
                )
    return errors


def _encrypted_field(declared: str) -> tuple[Any, str] | None:
    """The model and field name an `encrypted_fields` entry names, or None."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    label, _, rest = declared.partition(".")
    model_name, _, field_name = rest.partition(".")
    try:
        model = apps.get_model(label, model_name)
        model._meta.get_field(field_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return model, field_name


def encrypted_fields() -> list[tuple[Any, str]]:
    """(model, field name) of every encrypted secret the enabled packages declare."""
    found = []
    for package in enabled_packages():
        for declared in package.encrypted_fields:
            field = _encrypted_field(declared)
            if field is not None:
                found.append(field)
    return found


@cache
def _load(paths: tuple[str, ...]) -> tuple[ProtocolPackage, ...]:
    packages: list[ProtocolPackage] = []
    for path in paths:
        try:
            package = import_module(f"{path}.package").PACKAGE
        except (ImportError, AttributeError) as exc:
            raise PackageError(
                f"INTEGRATION_PACKAGES lists '{path}', but {path}.package has no PACKAGE ({exc})."
            ) from exc
        if not isinstance(package, ProtocolPackage):
            raise PackageError(f"{path}.package.PACKAGE is not a ProtocolPackage.")
        if any(other.protocol == package.protocol for other in packages):
            raise PackageError(f"Two enabled packages declare the protocol '{package.protocol}'.")
        packages.append(package)
    return tuple(packages)


# One instance per declared class, made on first use (a test may put its own in for a path).
_instances: dict[str, Any] = {}


def _instance(path: str) -> Any:
    if path not in _instances:
        _instances[path] = import_string(path)()
    return _instances[path]
