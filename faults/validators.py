import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

# Characters XML 1.0 cannot carry at all (NUL and the other control characters a paste can bring).
NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def has_non_xml_character(text: str) -> bool:
    """Whether `text` cannot be sent to a supplier in an XML message as it is."""
    return NOT_XML_CHARACTER.search(text) is not None


# Our buyer fault reference travels in URL paths (our pages, our API, TMF621's
# /troubleTicket/{id}), in the supplier's XML (buyerFaultReference, a nonEmptyString) and in
# SOAP. ASCII letters, digits and "-", "_", "." are unreserved in a URL (RFC 3986) and plain text
# in XML, so every protocol carries them as they are. The first character is a letter or a digit,
# so that "." and ".." (path segments a browser collapses) and formula-like "-…" cannot occur.
REFERENCE_MAX_LENGTH = 36
REFERENCE_RULE = (
    f"1 to {REFERENCE_MAX_LENGTH} characters: letters A-Z and a-z, digits 0-9, '-', '_' and '.', "
    "starting with a letter or a digit"
)
REFERENCE_PATTERN = re.compile(
    rf"\A[A-Za-z0-9][A-Za-z0-9._-]{{0,{REFERENCE_MAX_LENGTH - 1}}}\Z", re.ASCII
)

REFERENCE_MESSAGE = f"A buyer fault reference is {REFERENCE_RULE}."


def is_valid_reference(value: object) -> bool:
    """Whether `value` is a buyer fault reference under the rule (a str that matches it)."""
    return isinstance(value, str) and REFERENCE_PATTERN.match(value) is not None


class ReferenceValidator(RegexValidator):
    """The one check of a buyer fault reference: the model field (so the admin and every
    ModelForm or ModelSerializer), the API's and the forms' reference inputs and the inbound
    paths use it. A RegexValidator, so the OpenAPI schema shows the rule as a `pattern`; it takes
    no arguments, so migrations name it instead of copying the rule."""

    regex = REFERENCE_PATTERN
    message = REFERENCE_MESSAGE
    code = "invalid_reference"

    def __init__(self) -> None:
        super().__init__()

    def __call__(self, value: object) -> None:
        if not isinstance(value, str):
            raise ValidationError(self.message, code=self.code)
        super().__call__(value)


validate_reference = ReferenceValidator()


def is_blank(text: str | None) -> bool:
    """Whether `text` says nothing once sent to a supplier: empty, white space, or only
    characters XML cannot carry (the messages drop them)."""
    return not NOT_XML_CHARACTER.sub("", text or "").strip()


class NotBlankValidator(RegexValidator):
    """The XSD's nonEmptyString, as the supplier receives it: at least one character that is
    neither white space nor one XML cannot carry (the messages drop those, so " \\x18 " would
    reach the supplier empty and be refused by the schema). The check is `is_blank`; `regex`
    says the same for the OpenAPI schema's `pattern` (escapes only, so JSON and ECMAScript
    read it as Python does). It takes no arguments, so migrations name it."""

    regex = r"[^\s\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]"
    message = "Must contain at least one non-blank character."
    code = "blank"

    def __init__(self) -> None:
        super().__init__()

    def __call__(self, value: object) -> None:
        if not isinstance(value, str) or is_blank(value):
            raise ValidationError(self.message, code=self.code)


not_blank = NotBlankValidator()
