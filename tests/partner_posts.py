"""What the supplier posts to our webhook, for the tests of the partner edge: a well-formed
notifyFaultReportUpdate for one of our faults, each with one update entry of its own (so that
applying a message twice would show as two updates)."""

from datetime import UTC, datetime

from devtools.pki import DemoPki
from faults.models import Fault
from tests.factories import BuyerIdentifierFactory, FaultFactory, PartnerFactory
from tests.helpers import bring_to

NOTIFY = """<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<notifyFaultReportUpdate><apiVersion>1.0</apiVersion><buyerIdentifier>SPDEV1</buyerIdentifier>
<sentAt>{sent}</sentAt><messageId>{mid}</messageId><serviceAffected>S1</serviceAffected>
<buyerFaultReference>{ref}</buyerFaultReference>
<maintainerFaultReference>{maintainer}</maintainerFaultReference>
<faultDetails><type>Impaired Service</type><status>{status}</status>
<faultStartTime>2026-11-23T09:00:00Z</faultStartTime><faultLocation>Cabinet 12</faultLocation>
<siteAccessDetails>Reception</siteAccessDetails>
<siteAccessContactDetails><phone>1</phone></siteAccessContactDetails>
<triageComplete>true</triageComplete><triageFindings>Fibre break</triageFindings></faultDetails>
<updates><update><description>Update {mid}</description><updatedBy>seller</updatedBy>
<updatedTime>{sent}</updatedTime></update></updates></notifyFaultReportUpdate>
</soap:Body></soap:Envelope>"""


def notification(
    reference: str,
    *,
    message_id: str,
    status: str = "accepted",
    maintainer_reference: str = "CS0000042",
    sent_at: datetime | None = None,
) -> bytes:
    sent = (sent_at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return NOTIFY.format(
        sent=sent,
        mid=message_id,
        ref=reference,
        status=status,
        maintainer=maintainer_reference,
    ).encode()


def pending_fault_of_pinned_supplier(pki: DemoPki, *, slug: str) -> Fault:
    """A pending fault of a supplier that pins the demo PKI's supplier client certificate and
    calls from loopback, under buyer identifier SPDEV1 (the one `notification` names)."""
    partner = PartnerFactory(
        slug=slug,
        protocol="cityfibre",
        client_cert_fingerprints=pki.supplier_client.fingerprint,
        allowed_networks="127.0.0.1/32",
    )
    buyer = BuyerIdentifierFactory(partner=partner, code="SPDEV1", is_default=True)
    return bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer), "pending")
