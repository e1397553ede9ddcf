"""/ticketExceptions/v1/serviceProviderEscalationCandidates: the seed's bare array of suppliers
over the admin's threshold."""

from datetime import UTC, timedelta

import pytest

from faults.exceptions.models import EscalationThreshold
from tests.exceptions_api.test_auth import assert_envelope

pytestmark = pytest.mark.django_db

CANDIDATES = "/ticketExceptions/v1/serviceProviderEscalationCandidates"


def test_the_suppliers_over_the_threshold_in_the_seeds_shape(api, partner, raise_exception):
    EscalationThreshold.objects.update_or_create(
        pk=1, defaults={"min_open_exceptions": 2, "oldest_open_hours": 1000}
    )
    oldest = raise_exception(ago=timedelta(hours=30))
    raise_exception(ago=timedelta(hours=2))

    answer = api.get(CANDIDATES)

    assert answer.status_code == 200
    assert answer.json() == [
        {
            "serviceProviderId": partner.pk,
            "serviceProviderName": partner.name,
            "openExceptionCount": 2,
            "oldestExceptionDate": answer.json()[0]["oldestExceptionDate"],
        }
    ]
    answered = answer.json()[0]["oldestExceptionDate"]
    assert answered.endswith("Z")  # in UTC, as the seed's dates
    assert answered.startswith(oldest.raised_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"))


def test_no_candidate_under_the_threshold(api, raise_exception):
    EscalationThreshold.objects.update_or_create(
        pk=1, defaults={"min_open_exceptions": 5, "oldest_open_hours": 1000}
    )
    raise_exception()

    assert api.get(CANDIDATES).json() == []


def test_the_persona_is_checked_here_too(agent_user, token_for):
    from tests.exceptions_api.conftest import bearer

    assert_envelope(
        bearer(token_for(agent_user, persona="Other")).get(CANDIDATES), 403, "Forbidden"
    )
