"""The buyer fault reference as one segment of a URL path: `<ref:reference>`.

A reference under the rule (`faults.validators`: letters, digits, "-", "_", ".") is its own URL
segment, unchanged. A row stored before the rule may hold characters a segment cannot carry as
they are: "/" made every page that links to the fault fail (NoReverseMatch), for everyone. Such a
reference is percent-escaped once more than Django escapes a URL, so linking to it never fails and
its page still opens (Django decodes the path once, `to_python` once more).
"""

from urllib.parse import quote, unquote


class FaultReferenceConverter:
    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return unquote(value)

    def to_url(self, value: str) -> str:
        return quote(str(value), safe="")
