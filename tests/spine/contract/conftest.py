"""The contract every protocol package passes: each test here runs once per driver
(tests/spine/drivers/), for the fake JSON package and for the supplier Ticketing API."""

from collections.abc import Iterator

import pytest

from faults.models import Fault
from integrations.models import Partner
from tests.factories import SlaPolicyFactory
from tests.helpers import bring_to
from tests.spine.contract import SUBMITTED
from tests.spine.drivers import DRIVERS, ProtocolDriver


@pytest.fixture(params=DRIVERS, ids=lambda driver: driver.protocol)
def protocol_driver(request, db, settings, pki) -> Iterator[ProtocolDriver]:
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1/32"]
    driver = request.param(pki=pki)
    driver.enable(settings)
    yield driver
    driver.disable(settings)


@pytest.fixture
def partner(protocol_driver) -> Partner:
    """An active partner of the driver's protocol, with SLA policies (a test file may override
    it with its own settings)."""
    partner = protocol_driver.make_partner()
    SlaPolicyFactory(partner=partner)
    return partner


@pytest.fixture
def pending(protocol_driver, partner) -> Fault:
    """A fault of the partner, raised at SUBMITTED and waiting for its acceptance."""
    return bring_to(protocol_driver.make_fault(partner), "pending", start=SUBMITTED)


@pytest.fixture
def tasks_run_when_published(monkeypatch) -> None:
    """A task published (after commit) runs at once, in this process: what a worker would do
    with it, without one."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
