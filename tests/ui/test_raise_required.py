"""The raise form marks what it needs, from the services' own rules: every field the supplier
requires before a fault is sent is marked (a visible * and aria-required, or `required` where
a draft needs it too), a rule met by one of several fields (the site access contact) says so,
the note above the form tells the truth about drafts, and "Submit to supplier" is the form's
default button (the one Enter in a field presses)."""

import lxml.html
import pytest

from faults.choices import FaultStatus
from faults.models import Fault
from faults.services.validation import SUBMIT_RULES
from tests.ui.page_forms import form_values
from tests.ui.test_raise import URL, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(agent_client, partner, buyer_identifier, sla_policy):
    return lxml.html.fromstring(agent_client.get(URL).content)


def _control(page, name: str):
    [control] = page.xpath(f'//form[@id="raise-form"]//*[@name="{name}"]')
    return control


def _label_marked(page, name: str) -> bool:
    control = _control(page, name)
    [label] = page.xpath(f'//label[@for="{control.get("id")}"]')
    return bool(label.xpath('.//span[@class="required-mark"]'))


def test_every_field_a_submit_rule_names_is_marked(page):
    for rule in SUBMIT_RULES:
        for name in rule.fields:
            control = _control(page, name)
            assert control.get("data-required-for") == "submit", name
            if rule.one_of:
                [described] = page.xpath(f'//*[@id="{control.get("aria-describedby")}"]')
                assert rule.message in described.text_content()
                assert described.xpath('.//span[@class="required-mark"]')
            else:
                assert control.get("aria-required") == "true", name
                assert _label_marked(page, name), name
            # Not `required`: the browser must not block "Save draft" for them.
            assert control.get("required") is None, name


def test_triage_complete_and_the_site_access_contact_are_marked(page):
    assert _label_marked(page, "triage_complete")
    triage = _control(page, "triage_complete")
    assert [o.get("value") for o in triage.xpath(".//option")] == ["", "true", "false"]
    contact = _control(page, "site_access_contact_phone")
    [rule] = page.xpath(f'//*[@id="{contact.get("aria-describedby")}"]')
    assert "site access contact (name, phone or e-mail)" in rule.text_content()


def test_the_fault_type_starts_unchosen(page):
    # Not "Service Outage" by accident (the first type), without its appointment panel.
    fault_type = _control(page, "fault_type")
    assert fault_type.value == ""
    assert not page.xpath('//*[@id="appointment-panel"]//fieldset')


def test_what_a_draft_needs_is_required_and_the_note_says_so(page):
    for name in ("supplier", "service_id", "fault_type", "priority"):
        control = _control(page, name)
        # A list without a blank choice always has a value: `required` would mean nothing.
        always_set = control.tag == "select" and "" not in control.value_options
        assert control.get("required") is not None or always_set, name
        assert _label_marked(page, name), name
    note = page.get_element_by_id("required-note").text_content()
    assert "a draft can be saved without them" not in note
    assert "A draft needs only Supplier, Service ID, Fault type and Priority." in note


def test_a_draft_with_only_what_the_note_names_is_saved(agent_client, page, partner):
    data = form_values(lxml.html.tostring(page), "")
    data.update(
        supplier=str(partner.pk),
        service_id="SVC-DRAFT-ONLY",
        fault_type="Impaired Service",
        intent="draft",
    )

    answer = agent_client.post(URL, data)

    assert answer.status_code == 302
    fault = Fault.objects.get()
    assert (fault.status, fault.fault_location, fault.triage_complete) == ("draft", "", None)


def test_submit_without_each_rule_is_refused_with_its_message(agent_client, partner, page):
    blank = {name: "" for rule in SUBMIT_RULES for name in rule.fields}

    answer = agent_client.post(URL, {**form_data(partner), **blank, "intent": "submit"})

    assert answer.status_code == 400
    html = answer.content.decode()
    for rule in SUBMIT_RULES:
        errors = html.split(f'id="errors-{rule.key}"', 1)[1].split("</div>", 1)[0]
        assert rule.message in errors, rule.key
    assert Fault.objects.count() == 0


def test_submit_to_supplier_is_the_default_button(page, agent_client, partner):
    buttons = page.xpath('//form[@id="raise-form"]//button[@type="submit"]')
    assert [(b.get("value"), b.text_content()) for b in buttons] == [
        ("submit", "Submit to supplier"),
        ("draft", "Save draft"),
    ]
    assert all(b.get("formnovalidate") is None for b in buttons)

    answer = agent_client.post(URL, {**form_data(partner), "intent": buttons[0].get("value")})

    assert answer.status_code == 302
    assert Fault.objects.get().status == FaultStatus.PENDING


# --- the live check on a half-filled form ---------------------------------------------------
VALIDATE = "/faults/new/validate/"


def _errors_of(html: str, name: str) -> str:
    return html.split(f'id="errors-{name}"', 1)[1].split("</div>", 1)[0]


def test_the_live_check_answers_a_half_filled_form(agent_client, partner, page):
    data = form_values(lxml.html.tostring(page), "")
    data.update(
        supplier=str(partner.pk),
        fault_type="Service Outage",
        reporter_email="not an address",
        fault_location="x" * 5000,
    )

    html = agent_client.post(VALIDATE, data).content.decode()

    # What is wrong is said next to its field, though nothing else is filled in yet …
    assert "Enter a valid email address." in _errors_of(html, "reporter_email")
    assert "at most" in _errors_of(html, "fault_location")
    # … what is only empty is not an error while the agent types: it is still needed.
    for name in ("service_id", "fault_start_time", "triage_complete", "site_access_contact_phone"):
        assert "errorlist" not in _errors_of(html, name), name
    assert (
        "Still needed to submit: Service ID, Fault start time, Triage complete, Triage findings, "
        "Site access details, Site access contact (name, phone or e-mail)." in html
    )
    # The appointment panel comes as soon as the type is a Service Outage.
    assert 'id="appointment-panel" hx-swap-oob="true"' in html and "Find slots" in html
    assert Fault.objects.count() == 0


def test_the_live_check_of_a_complete_form_needs_nothing_more(agent_client, partner, page):
    html = agent_client.post(VALIDATE, form_data(partner)).content.decode()

    assert "No problems found so far." in html
    assert "Still needed" not in html


def test_the_live_check_runs_from_an_element_that_is_not_the_form(page):
    # htmx runs the browser's required-field check before a request made by a <form>; the live
    # check must run on a half-filled form, so it hangs on an element inside it.
    [checker] = page.xpath(f'//*[@hx-post="{VALIDATE}"]')
    assert checker.tag != "form"
    assert checker.xpath('ancestor::form[@id="raise-form"]')
    assert "change" in checker.get("hx-trigger") and "input" in checker.get("hx-trigger")
