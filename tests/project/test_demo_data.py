"""The demo loader: what `make run` shows, and that loading it twice changes nothing."""

import re
from datetime import timedelta
from io import StringIO

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from devtools.demo import DEMO_FAULTS, DEMO_PARTNER_SLUG, demo_data_load
from devtools.demo_history import HISTORY_DAYS, HISTORY_FAULTS, REFERENCE_PREFIX
from devtools.demo_tmf import DEMO_TMF_FAULTS, TMF_HISTORY
from faults.choices import NON_TERMINAL_STATUSES, EventKind, FaultStatus, SlaState
from faults.exceptions.on_change import request_sweep
from faults.models import (
    Fault,
    FaultAttachment,
    FaultComment,
    FaultEvent,
    FaultUpdate,
    SlaPause,
    SlaPolicy,
)
from faults.sla import fault_sla_recompute
from integrations.choices import InboundStatus, OutboundStatus
from integrations.health import integration_health
from integrations.models import BuyerIdentifier, InboundMessage, OutboundMessage, Partner

pytestmark = pytest.mark.django_db

MODELS = (
    Partner,
    BuyerIdentifier,
    SlaPolicy,
    Group,
    get_user_model(),
    Fault,
    FaultEvent,
    FaultUpdate,
    FaultComment,
    FaultAttachment,
    SlaPause,
)


def snapshot() -> dict[str, object]:
    users = get_user_model().objects.order_by("username")
    return {
        "counts": {model.__name__: model.objects.count() for model in MODELS},
        "group permissions": {g.name: g.permissions.count() for g in Group.objects.all()},
        "faults": list(
            Fault.objects.order_by("buyer_fault_reference").values_list(
                "buyer_fault_reference", "status", "maintainer_fault_reference", "updated_at"
            )
        ),
        "users": list(users.values_list("username", "password", "is_staff", "is_superuser")),
        "partners": list(Partner.objects.order_by("slug").values("name", "base_url", "updated_at")),
    }


def test_loading_twice_changes_nothing():
    first = demo_data_load(password="pw-one-123")
    before = snapshot()

    second = demo_data_load(password="pw-one-123")

    assert first.changed
    assert not second.changed
    assert snapshot() == before


def test_demo_data_has_a_fault_in_each_listed_state():
    demo_data_load()

    demo = Fault.objects.filter(buyer_fault_reference__in=[s.reference for s in DEMO_FAULTS])
    statuses = dict(demo.values_list("buyer_fault_reference", "status"))
    assert statuses == {spec.reference: spec.status for spec in DEMO_FAULTS}
    accepted = Fault.objects.get(buyer_fault_reference="DEMO-0003")
    assert accepted.maintainer_fault_reference == "CF-DEMO-0003"
    resolved = demo.get(status=FaultStatus.RESOLVED)
    assert resolved.auto_close_due_at is not None


def test_demo_history_gives_the_dashboard_figures_worth_reading():
    demo_data_load()

    history = Fault.objects.filter(buyer_fault_reference__startswith=REFERENCE_PREFIX)
    assert history.count() == HISTORY_FAULTS
    oldest = history.order_by("submitted_at").first().submitted_at
    assert timezone.now() - oldest > timedelta(days=HISTORY_DAYS - 2)
    counts = dict(history.values("status").annotate(n=Count("id")).values_list("status", "n"))
    assert counts[FaultStatus.CLOSED] > 40 and counts[FaultStatus.REJECTED] >= 1
    assert sum(counts.get(s, 0) for s in NON_TERMINAL_STATUSES) >= 3  # still being worked
    closed = history.filter(status=FaultStatus.CLOSED)
    assert closed.filter(sla_state=SlaState.MISSED).exists()  # some broke their SLA
    assert closed.filter(sla_paused_seconds__gt=0).exists()  # some waited on hold
    assert SlaPause.objects.filter(fault__in=history, ended_at__isnull=False).exists()
    # Our answers came after the supplier's resolution, never before.
    assert not closed.filter(closed_at__lt=F("resolved_at")).exists()
    on_hold = SlaPause.objects.filter(fault__status=FaultStatus.ON_HOLD, ended_at=None)
    assert on_hold.filter(fault__supplier__slug=DEMO_PARTNER_SLUG).count() == 1


def test_demo_partner_and_its_default_buyer_identifier():
    demo_data_load()

    partner = Partner.objects.get(slug="demo-supplier")
    assert partner.name == "Demo Supplier (simulator)"
    assert partner.base_url == "https://127.0.0.1:8081/"
    assert len(partner.pinned_fingerprints) == 1
    assert partner.client_cert_path.endswith("buyer-client.pem")
    assert partner.default_buyer_identifier.code == "SPDEV1"
    assert partner.sla_policies.filter(fault_type="", priority=None).exists()


