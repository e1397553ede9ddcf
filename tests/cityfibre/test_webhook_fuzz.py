"""Property: whatever mutation of a published sample reaches the webhook, the answer is never a
500 but a well-formed receivedNotifyFaultReportUpdate with responseCode 200, 400 or 413 (the
HTTP status too); and what the webhook acknowledged, the inbox can apply.

Mutations, combined at random: structural ones on the parsed tree (delete, duplicate or rename
an element, random text in a field), then byte-level ones on the serialised body (flips,
truncation, raw unicode spliced in, padding), then a SOAP envelope or not.
"""

import copy

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from faults.models import Fault
from integrations.choices import InboundStatus
from integrations.inbox import inbox_apply
from integrations.models import InboundMessage
from tests.cityfibre.conftest import read_answer, sample
from tests.factories import BuyerIdentifierFactory, FaultFactory
from tests.helpers import bring_to

NOTIFICATIONS = tuple(range(12, 35, 2))
SOAP_START = b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
SOAP_END = b"</soap:Body></soap:Envelope>"
# Text lxml can hold in a tree (XML 1.0 characters); the byte-level splice below goes further.
xml_text = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\ufffe\uffff",
    )
    | st.sampled_from("\t\n\r &<>\"'"),
    max_size=60,
)


@st.composite
def tree_mutation(draw):
    kind = draw(st.sampled_from(["delete", "duplicate", "rename", "text", "swap"]))
    return (kind, draw(st.integers(0, 200)), draw(st.integers(0, 200)), draw(xml_text))


@st.composite
def byte_mutation(draw):
    kind = draw(st.sampled_from(["flip", "truncate", "splice", "pad"]))
    return (
        kind,
        draw(st.integers(0, 5000)),
        draw(st.integers(0, 255)),
        draw(st.text(max_size=20)),
    )


def _apply_tree(root: etree._Element, mutation: tuple) -> None:
    kind, i, j, text = mutation
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    target = elements[i % len(elements)]
    other = elements[j % len(elements)]
    parent = target.getparent()
    if kind == "delete" and parent is not None:
        parent.remove(target)
    elif kind == "duplicate" and parent is not None:
        target.addnext(copy.deepcopy(target))
    elif kind == "rename":
        target.tag = other.tag
    elif kind == "swap":
        target.tag, other.tag = other.tag, target.tag
    elif kind == "text":
        target.text = text


def _apply_bytes(body: bytes, mutation: tuple) -> bytes:
    kind, at, value, text = mutation
    if not body:
        return body
    at %= len(body)
    if kind == "flip":
        return body[:at] + bytes([value]) + body[at + 1 :]
    if kind == "truncate":
        return body[:at]
    if kind == "pad":
        return body[:at] + b" " * (value * 8) + body[at:]
    return body[:at] + text.encode("utf-8", "surrogatepass") + body[at:]


@st.composite
def mutated_sample(draw) -> bytes:
    root = etree.fromstring(sample(draw(st.sampled_from(NOTIFICATIONS))))
    for mutation in draw(st.lists(tree_mutation(), max_size=4)):
        _apply_tree(root, mutation)
    body = etree.tostring(root)
    for mutation in draw(st.lists(byte_mutation(), max_size=2)):
        body = _apply_bytes(body, mutation)
    if draw(st.booleans()):
        body = SOAP_START + body + SOAP_END
    return body


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=mutated_sample())
def test_no_mutation_of_a_sample_gets_a_500(client, post_notification, cityfibre_partner, body):
    # The fault every sample names, and both buyer identifiers the samples use, so that many
    # mutations get past the checks and are stored and applied.
    if not Fault.objects.filter(buyer_fault_reference="SP-123ABC").exists():
        # A limit a little over the samples' size, so that duplications and envelopes can
        # cross it.
        cityfibre_partner.max_inbound_bytes = 3000
        cityfibre_partner.save()
        BuyerIdentifierFactory(partner=cityfibre_partner, code="SPBUYERID")
        fault = FaultFactory(
            supplier=cityfibre_partner,
            buyer_identifier=cityfibre_partner.default_buyer_identifier,
            buyer_fault_reference="SP-123ABC",
        )
        bring_to(fault, "pending")
    rows_before = set(InboundMessage.objects.values_list("id", flat=True))

    response = post_notification(client, body)

    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400, 413)
    answer = read_answer(response)  # well-formed, and the right element
    assert answer.response_code == response.status_code
    new_rows = InboundMessage.objects.exclude(id__in=rows_before)
    if response.status_code != 200:
        assert not new_rows.exists()
        assert answer.error_message
    for row in new_rows:
        assert bytes(row.body) == body
        assert inbox_apply(inbound_id=row.pk) == InboundStatus.APPLIED, row.last_error
