"""The integration admin: partners' security, delivery and inbound settings, the outbox and inbox
rows read-only with their filters, and the actions that retry, resume and apply again."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from integrations.choices import InboundStatus, OutboundStatus
from integrations.inbox import MAX_APPLY_ATTEMPTS, inbox_apply
from integrations.models import InboundMessage, OutboundMessage, Partner
from integrations.outbox import outbox_deliver
from tests.factories import FaultFactory
from tests.helpers import admin_form_data, bring_to

pytestmark = pytest.mark.django_db

FINGERPRINT = "ab" * 32
NOTIFICATION = (
    b"<notifyFaultReportUpdate><messageId>CF-1</messageId>"
    b"<comment><value>&lt;script&gt;alert(1)&lt;/script&gt;</value></comment>"
    b"</notifyFaultReportUpdate>"
)


@pytest.fixture
def fault(partner, buyer_identifier):
    """A submitted fault: its addFaultReport waits in the outbox."""
    return bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")


@pytest.fixture
def dead_message(fault, partner):
    """The fault's addFaultReport, dead after its only attempt: nothing listens on the partner's
    loopback port 9."""
    Partner.objects.filter(pk=partner.pk).update(max_attempts=1)
    message = OutboundMessage.objects.get(fault=fault)
    assert outbox_deliver(outbound_id=message.pk) == OutboundStatus.DEAD
    message.refresh_from_db()
    return message


def store(partner, fault=None, *, body=NOTIFICATION, message_id="CF-1", deviations=()):
    """An inbound row as the webhook stores it (the admin, not the webhook, is tested here)."""
    return InboundMessage.objects.create(
        partner=partner,
        fault=fault,
        message_type="notifyFaultReportUpdate",
        message_id=message_id,
        body_sha256=hashlib.sha256(body).hexdigest(),
        body=body,
        remote_addr="127.0.0.1",
        deviations=list(deviations),
    )


@pytest.fixture
def failed_inbound(partner, fault):
    """A stored body the adapter cannot read, after its last attempt."""
    message = store(partner, fault, body=b"<notifyFaultReportUpdate/>", message_id="CF-BAD")
    for _ in range(MAX_APPLY_ATTEMPTS):
        inbox_apply(inbound_id=message.pk)
    message.refresh_from_db()
    assert message.status == InboundStatus.FAILED
    return message


def listed(response) -> list:
    return list(response.context["cl"].result_list)


# --- pages ---------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["partner", "outboundmessage", "inboundmessage"])
def test_changelists_answer(admin_client, dead_message, failed_inbound, model):
    response = admin_client.get(f"/admin/integrations/{model}/")

    assert response.status_code == 200
    assert admin_client.get(f"/admin/integrations/{model}/", {"q": "CF-1"}).status_code == 200


def test_partner_change_page_groups_security_delivery_and_inbound(admin_client, partner):
    response = admin_client.get(reverse("admin:integrations_partner_change", args=[partner.pk]))

    assert response.status_code == 200
    fieldsets = {name: opts["fields"] for name, opts in response.context["adminform"].fieldsets}
    assert fieldsets["Who may call us"] == (
        "allowed_networks",
        "inbound_auth",
        "client_cert_fingerprints",
        "inbound_username",
        "new_secret",
        "secret_status",
    )
    assert "client_cert_path" in fieldsets["How we call them"]
    assert ("connect_timeout", "read_timeout") in fieldsets["How we call them"]
    assert fieldsets["What they send us"] == ("max_inbound_bytes", "reconcile_after")


def test_partner_security_fields_are_saved_and_checked(admin_client, partner, buyer_identifier):
    url = reverse("admin:integrations_partner_change", args=[partner.pk])
    data = admin_form_data(admin_client.get(url))
    data.update(client_cert_fingerprints="not-a-fingerprint", allowed_networks="10.0.0.0/8")

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    assert "is not a SHA-256 fingerprint" in refused.text
    data["client_cert_fingerprints"] = FINGERPRINT
    saved = admin_client.post(url, data)
    assert saved.status_code == 302
    partner.refresh_from_db()
    assert partner.pinned_fingerprints == {FINGERPRINT}
    assert [str(n) for n in partner.networks] == ["10.0.0.0/8"]


def test_a_base_url_typed_without_a_scheme_is_saved_as_https(admin_client, partner):
    url = reverse("admin:integrations_partner_change", args=[partner.pk])
    data = admin_form_data(admin_client.get(url))
    data["base_url"] = "supplier.example.net/ticketing/"

    saved = admin_client.post(url, data)

    assert saved.status_code == 302
    partner.refresh_from_db()
    assert partner.base_url == "https://supplier.example.net/ticketing/"


def test_outbound_change_page_shows_the_body_read_only(admin_client, dead_message):
    response = admin_client.get(
        reverse("admin:integrations_outboundmessage_change", args=[dead_message.pk])
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert "&lt;addFaultReport&gt;" in response.text
    assert "<addFaultReport>" not in response.text
    assert "POST http://127.0.0.1:9/addFaultReport\nContent-Type: text/xml; charset=utf-8\n" in (
        response.text
    )
    assert "SOAPAction: &quot;addFaultReport&quot;" in response.text
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in response.text


def test_outbound_list_links_the_fault_and_shortens_the_error(admin_client, dead_message):
    response = admin_client.get("/admin/integrations/outboundmessage/")

    fault_url = reverse("admin:faults_fault_change", args=[dead_message.fault_id])
    assert f'href="{fault_url}"' in response.text
    assert dead_message.last_error  # the connection refusal
    admin = response.context["cl"].model_admin
    assert len(admin.short_last_error(OutboundMessage(last_error="x" * 500))) == 80


def test_inbound_change_page_shows_the_body_escaped_and_the_deviations(
    admin_client, partner, fault
):
    message = store(partner, fault, deviations=["line 1: Element 'comment': not expected."])

    response = admin_client.get(
        reverse("admin:integrations_inboundmessage_change", args=[message.pk])
    )

    assert response.status_code == 200
    assert "&lt;notifyFaultReportUpdate&gt;" in response.text
    assert "<script>" not in response.text
    assert "&amp;lt;script&amp;gt;" in response.text
    assert "<li>line 1: Element &#x27;comment&#x27;: not expected.</li>" in response.text


def test_an_inbound_body_in_utf16_is_shown_as_text(admin_client, partner, fault):
    body = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        "<notifyFaultReportUpdate>Café</notifyFaultReportUpdate>"
    )
    message = store(partner, fault, body=body.encode("utf-16"))

    response = admin_client.get(
        reverse("admin:integrations_inboundmessage_change", args=[message.pk])
    )

    assert "&lt;notifyFaultReportUpdate&gt;Café&lt;/notifyFaultReportUpdate&gt;" in response.text


def test_message_rows_cannot_be_added_or_deleted(admin_client, dead_message, failed_inbound):
    for model, row in (("outboundmessage", dead_message), ("inboundmessage", failed_inbound)):
        assert admin_client.get(f"/admin/integrations/{model}/add/").status_code == 403
        delete = reverse(f"admin:integrations_{model}_delete", args=[row.pk])
        assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert OutboundMessage.objects.filter(pk=dead_message.pk).exists()
    assert InboundMessage.objects.filter(pk=failed_inbound.pk).exists()


# --- filters ---------------------------------------------------------------------------------
def test_outbound_filters_on_status_and_type(admin_client, dead_message, partner, buyer_identifier):
    other = bring_to(FaultFactory(supplier=partner, buyer_identifier=buyer_identifier), "pending")
    waiting = OutboundMessage.objects.get(fault=other)
    url = "/admin/integrations/outboundmessage/"

    assert listed(admin_client.get(url, {"status__exact": "dead"})) == [dead_message]
    assert listed(admin_client.get(url, {"status__exact": "pending"})) == [waiting]
    by_type = listed(admin_client.get(url, {"message_type__exact": "addFaultReport"}))
    assert {m.pk for m in by_type} == {dead_message.pk, waiting.pk}
    assert listed(admin_client.get(url, {"q": dead_message.message_id})) == [dead_message]
    by_fault = listed(admin_client.get(url, {"q": other.buyer_fault_reference}))
    assert by_fault == [waiting]


def test_inbound_filters_on_deviations_and_status(admin_client, partner, fault, failed_inbound):
    deviating = store(partner, fault, message_id="CF-2", deviations=["line 3: oops"])
    url = "/admin/integrations/inboundmessage/"

    assert listed(admin_client.get(url, {"deviations": "yes"})) == [deviating]
    assert listed(admin_client.get(url, {"deviations": "no"})) == [failed_inbound]
    assert listed(admin_client.get(url, {"status__exact": "failed"})) == [failed_inbound]
    assert listed(admin_client.get(url, {"q": "CF-2"})) == [deviating]
    response = admin_client.get(url)
    row = response.context["cl"].model_admin
    assert row.deviation_count(deviating) == 1


def test_partner_filter_on_broken_credentials(admin_client, partner):
    broken = Partner.objects.create(
        name="Broken", slug="broken", protocol=partner.protocol, base_url=partner.base_url
    )
    Partner.objects.filter(pk=broken.pk).update(
        credentials_broken_at=timezone.now(), credentials_broken_reason="HTTP 401 to x"
    )

    response = admin_client.get(
        "/admin/integrations/partner/", {"credentials_broken_at__isempty": "0"}
    )

    assert [p.pk for p in listed(response)] == [broken.pk]
    assert "HTTP 401 to x" in response.text


# --- actions ---------------------------------------------------------------------------------
def test_retry_gives_a_dead_message_a_fresh_set_of_attempts(admin_client, dead_message, fault):
    response = admin_client.post(
        "/admin/integrations/outboundmessage/",
        {"action": "retry", "_selected_action": [dead_message.pk]},
        follow=True,
    )

    dead_message.refresh_from_db()
    assert dead_message.status == OutboundStatus.PENDING
    assert dead_message.attempts == 0
    assert dead_message.last_error == ""
    assert dead_message.next_attempt_at <= timezone.now()
    assert [str(m) for m in response.context["messages"]] == [
        "1 message(s) queued again with a fresh set of attempts."
    ]


def test_retry_leaves_a_message_that_is_not_dead_alone(admin_client, fault):
    pending = OutboundMessage.objects.get(fault=fault)
    due = pending.next_attempt_at

    response = admin_client.post(
        "/admin/integrations/outboundmessage/",
        {"action": "retry", "_selected_action": [pending.pk]},
        follow=True,
    )

    pending.refresh_from_db()
    assert (pending.status, pending.next_attempt_at) == (OutboundStatus.PENDING, due)
    assert "1 not dead or refused, or a refused raise" in str(list(response.context["messages"]))


def test_credentials_fixed_clears_the_flag_and_resumes_sending(admin_client, partner, fault):
    Partner.objects.filter(pk=partner.pk).update(
        credentials_broken_at=timezone.now() - timedelta(hours=1),
        credentials_broken_reason="HTTP 401 to addFaultReport",
    )

    response = admin_client.post(
        "/admin/integrations/partner/",
        {"action": "resume_sending", "_selected_action": [partner.pk]},
        follow=True,
    )

    partner.refresh_from_db()
    assert partner.credentials_broken_at is None
    assert partner.credentials_broken_reason == ""
    assert [str(m) for m in response.context["messages"]] == [
        f"Sending resumed for {partner.name}."
    ]


def test_apply_again_puts_a_failed_message_back_in_line(
    admin_client, failed_inbound, partner, fault, django_capture_on_commit_callbacks
):
    applied = store(partner, fault, message_id="CF-OK")
    InboundMessage.objects.filter(pk=applied.pk).update(status=InboundStatus.APPLIED)

    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(
            "/admin/integrations/inboundmessage/",
            {"action": "apply_again", "_selected_action": [failed_inbound.pk, applied.pk]},
            follow=True,
        )

    failed_inbound.refresh_from_db()
    assert failed_inbound.status == InboundStatus.RECEIVED
    assert failed_inbound.attempts == 0
    assert InboundMessage.objects.get(pk=applied.pk).status == InboundStatus.APPLIED
    assert len(queued) == 1
    assert [str(m) for m in response.context["messages"]] == [
        "1 failed message(s) queued to be applied again. 1 had not failed, left as they were."
    ]


# --- who may -------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["partner", "outboundmessage", "inboundmessage"])
def test_agents_and_managers_get_no_access(client, agent_user, manager_user, model):
    for user in (agent_user, manager_user):
        client.force_login(user)

        response = client.get(f"/admin/integrations/{model}/")

        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_staff_who_may_only_view_messages_get_no_actions(client, dead_message):
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_outboundmessage"),
        Permission.objects.get(codename="view_inboundmessage"),
    )
    client.force_login(viewer)

    response = client.get("/admin/integrations/outboundmessage/")
    refused = client.post(
        "/admin/integrations/outboundmessage/",
        {"action": "retry", "_selected_action": [dead_message.pk]},
    )

    assert response.status_code == 200
    assert 'value="retry"' not in response.text
    assert refused.status_code in (200, 302)
    assert OutboundMessage.objects.get(pk=dead_message.pk).status == OutboundStatus.DEAD
