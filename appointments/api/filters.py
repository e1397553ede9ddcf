"""Query parameters of the appointment list."""

import django_filters

from appointments.choices import AppointmentState, MissedSide
from appointments.models import Appointment
from faults.api.filters import MultipleValueChoiceFilter
from faults.choices import ClosureCode

SIDES = [(value, label) for value, label in MissedSide.choices if value]


class AppointmentFilterSet(django_filters.FilterSet):
    partner = django_filters.CharFilter(field_name="partner__slug", help_text="Supplier slug.")
    fault = django_filters.CharFilter(
        field_name="fault__buyer_fault_reference", help_text="The fault's buyer reference."
    )
    state = MultipleValueChoiceFilter(choices=AppointmentState.choices, help_text="One or more.")
    closure_code = MultipleValueChoiceFilter(
        choices=ClosureCode.choices, help_text="One or more closure codes (FR, FNR, HAZ, …)."
    )
    missed = django_filters.BooleanFilter()
    missed_side = MultipleValueChoiceFilter(choices=SIDES, help_text="seller, end-user, mborc.")
    date_from = django_filters.DateFilter(
        field_name="appointment_date", lookup_expr="gte", help_text="From this day (YYYY-MM-DD)."
    )
    date_to = django_filters.DateFilter(
        field_name="appointment_date", lookup_expr="lte", help_text="Up to this day (YYYY-MM-DD)."
    )
    reservation_key = django_filters.CharFilter(max_length=36)

    class Meta:
        model = Appointment
        fields = [
            "partner",
            "fault",
            "state",
            "closure_code",
            "missed",
            "missed_side",
            "date_from",
            "date_to",
            "reservation_key",
        ]
