"""The beat task runs the sweep and says what it did."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faults.choices import FaultStatus
from faults.tasks import sweep_exceptions
from tests.factories import FaultFactory

pytestmark = pytest.mark.django_db


def test_the_beat_task_raises_what_the_rules_find():
    FaultFactory(
        status=FaultStatus.IN_PROGRESS,
        last_supplier_message_at=timezone.now() - timedelta(days=2),
    )

    assert sweep_exceptions() == {"raised": 1, "solved": 0}
    assert sweep_exceptions() == {"raised": 0, "solved": 0}
