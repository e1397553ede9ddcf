"""The raise form in a real browser (Debian's Chromium) against the supplier simulator.

- The live check answers a half-filled form, and the Service Outage appointment panel is there
  as soon as the fault type is chosen and finds slots as soon as the address key and product
  are given, whatever else is still empty (issue 10, #13).
- What a submit needs is marked, Enter in a field means "Submit to supplier" and the browser
  holds it back while something the supplier requires is missing, while "Save draft" saves
  a half-filled draft (issue 10, #14)."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from faults.models import Fault
from faults.services.validation import SUBMIT_RULES
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT_RULE = next(rule for rule in SUBMIT_RULES if rule.one_of)


@pytest.fixture
def form(simulator, browser_as, agent_user) -> Page:
    page = browser_as(agent_user)
    page.goto("/faults/new/")
    return page


def _live_check(page: Page):
    return page.locator("#form-errors")


def test_the_appointment_panel_and_the_live_check_work_on_a_half_filled_form(form):
    panel = form.get_by_role("group", name="Engineer appointment (Service Outage)")
    expect(panel).to_have_count(0)

    form.get_by_label("Fault type").select_option("Service Outage")

    # Nothing else is filled in: the panel is there all the same, and the check says what a
    # submit still needs without calling every empty field an error.
    expect(panel).to_be_visible()
    expect(_live_check(form)).to_contain_text("Still needed to submit: Service ID")
    expect(form.locator(".field-errors .errorlist")).to_have_count(0)

    form.get_by_label("Reporter email").fill("not an address")
    expect(form.locator("#errors-reporter_email")).to_contain_text("Enter a valid email address")

    form.get_by_label("Address key (UPRN)").fill("10002491172")
    form.get_by_label("Product name").fill("ftthl2r")
    panel.get_by_label("From date").fill((timezone.localdate() + timedelta(days=1)).isoformat())
    panel.get_by_role("button", name="Find slots").click()
    free = panel.locator("input[name=slot]:not([disabled])")
    expect(free.first).to_be_visible()
    # Two weeks of slots read in columns, not as one list longer than the screen.
    slots = panel.get_by_role("group", name="Slots offered by the supplier").bounding_box()
    assert slots["height"] < 0.6 * form.viewport_size["height"], slots
    picked = free.first.locator("xpath=..").inner_text().strip()
    free.first.check()
    panel.get_by_role("button", name="Reserve").click()
    # The reservation names the slot as the list did ("Mon 30 Nov 2026, 08:00 to 13:00").
    expect(panel.get_by_text(re.compile("Reserved"))).to_contain_text(f"Reserved {picked}")
    # Picking and reserving a slot changed the form; the reservation stayed.
    expect(_live_check(form)).to_contain_text("Still needed to submit: Service ID")
    expect(panel.get_by_text(re.compile("Reserved"))).to_be_visible()
    screenshot(form, "raise-form-half-filled-service-outage")
    assert Fault.objects.count() == 0


def _fill_all_but_the_site_contact(page: Page, service_id: str) -> None:
    page.get_by_label("Service ID").fill(service_id)
    page.get_by_label("Fault type").select_option("Impaired Service")
    page.get_by_label("Description").fill("Loss of sync every few minutes since 09:00.")
    page.get_by_label("Fault start time").fill(
        (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Fault location").fill("Cabinet 12, Example Street")
    page.get_by_label("Triage complete").select_option(label="Yes")
    page.get_by_label("Triage findings").fill("Light level low at the ONT")
    page.get_by_label("Site access details").fill("Reception, 24/7")


def test_enter_submits_to_the_supplier_once_what_it_requires_is_there(form):
    # Every field a submit rule names is marked for a person and for assistive technology.
    for rule in SUBMIT_RULES:
        for name in rule.fields:
            field = form.locator(f"#raise-form [name={name}]")
            if rule.one_of:
                expect(field).to_have_accessible_description(re.compile("site access contact"))
            else:
                expect(field).to_have_attribute("aria-required", "true")
                label = form.locator(f"label[for={field.get_attribute('id')}]")
                expect(label.locator(".required-mark")).to_have_text("*")
    expect(form.locator("#required-note")).to_contain_text(
        "A draft needs only Supplier, Service ID"
    )

    # Enter in the first field, with almost nothing filled in: nothing is saved or sent.
    form.get_by_label("Fault type").select_option("Impaired Service")
    service_id = form.get_by_label("Service ID")
    service_id.fill("SVC-ENTER-1")
    service_id.press("Enter")
    start = form.get_by_label("Fault start time")
    expect(start).to_be_focused()  # the browser points at the first thing missing
    assert start.evaluate("el => el.validity.valueMissing")
    assert Fault.objects.count() == 0

    # Everything but the site access contact: the browser says what is missing.
    _fill_all_but_the_site_contact(form, "SVC-ENTER-1")
    service_id.press("Enter")
    name = form.get_by_label("Site access contact name")
    expect(name).to_be_focused()
    assert name.evaluate("el => el.validationMessage") == CONTACT_RULE.message
    assert Fault.objects.count() == 0

    # With a contact phone, Enter sends the fault to the supplier.
    phone = form.get_by_label("Site access contact phone")
    phone.fill("01632 960000")
    phone.press("Enter")
    form.wait_for_url(re.compile(r"/faults/NOC-[^/]+/$"))
    expect(form.locator(".messages")).to_contain_text("submitted to E2E supplier")
    assert Fault.objects.get().status == "pending"


def test_save_draft_keeps_a_half_filled_fault(form):
    form.get_by_label("Fault type").select_option("Performance Issue")
    service_id = form.get_by_label("Service ID")
    service_id.fill("SVC-DRAFT-1")
    service_id.press("Enter")  # held back: the supplier needs more
    form.get_by_role("button", name="Save draft").click()

    form.wait_for_url(re.compile(r"/faults/NOC-[^/]+/$"))
    expect(form.locator(".messages")).to_contain_text("Draft")
    draft = Fault.objects.get()
    assert (draft.status, draft.service_id, draft.fault_location) == ("draft", "SVC-DRAFT-1", "")


def test_save_draft_without_a_service_id_is_held_back_by_the_browser(form):
    form.get_by_label("Fault type").select_option("Impaired Service")
    form.get_by_label("Description").fill("Started typing the description first.")
    form.get_by_role("button", name="Save draft").click()

    expect(form.get_by_label("Service ID")).to_be_focused()
    assert form.get_by_label("Service ID").evaluate("el => el.validity.valueMissing")
    assert Fault.objects.count() == 0


def _border(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).borderTopColor")


def _wait_for_border(page: Page, locator, colour: str, *, same: bool) -> None:
    """Pico eases border colours in; wait until the field's border is (or is not) `colour`."""
    page.wait_for_function(
        "([el, colour, same]) => (getComputedStyle(el).borderTopColor === colour) === same",
        arg=[locator.element_handle(), colour, same],
    )


