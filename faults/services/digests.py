"""The e-mail digest of new work a user asked for (hourly or daily), sent by a beat sweep.

A digest lists what `faults.new_work` announces on the queue, since the user's last digest (the
first one: one period back). Nothing new, no e-mail. The user's row is locked while its digest
is sent, so two sweeps at once (two beats by mistake, a retried task) send it once; the time of
sending is saved with the row, so a failed send is retried at the next sweep."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from faults.choices import DigestFrequency
from faults.models import WorkspacePreference
from faults.new_work import new_work_since
from faults.roles import can_read_faults

PERIODS = {DigestFrequency.HOURLY: timedelta(hours=1), DigestFrequency.DAILY: timedelta(days=1)}


def work_digests_due(now: datetime) -> list[int]:
    """The ids of the preferences whose digest is due at `now`."""
    due = Q()
    for frequency, period in PERIODS.items():
        due |= Q(email_digest=frequency) & (
            Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - period)
        )
    return list(
        WorkspacePreference.objects.filter(due, user__is_active=True)
        .exclude(user__email="")
        .values_list("pk", flat=True)
    )


def work_digest_send(preference_id: int, *, now: datetime | None = None) -> int:
    """Send one user's digest if it is due; how many items it listed (0: none sent)."""
    now = now or timezone.now()
    with transaction.atomic():
        preference = (
            WorkspacePreference.objects.select_for_update()
            .select_related("user")
            .get(pk=preference_id)
        )
        period = PERIODS.get(preference.email_digest)
        user = preference.user
        if period is None or not user.email or not user.is_active or not can_read_faults(user):
            return 0  # switched off, nowhere to send it, or no longer allowed to see faults
        if preference.digest_sent_at and preference.digest_sent_at > now - period:
            return 0  # another sweep sent it
        since = preference.digest_sent_at or now - period
        items = new_work_since(since, now, limit=200)
        if items:
            context = {
                "user": preference.user,
                "items": items,
                "since": since,
                "site_url": settings.SITE_URL.rstrip("/"),
            }
            send_mail(
                subject=f"NOC: {len(items)} new item{'s' if len(items) != 1 else ''} of work",
                message=render_to_string("faults/email/work_digest.txt", context),
                from_email=None,
                recipient_list=[preference.user.email],
            )
        preference.digest_sent_at = now
        preference.save(update_fields=["digest_sent_at"])
    return len(items)


def work_digests_send(now: datetime | None = None) -> int:
    """The beat sweep: every due digest; how many e-mails were sent."""
    now = now or timezone.now()
    return sum(1 for pk in work_digests_due(now) if work_digest_send(pk, now=now))


def workspace_preference_set(*, user_id: int, email_digest: str) -> WorkspacePreference:
    """A user's choice of digest; the first digest after switching on covers one period back."""
    if email_digest not in DigestFrequency.values:
        raise ValueError(f"Unknown digest frequency {email_digest!r}.")
    preference, _ = WorkspacePreference.objects.get_or_create(user_id=user_id)
    if preference.email_digest != email_digest:
        preference.email_digest = email_digest
        preference.digest_sent_at = None
        preference.save(update_fields=["email_digest", "digest_sent_at"])
    return preference
