"""The raise form's live check, told apart from a refusal.

As the agent types, the form is checked by the services' own rules (a dry run). What is wrong
(too long, not an e-mail address, a parent that cannot be one) is shown next to its field at
once; what is only not filled in yet is not an error while the agent is still typing: it is
listed as still needed to submit, from the same rules (the model's for a draft, SUBMIT_RULES
for the supplier)."""

from django import forms

from faults.services.validation import (
    APPOINTMENT_NEEDED,
    APPOINTMENT_NEEDED_LABEL,
    MISSING_FOR_SUBMIT,
    SUBMIT_RULES,
    SubmitRule,
)

# The event (HX-Trigger) a contributed raise-form step sends when it changed what the form will
# save (the appointment panel's reservation): the live check runs again on it.
RAISE_STEP_CHANGED = "raise-step-changed"


def _blank(form: forms.BaseForm, name: str) -> bool:
    return not str(form.data.get(form.add_prefix(name), "") or "").strip()


def _rule_label(form: forms.BaseForm, rule: SubmitRule) -> str:
    return rule.label or str(form[rule.fields[0]].label)


def still_needed(form: forms.BaseForm) -> list[str]:
    """What a submit still needs, in the form's order and words, judged on the input so far."""
    needed = []
    for name, field in form.fields.items():
        if field.required and not field.widget.is_hidden and _blank(form, name):
            needed.append(str(form[name].label))
        for rule in SUBMIT_RULES:
            present = [field_name for field_name in rule.fields if field_name in form.fields]
            if present and present[0] == name and all(_blank(form, n) for n in present):
                needed.append(_rule_label(form, rule))
    return needed


def set_aside_what_is_missing(form: forms.BaseForm) -> list[str]:
    """Take out of `form` the errors that only say something is not filled in, and return
    what is still needed instead."""
    missing = {rule.message for rule in SUBMIT_RULES} | {MISSING_FOR_SUBMIT}
    appointment_needed = False
    for name in list(form.errors):
        kept = []
        for error in form.errors[name].as_data():
            # A service's error on a field the form does not have comes as "<label>: <message>".
            about_the_appointment = any(m.endswith(APPOINTMENT_NEEDED) for m in error.messages)
            if error.code == "required" or set(error.messages) <= missing:
                pass
            elif about_the_appointment:
                appointment_needed = True
            else:
                kept.append(error)
        if kept:
            form.errors[name] = form.error_class(kept)
        else:
            del form.errors[name]
    needed = still_needed(form)
    # Not a field the agent types in: the appointment panel's reservation.
    return [*needed, APPOINTMENT_NEEDED_LABEL] if appointment_needed else needed
