import pytest

from faults.exceptions.models import CallToAction, TicketExceptionRule
from faults.exceptions.shipped import ship_rules


@pytest.fixture(autouse=True)
def shipped_rules(db):
    """The shipped rules, as the migration writes them (a transactional test's flush before this
    one may have emptied the table)."""
    ship_rules(TicketExceptionRule, CallToAction)
