"""The queue's and the wallboard's announcements of new work (the JSON they poll) and the e-mail
digest a user can ask for on the notifications page."""

from datetime import timedelta

import lxml.html
import pytest
from django.core import mail
from django.utils import timezone

from faults.choices import DigestFrequency, FaultStatus
from faults.models import WorkspacePreference
from faults.services.digests import work_digests_send, workspace_preference_set
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


def test_the_poll_answers_the_new_work_and_the_moment_to_ask_from_next(agent_client):
    before = timezone.now() - timedelta(minutes=1)
    fault = FaultFactory(status=FaultStatus.REJECTED, rejected_at=timezone.now())

    answer = agent_client.get("/queue/new-work/", {"since": before.isoformat()})

    assert answer.status_code == 200
    body = answer.json()
    assert body["items"] == [
        {
            "kind": "rejected",
            "title": "Rejected by the supplier",
            "reference": fault.buyer_fault_reference,
            "text": fault.supplier.name,
            "at": fault.rejected_at.isoformat(),
            "url": f"/faults/{fault.buyer_fault_reference}/",
        }
    ]
    again = agent_client.get("/queue/new-work/", {"since": body["now"]})
    assert again.json()["items"] == []  # announced once


@pytest.mark.parametrize("since", ["", "yesterday", "2026-11-27T09:30:00", "2026-13-01T00:00Z"])
def test_a_bad_moment_is_refused_in_words(agent_client, since):
    answer = agent_client.get("/queue/new-work/", {"since": since})
    assert answer.status_code == 400
    assert "ISO 8601" in answer.json()["error"]


def test_the_poll_needs_a_role(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get("/queue/new-work/", {"since": timezone.now().isoformat()}).status_code == 403


@pytest.mark.parametrize("path", ["/queue/", "/wallboard/"])
def test_the_queue_and_the_wallboard_announce_new_work(agent_client, path):
    page = lxml.html.fromstring(agent_client.get(path).content)
    (section,) = page.xpath("//section[@data-new-work-url]")
    assert section.get("data-new-work-url") == "/queue/new-work/"
    assert section.get("data-since")
    assert section.xpath(".//*[@role='status']")
    assert page.xpath("//script[contains(@src, 'new-work')]")


def test_a_user_chooses_an_hourly_digest(agent_client, agent_user):
    answer = agent_client.post("/account/notifications/", {"email_digest": "hourly"}, follow=True)

    assert answer.status_code == 200
    assert "E-mail digest: Hourly." in answer.content.decode()
    assert agent_user.workspace_preference.email_digest == DigestFrequency.HOURLY


def test_an_unknown_choice_is_refused_and_changes_nothing(agent_client, agent_user):
    answer = agent_client.post("/account/notifications/", {"email_digest": "weekly"})
    assert answer.status_code == 400
    assert "Select a valid choice" in answer.content.decode()
    assert not WorkspacePreference.objects.filter(user=agent_user).exists()


@pytest.fixture
def hourly(agent_user):
    agent_user.email = "agent@example.net"
    agent_user.save()
    return workspace_preference_set(user_id=agent_user.pk, email_digest=DigestFrequency.HOURLY)


def test_the_digest_lists_the_new_work_once(hourly, settings):
    settings.SITE_URL = "https://noc.example.net"
    now = timezone.now()
    fault = FaultFactory(status=FaultStatus.RESOLVED, resolved_at=now - timedelta(minutes=20))

    assert work_digests_send(now) == 1
    (message,) = mail.outbox
    assert message.to == ["agent@example.net"]
    assert message.subject == "NOC: 1 new item of work"
    assert "Resolution awaiting our answer: " + fault.buyer_fault_reference in message.body
    assert f"https://noc.example.net/faults/{fault.buyer_fault_reference}/" in message.body
    assert "https://noc.example.net/account/notifications/" in message.body

    # Within the hour nothing more is sent, and an hour later only what is new since.
    assert work_digests_send(now + timedelta(minutes=30)) == 0
    assert work_digests_send(now + timedelta(hours=1)) == 0  # nothing new: no e-mail
    assert len(mail.outbox) == 1


def test_no_digest_without_an_address_or_when_switched_off(hourly, agent_user):
    FaultFactory(status=FaultStatus.REJECTED, rejected_at=timezone.now() - timedelta(minutes=5))
    agent_user.email = ""
    agent_user.save()
    assert work_digests_send() == 0

    agent_user.email = "agent@example.net"
    agent_user.save()
    workspace_preference_set(user_id=agent_user.pk, email_digest=DigestFrequency.OFF)
    assert work_digests_send() == 0
    assert mail.outbox == []


def test_no_digest_for_a_user_who_lost_the_role(hourly, agent_user):
    FaultFactory(status=FaultStatus.REJECTED, rejected_at=timezone.now() - timedelta(minutes=5))
    agent_user.groups.clear()
    assert work_digests_send() == 0
    assert mail.outbox == []
