"""One small driver per protocol package, for the spine's contract tests
(tests/spine/contract/): everything protocol-specific, and everything that depends on today's
interfaces of the edge, the inbox and the outbox, is here, so a package joins the contract with
one driver and an interface change is adapted in one place."""

from tests.spine.drivers.base import Answer, ProtocolDriver
from tests.spine.drivers.cityfibre import CityFibreDriver
from tests.spine.drivers.fake import FakeDriver

DRIVERS: tuple[type[ProtocolDriver], ...] = (FakeDriver, CityFibreDriver)

__all__ = ["DRIVERS", "Answer", "ProtocolDriver"]
