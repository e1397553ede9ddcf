"""Beat's schedule: the spine's fixed sweeps (settings.CELERY_BEAT_SCHEDULE) plus every enabled
protocol package's polls (`integrations.packages.poll_schedule`).

Beat keeps its schedule in the database (django-celery-beat), which only ever adds or updates
the entries it is given. This scheduler also deletes the poll entries of a package no longer
enabled, so removing a package from INTEGRATION_PACKAGES stops its polls at the next start of
beat instead of leaving them to fire a task nothing runs."""

from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from integrations.packages import POLL_ENTRY_PREFIX, poll_schedule


def beat_schedule() -> dict[str, dict]:
    """Every entry beat runs: the spine's sweeps, then the enabled packages' polls."""
    return {**settings.CELERY_BEAT_SCHEDULE, **poll_schedule()}


class PackagePollScheduler(DatabaseScheduler):
    def setup_schedule(self) -> None:
        polls = poll_schedule()
        PeriodicTask.objects.filter(name__startswith=POLL_ENTRY_PREFIX).exclude(
            name__in=list(polls)
        ).delete()
        super().setup_schedule()
        self.update_from_dict(polls)