def test_only_the_pending_faults_raise_is_left_for_the_simulator(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as published:
        demo_data_load()

    # One delivery task per supplier's pending fault, not one per message of the demo's past
    # (besides, the exception sweep the new faults ask for).
    deliveries = [callback for callback in published if callback is not request_sweep]
    assert len(deliveries) == 2
    waiting = OutboundMessage.objects.exclude(status=OutboundStatus.DELIVERED).order_by("id")
    assert list(waiting.values_list("fault__buyer_fault_reference", "operation")) == [
        ("DEMO-0002", "raise"),
        ("DEMO-T001", "raise"),
    ]
    assert waiting.first().message_type == "addFaultReport"


def test_demo_users_have_their_roles_and_only_admin_is_staff():
    demo_data_load(password="pw-demo-456")

    users = {u.username: u for u in get_user_model().objects.all()}
    for name in ("agent", "manager", "admin"):
        assert list(users[name].groups.values_list("name", flat=True)) == [name]
        assert users[name].check_password("pw-demo-456")
    assert not users["agent"].is_staff and not users["manager"].is_staff
    assert users["admin"].is_staff and users["admin"].is_superuser


def test_a_new_password_is_applied_on_reload():
    demo_data_load(password="pw-one-123")

    demo_data_load(password="pw-two-456")

    assert get_user_model().objects.get(username="agent").check_password("pw-two-456")


def test_command_prints_the_logins_and_password(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-env-789")
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert "agent, manager, admin; password: from-the-env-789" in out.getvalue()
    assert get_user_model().objects.get(username="manager").check_password("from-the-env-789")


def test_command_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=StringIO())
    assert not Partner.objects.exists()

    call_command("load_demo", "--force", stdout=StringIO())
    assert Fault.objects.count() == (
        len(DEMO_FAULTS) + HISTORY_FAULTS + len(DEMO_TMF_FAULTS) + TMF_HISTORY.faults
    )


# --- the history reads as history everywhere (issue 10 #18) ------------------------------------


def test_the_list_finds_history_faults_by_the_day_they_were_created(agent_user, client):
    demo_data_load()
    three_weeks_ago = timezone.localdate() - timedelta(days=21)
    created_then = Fault.objects.filter(
        buyer_fault_reference__startswith=REFERENCE_PREFIX,
        submitted_at__date__gte=three_weeks_ago - timedelta(days=1),
        submitted_at__date__lte=three_weeks_ago + timedelta(days=1),
    ).values_list("buyer_fault_reference", flat=True)
    assert created_then  # the history has faults around that day

    client.force_login(agent_user)
    day = three_weeks_ago.isoformat()
    around = (three_weeks_ago - timedelta(days=1)).isoformat()
    after = (three_weeks_ago + timedelta(days=1)).isoformat()
    page = client.get(f"/faults/?created_from={around}&created_to={after}").content.decode()

    for reference in created_then:
        assert f"/faults/{reference}/" in page
    assert "/faults/DEMO-0002/" not in page  # today's demo faults are not from then
    history = Fault.objects.filter(buyer_fault_reference__startswith=REFERENCE_PREFIX)
    assert not history.filter(created_at__gt=F("submitted_at")).exists()
    assert history.filter(created_at__date=day).count() <= 3
    assert not history.filter(updated_at__lt=F("submitted_at")).exists()


def test_the_wallboard_counts_only_what_was_raised_today(agent_user, client):
    demo_data_load()
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = Fault.objects.filter(created_at__gte=midnight).exclude(status=FaultStatus.DRAFT)
    raised_today = today.count()
    # Each supplier's demo faults and at most its young history faults, which were raised in
    # the last day; none of the six weeks before.
    assert raised_today <= len(DEMO_FAULTS) - 1 + 6 + len(DEMO_TMF_FAULTS) + TMF_HISTORY.still_open
    assert not today.filter(submitted_at__lt=midnight - timedelta(hours=1)).exists()

    client.force_login(agent_user)
    page = client.get("/wallboard/").content.decode()

    figure = re.search(r'data-figure="raised-today".*?data-value="(\d+)"', page, re.S)
    assert figure and int(figure[1]) == raised_today


def test_history_messages_and_timelines_happened_when_their_faults_did(agent_user, client):
    started = timezone.now()
    demo_data_load()
    history = Fault.objects.filter(buyer_fault_reference__startswith=REFERENCE_PREFIX)

    messages = OutboundMessage.objects.filter(fault__in=history)
    assert messages.count() >= HISTORY_FAULTS
    assert set(messages.values_list("status", "attempts", "last_error")) == {
        (OutboundStatus.DELIVERED, 1, "")
    }
    assert not messages.exclude(created_at=F("delivered_at")).exists()
    assert not messages.filter(created_at__gte=started).exists()
    events = FaultEvent.objects.filter(fault__in=history)
    # Nothing of the history is stamped by the loader's clock; the exception sweep the loader
    # runs at the end judges the history as it stands today, and says so today.
    assert not events.exclude(kind=EventKind.EXCEPTION).filter(at__gte=started).exists()
    assert not events.filter(kind=EventKind.EXCEPTION, at__lt=started).exists()
    assert not events.filter(kind="anomaly").exists()  # nor a supplier message from the future

    client.force_login(agent_user)
    oldest = history.order_by("submitted_at").first()
    page = client.get(f"/faults/{oldest.buyer_fault_reference}/").content.decode()
    times = re.findall(r'<time datetime="([^"]+)">', page.split('id="fault-timeline"')[1])
    assert times and all(t < started.isoformat() for t in times)
    assert oldest.created_at.date().isoformat() in page  # the "Created" line is from then
    # Each history message reads as delivered on the timeline (the note form's help, which says
    # a note is "never sent to the supplier", is not the timeline's).
    (timeline,) = lxml.html.fromstring(page).xpath("//*[@id='fault-timeline']")
    assert "Last error" not in timeline.text_content()
    assert "never sent" not in timeline.text_content()


# --- the SLA clock and the supplier's messages of the demo's past (issue 10 #18) ---------------


def test_the_history_sla_figures_are_the_engines_and_count_the_suppliers_work():
    demo_data_load()
    history = Fault.objects.filter(buyer_fault_reference__startswith=REFERENCE_PREFIX)
    worked = history.filter(accepted_at__isnull=False, resolved_at__isnull=False)

    # What a fault stores is what the SLA engine computes from its (back-dated) history.
    for fault in history.select_related("sla_policy"):
        stored = (fault.sla_state, fault.sla_elapsed_seconds, fault.sla_paused_seconds)
        fault_sla_recompute(fault, now=fault.sla_computed_at)
        assert (fault.sla_state, fault.sla_elapsed_seconds, fault.sla_paused_seconds) == stored
    # The supplier worked to the SLA's calendar: every fault it repaired used SLA time, and
    # every fault it kept on hold was paused in it (none lived its life at night only).
    assert worked.count() > 40
    assert not worked.filter(sla_elapsed_seconds=0).exists()
    held = worked.filter(sla_pauses__isnull=False).distinct()
    assert held.exists() and not held.filter(sla_paused_seconds=0).exists()


def test_the_suppliers_part_of_the_demo_arrives_as_its_messages_do(agent_user, client):
    started = timezone.now()
    demo_data_load()
    demo = Fault.objects.filter(supplier__slug=DEMO_PARTNER_SLUG).exclude(
        status__in=(FaultStatus.DRAFT, FaultStatus.PENDING)
    )
    changes = FaultEvent.objects.filter(fault__in=demo, kind="status", actor_kind="partner")

    # Each change the supplier made came in one notification, stored raw and applied then.
    inbound = InboundMessage.objects.filter(fault__in=demo)
    assert inbound.count() == changes.count() > 0
    assert set(inbound.values_list("message_type", "status", "attempts")) == {
        ("notifyFaultReportUpdate", InboundStatus.APPLIED, 1)
    }
    assert not inbound.exclude(received_at=F("sent_at")).exists()
    assert not inbound.exclude(applied_at=F("received_at")).exists()
    assert not inbound.filter(received_at__gte=started).exists()
    assert set(changes.values_list("actor_ref", flat=True)) == set(
        inbound.values_list("message_id", flat=True)
    )
    # Integration health counts them, as the fault pages show them.
    (health,) = [row for row in integration_health() if row.partner.slug == DEMO_PARTNER_SLUG]
    assert health.inbound.all_time == {InboundStatus.APPLIED: inbound.count()}
    client.force_login(agent_user)
    page = client.get("/faults/DEMO-H001/").content.decode()
    assert (
        page.count('data-kind="inbound"')
        == inbound.filter(fault__buyer_fault_reference="DEMO-H001").count()
    )


def test_the_demo_faults_were_moved_in_the_hours_before_the_load():
    started = timezone.now()
    demo_data_load()

    for spec in DEMO_FAULTS:
        fault = Fault.objects.get(buyer_fault_reference=spec.reference)
        times = list(
            FaultEvent.objects.filter(fault=fault, kind="status").values_list("at", flat=True)
        )
        if spec.status in (FaultStatus.DRAFT, FaultStatus.PENDING):
            continue
        assert len(set(times)) == len(times), spec.reference  # no two steps at one instant
        assert max(times) < started, spec.reference
        assert fault.created_at < fault.submitted_at, spec.reference


def test_demo_history_reaches_event_subscribers_marked_as_history(tmp_path):
    # A subscriber that would tell partners about changes must be able to tell the demo's past
    # (recorded as already delivered) from a change happening now.
    from faults import events

    received: list[events.DomainEvent] = []
    with events.subscribed(received.append):
        demo_data_load(pki_dir=tmp_path)
    history_faults = set(
        Fault.objects.filter(buyer_fault_reference__startswith=REFERENCE_PREFIX).values_list(
            "pk", flat=True
        )
    )
    of_history = [event for event in received if event.fault_id in history_faults]
    assert of_history, "the demo history emitted no event"
    assert all(event.history for event in of_history)
