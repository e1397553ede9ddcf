"""Two workers applying two New messages for the same partner ticket at once (TEP redelivered
it under another SystemTransactionID) open one fault, not two: openings of one supplier are
serialised on its row."""

import threading

import pytest
from django.db import close_old_connections, connection

from faults.choices import OpenedBy
from faults.models import Fault
from faults.services import SupplierOpening, fault_open_by_supplier
from tests.factories import BuyerIdentifierFactory, PartnerFactory
from tests.helpers import SUPPLIER


@pytest.mark.django_db(transaction=True)
def test_two_openings_of_one_ticket_at_once_make_one_fault():
    partner = PartnerFactory(slug="tep-partner")
    BuyerIdentifierFactory(partner=partner, is_default=True)
    start = threading.Barrier(2)
    results, errors = [], []

    def open_it(reference: str) -> None:
        try:
            start.wait(timeout=10)
            fault, created = fault_open_by_supplier(
                supplier=partner,
                opening=SupplierOpening(partner_reference="INC-7", fields={"service_id": "S"}),
                actor=SUPPLIER,
                buyer_fault_reference=reference,
            )
            results.append((fault.pk, created))
        except Exception as exc:  # reported below, with the other thread's result
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_it, args=(f"TEP-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    close_old_connections()

    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({pk for pk, _ in results}) == 1
    assert Fault.objects.filter(opened_by=OpenedBy.SUPPLIER).count() == 1
