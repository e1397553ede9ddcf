"""The fake protocol's one registration (INTERFACES.md §1): enabled by listing
"tests.fake_protocol" in `settings.INTEGRATION_PACKAGES`, mounted at /integrations/fake/.

`integrations.packages` arrives with the registry; until then this module imports without it
(PACKAGE is None) and `interim` does the registering."""

try:
    from integrations.packages import ProtocolPackage
except ImportError:  # before the registry: see tests/fake_protocol/interim.py
    ProtocolPackage = None

from tests.fake_protocol import PROTOCOL

PACKAGE = (
    ProtocolPackage(
        protocol=PROTOCOL,
        label="Fake JSON protocol (contract tests)",
        adapter="tests.fake_protocol.adapter.FakeAdapter",
        urls="tests.fake_protocol.urls",
    )
    if ProtocolPackage is not None
    else None
)
