"""Every date and date-time input shows the date it holds. A browser's `<input type="date">`
takes YYYY-MM-DD only (`datetime-local`: YYYY-MM-DDTHH:MM) and shows anything else as empty,
so a filter that was applied looked as if it was not (issue 10: en-gb wrote 27/11/2026)."""

import re
from datetime import date, datetime
from importlib import import_module

import lxml.html
import pytest
from django import forms
from django.conf import settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

BROWSER_FORMATS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "datetime-local": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
    "month": re.compile(r"\d{4}-\d{2}"),
}


def date_inputs(html: bytes) -> dict[str, str]:
    document = lxml.html.fromstring(html)
    found = document.xpath("//input[@type='date' or @type='datetime-local']")
    return {element.get("name"): element.get("value") or "" for element in found}


def test_the_fault_list_shows_the_created_dates_it_was_filtered_by(agent_client):
    # A person (or a link) may write a day the British way; the filter takes it.
    answer = agent_client.get("/faults/?created_from=27/11/2026&created_to=2026-11-28")

    assert answer.status_code == 200
    assert date_inputs(answer.content) == {
        "created_from": "2026-11-27",
        "created_to": "2026-11-28",
        "milestone_from": "",
        "milestone_to": "",
    }


def test_the_fault_list_shows_the_milestone_period_it_was_filtered_by(agent_client):
    answer = agent_client.get(
        "/faults/?milestone=resolved&milestone_from=01/11/2026&milestone_to=2026-11-28"
    )

    assert answer.status_code == 200
    shown = date_inputs(answer.content)
    assert (shown["milestone_from"], shown["milestone_to"]) == ("2026-11-01", "2026-11-28")


def test_the_dashboard_shows_the_period_it_was_asked_for(manager_client):
    answer = manager_client.get("/dashboard/?date_from=01/11/2026&date_to=27/11/2026")

    assert answer.status_code == 200
    assert date_inputs(answer.content) == {"date_from": "2026-11-01", "date_to": "2026-11-27"}


def _product_forms() -> list[type[forms.BaseForm]]:
    """Every form class of the product's pages (the URLconf imports every view and form)."""
    import_module(settings.ROOT_URLCONF)
    found, pending = [], list(forms.BaseForm.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"faults", "appointments", "integrations"}:
            found.append(cls)
    return found


def _date_fields() -> list[tuple[str, str]]:
    fields = []
    for cls in _product_forms():
        for name, field in getattr(cls, "base_fields", {}).items():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                fields.append((f"{cls.__module__}.{cls.__qualname__}", name))
    return sorted(set(fields))


def _form_class(path: str) -> type[forms.BaseForm]:
    return next(cls for cls in _product_forms() if f"{cls.__module__}.{cls.__qualname__}" == path)


def test_the_product_has_date_fields_to_check():
    # The check below must not pass by finding nothing.
    assert {name for _, name in _date_fields()} >= {
        "created_from",
        "date_from",
        "from_date",
        "fault_start_time",
    }


@pytest.mark.parametrize(("form_path", "name"), _date_fields())
def test_every_date_field_of_the_product_writes_what_the_browser_takes(form_path, name):
    field = _form_class(form_path).base_fields[name]
    input_type = getattr(field.widget, "input_type", "")
    assert input_type in BROWSER_FORMATS, f"{form_path}.{name} is a {input_type!r} input"
    written_as = BROWSER_FORMATS[input_type]
    day = date(2026, 11, 27)
    moment = timezone.make_aware(datetime(2026, 11, 27, 9, 30))

    if input_type == "month":
        # A month picker's value is YYYY-MM, which the browser always sends (nothing else parses).
        assert field.widget.format_value(field.prepare_value(day)) == "2026-11"
        return
    as_given = [
        field.prepare_value(moment if isinstance(field, forms.DateTimeField) else day),
        "27/11/2026 09:30" if isinstance(field, forms.DateTimeField) else "27/11/2026",
    ]
    for value in as_given:
        shown = field.widget.format_value(value)
        assert written_as.fullmatch(shown), f"{form_path}.{name} shows {value!r} as {shown!r}"
        assert shown.startswith("2026-11-27")
