"""A change that clears or raises an exception is followed by a sweep seconds after it commits,
not at the next periodic sweep; a burst of changes asks for one sweep."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from config.celery import app
from faults.choices import FaultStatus
from faults.exceptions.models import TicketException
from faults.exceptions.on_change import PENDING_KEY, request_sweep
from faults.exceptions.services import exceptions_sweep
from faults.services import Actor, CommentEntry, SupplierReport, fault_apply_supplier_report
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_run_at_once(monkeypatch):
    """The sweep the change asks for runs in this process as soon as it is asked for."""
    cache.delete(PENDING_KEY)
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    yield
    cache.delete(PENDING_KEY)


def test_a_word_from_a_silent_supplier_solves_its_exception_when_it_commits(
    tasks_run_at_once, django_capture_on_commit_callbacks
):
    now = timezone.now()
    fault = FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        submitted_at=now - timedelta(hours=40),
        last_supplier_message_at=now - timedelta(hours=30),
    )
    exceptions_sweep(now=now)
    exception = TicketException.objects.get(fault=fault, rule__type_name="NO_SUPPLIER_UPDATE")

    with django_capture_on_commit_callbacks(execute=True):
        fault_apply_supplier_report(
            fault_id=fault.pk,
            report=SupplierReport(
                sent_at=timezone.now(),
                comments=(CommentEntry(text="Engineer on site.", commented_by="seller"),),
            ),
            actor=Actor.partner("MSG-1"),
        )

    exception.refresh_from_db()
    assert exception.solved_at is not None
    assert exception.solved_automatically


def test_without_a_commit_nothing_is_asked(tasks_run_at_once, django_capture_on_commit_callbacks):
    now = timezone.now()
    fault = FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        submitted_at=now - timedelta(hours=40),
        last_supplier_message_at=now - timedelta(hours=30),
    )
    exceptions_sweep(now=now)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fault_apply_supplier_report(
            fault_id=fault.pk,
            report=SupplierReport(
                sent_at=timezone.now(),
                comments=(CommentEntry(text="Engineer on site.", commented_by="seller"),),
            ),
            actor=Actor.partner("MSG-2"),
        )

    assert callbacks  # the request waits for the commit...
    # ...and until then the exception is still open.
    assert TicketException.objects.filter(fault=fault, solved_at__isnull=True).exists()


def test_a_burst_of_changes_asks_for_one_sweep(tasks_run_at_once, settings):
    settings.EXCEPTION_SWEEP_AFTER_CHANGE_SECONDS = 10

    assert [request_sweep() for _ in range(5)] == [True, False, False, False, False]

    cache.delete(PENDING_KEY)  # the window has passed
    assert request_sweep()


def test_the_setting_at_zero_leaves_it_to_the_periodic_sweep(
    settings, django_capture_on_commit_callbacks
):
    settings.EXCEPTION_SWEEP_AFTER_CHANGE_SECONDS = 0
    fault = FaultFactory(status=FaultStatus.IN_PROGRESS)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fault_apply_supplier_report(
            fault_id=fault.pk,
            report=SupplierReport(
                sent_at=timezone.now(),
                comments=(CommentEntry(text="Engineer on site.", commented_by="seller"),),
            ),
            actor=Actor.partner("MSG-3"),
        )

    assert callbacks == []
