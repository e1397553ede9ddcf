"""The service-credit evidence (managers and admins): choose a supplier and a month, read each
late fault with our figures beside the supplier's, print it, or download it as CSV. The rows come
from `appointments.service_credits.evidence`; these views read the choice and render."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from appointments.service_credits.evidence import service_credit_evidence
from appointments.service_credits.export import evidence_csv_lines
from faults.suppliers import suppliers
from faults.ui.access import manager_required

MONTH_FORMAT = "%Y-%m"
EARLIEST = date(2000, 1, 1)


class MonthInput(forms.DateInput):
    """The browser's month picker; its value is YYYY-MM."""

    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format=MONTH_FORMAT)


class EvidenceForm(forms.Form):
    supplier = forms.ModelChoiceField(label="Supplier", queryset=suppliers().order_by("name"))
    month = forms.DateField(
        label="Month",
        input_formats=[MONTH_FORMAT],
        widget=MonthInput(),
        error_messages={"invalid": "Give the month as YYYY-MM, e.g. 2026-03."},
        help_text="The month the repairs ended in.",
    )

    def clean_month(self) -> date:
        month = self.cleaned_data["month"]
        this_month = timezone.localdate()
        if month < EARLIEST or month > this_month:
            raise ValidationError(
                f"Choose a month from {EARLIEST:%Y-%m} to this month ({this_month:%Y-%m})."
            )
        return month.replace(day=1)


def _last_month() -> date:
    return (timezone.localdate().replace(day=1) - date.resolution).replace(day=1)


def _form(request: HttpRequest) -> tuple[EvidenceForm, bool]:
    """The choice in the query string (and True); without one, the first supplier and last
    month (and False: nothing was asked, so nothing asked was wrong)."""
    if "supplier" in request.GET or "month" in request.GET:
        return EvidenceForm(request.GET), True
    first = EvidenceForm.base_fields["supplier"].queryset.first()  # type: ignore[attr-defined]
    default = {"supplier": first.pk if first else "", "month": f"{_last_month():%Y-%m}"}
    return EvidenceForm(default), False


def _problems(form: EvidenceForm) -> list[str]:
    return [
        f"{form.fields[name].label}: {error}" if name in form.fields else error
        for name, errors in form.errors.items()
        for error in errors
    ]


@manager_required
@require_GET
def service_credits(request: HttpRequest) -> HttpResponse:
    form, asked = _form(request)
    context: dict[str, Any] = {"form": form, "evidence": None}
    if not form.is_valid():
        status = 400 if asked else 200
        return render(request, "appointments/service_credits.html", context, status=status)
    context["evidence"] = service_credit_evidence(
        supplier=form.cleaned_data["supplier"],
        month=form.cleaned_data["month"],
        now=timezone.now(),
    )
    return render(request, "appointments/service_credits.html", context)


@manager_required
@require_GET
def service_credits_export(request: HttpRequest) -> HttpResponse:
    form = EvidenceForm(request.GET)
    if not form.is_valid():
        # A download cannot show the form: say what was wrong, and export nothing.
        return HttpResponse(
            "\n".join(_problems(form)), status=400, content_type="text/plain; charset=utf-8"
        )
    supplier, month = form.cleaned_data["supplier"], form.cleaned_data["month"]
    evidence = service_credit_evidence(supplier=supplier, month=month, now=timezone.now())
    response = StreamingHttpResponse(
        evidence_csv_lines(evidence), content_type="text/csv; charset=utf-8"
    )
    name = f"service-credits-{slugify(str(supplier)) or supplier.pk}-{month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