def test_a_live_check_error_marks_its_field_until_it_is_fixed(form):
    email = form.get_by_label("Reporter email")
    valid_border = _border(form.get_by_label("Reporter name"))

    email.fill("not an address")

    # The live check's error is under the field, and the field says so: red, and invalid for
    # assistive technology, described by the error.
    expect(form.locator("#errors-reporter_email")).to_contain_text("Enter a valid email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    email.blur()
    _wait_for_border(form, email, valid_border, same=False)
    screenshot(form, "raise-form-live-check-error")

    email.fill("noc@example.test")

    expect(form.locator("#errors-reporter_email .errorlist")).to_have_count(0)
    expect(email).not_to_have_attribute("aria-invalid", "true")
    expect(email).not_to_have_accessible_description(re.compile("valid email"))
    email.blur()
    _wait_for_border(form, email, valid_border, same=True)


def _slow(route, request, seconds: float = 1.5) -> None:
    """Hold a request back the way a busy supplier would, then let it through."""
    time.sleep(seconds)
    route.continue_()


def test_a_slow_supplier_answer_is_not_cut_off_by_the_live_check(form):
    """Changing a field starts the live check 300 ms later; the supplier's slots and the
    reservation take longer than that on a busy day, and must still arrive (both once went
    missing on a loaded machine: the live check's request replaced theirs)."""
    form.route("**/appointments/slots/", _slow)
    form.route("**/appointments/reserve/", _slow)
    form.get_by_label("Fault type").select_option("Service Outage")
    panel = form.get_by_role("group", name="Engineer appointment (Service Outage)")
    form.get_by_label("Address key (UPRN)").fill("10002491172")
    form.get_by_label("Product name").fill("ftthl2r")
    panel.get_by_label("From date").fill((timezone.localdate() + timedelta(days=1)).isoformat())
    panel.get_by_role("button", name="Find slots").click()  # the date's change is still pending

    free = panel.locator("input[name=slot]:not([disabled])")
    expect(free.first).to_be_visible(timeout=10_000)
    free.first.check()  # a change: another live check 300 ms from now
    panel.get_by_role("button", name="Reserve").click()

    expect(panel.get_by_text(re.compile("Reserved"))).to_be_visible(timeout=10_000)
    expect(_live_check(form)).to_contain_text("Still needed to submit: Service ID")
