"""Query parameters of the fault list."""

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict
from django_filters.fields import IsoDateTimeField
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.views import APIView

from faults.choices import FaultStatus, OpenedBy, SlaState
from faults.models import Fault
from faults.selectors import fault_text_search
from faults.worklists import Assigned, assigned_filter

PRIORITY_CHOICES = [(n, str(n)) for n in range(1, 6)]


class CommaOrRepeatedWidget(forms.SelectMultiple):
    """Takes several values as `?status=a,b`, `?status=a&status=b` or both mixed."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        raw = data.getlist(name) if isinstance(data, MultiValueDict) else [data.get(name)]
        values = []
        for item in raw:
            if isinstance(item, str):
                values.extend(part.strip() for part in item.split(",") if part.strip())
        return list(dict.fromkeys(values))


class MultipleValueChoiceFilter(django_filters.MultipleChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", CommaOrRepeatedWidget)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, read as the UTC instant it names. ISO 8601 and Python allow any
    offset under 24 hours; PostgreSQL refuses one beyond ±15:59 (e.g. `-20:13`) with an error."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError("The date-time is out of range.", code="overflow") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class FaultFilterSet(django_filters.FilterSet):
    status = MultipleValueChoiceFilter(
        choices=FaultStatus.choices, help_text="One or more statuses: comma-separated or repeated."
    )
    partner = django_filters.CharFilter(
        field_name="supplier__slug", help_text="The supplier's slug."
    )
    priority = MultipleValueChoiceFilter(
        choices=PRIORITY_CHOICES, help_text="One or more priorities (1 is highest)."
    )
    sla_state = MultipleValueChoiceFilter(choices=SlaState.choices, help_text="One or more.")
    fault_type = django_filters.CharFilter(lookup_expr="iexact", help_text="Any case.")
    opened_by = django_filters.ChoiceFilter(
        choices=OpenedBy.choices,
        help_text="Who opened the fault: us, or the supplier (an incident it opened with us).",
    )
    created_after = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Created at or after (ISO 8601)."
    )
    created_before = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="Created before (ISO 8601)."
    )
    parent = django_filters.CharFilter(
        field_name="parent__buyer_fault_reference", help_text="The parent's buyer reference."
    )
    owner = django_filters.CharFilter(
        field_name="owner__username", help_text="The owner's username."
    )
    team = django_filters.CharFilter(field_name="team__name", help_text="The team's name.")
    assigned = django_filters.ChoiceFilter(
        choices=Assigned.CHOICES,
        method="assigned_to",
        help_text="mine: owned by you; team: of a team you are in; unassigned: no owner.",
    )
    q = django_filters.CharFilter(
        method="search",
        help_text="Text in the buyer or maintainer reference, service id, location or description.",
    )

    class Meta:
        model = Fault
        fields = [
            "status",
            "partner",
            "priority",
            "sla_state",
            "fault_type",
            "opened_by",
            "created_after",
            "created_before",
            "parent",
            "owner",
            "team",
            "assigned",
            "q",
        ]

    def search(self, queryset: QuerySet[Fault], name: str, value: str) -> QuerySet[Fault]:
        return fault_text_search(queryset, value)

    def assigned_to(self, queryset: QuerySet[Fault], name: str, value: str) -> QuerySet[Fault]:
        user = getattr(self.request, "user", None)
        return queryset.filter(assigned_filter(value, getattr(user, "pk", None)))


class StableOrderingFilter(OrderingFilter):
    """DRF's ordering, with the id as the last key so that pages never overlap."""

    def get_ordering(self, request: Request, queryset: QuerySet, view: APIView) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not {"id", "-id"} & set(ordering):
            ordering.append("-id")
        return ordering
