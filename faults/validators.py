import re

from django.core.validators import RegexValidator

# The XSD's nonEmptyString: at least one character that is not white space.
not_blank = RegexValidator(r"\S", message="Must contain at least one non-blank character.")

# Characters XML 1.0 cannot carry at all (NUL and the other control characters a paste can bring).
NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def has_non_xml_character(text: str) -> bool:
    """Whether `text` cannot be sent to a supplier in an XML message as it is."""
    return NOT_XML_CHARACTER.search(text) is not None


def is_blank(text: str | None) -> bool:
    """Whether `text` says nothing once sent to a supplier: empty, white space, or only
    characters XML cannot carry (the messages drop them)."""
    return not NOT_XML_CHARACTER.sub("", text or "").strip()
