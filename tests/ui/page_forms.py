"""What a browser would send for a form on a page it was given, untouched: the test client
posts exactly that (plus what a test changes), so form tests see the hidden fields, the formats
and the line breaks a real browser sends."""

import lxml.html


def _as_browser_sends(value: str) -> str:
    # The HTML form encodings send every line break as CRLF.
    return value.replace("\r\n", "\n").replace("\n", "\r\n")


def form_values(html: str | bytes, action: str) -> dict[str, str]:
    """The name/value pairs of the page's form that posts to `action`."""
    document = lxml.html.fromstring(html)
    forms = [form for form in document.forms if (form.get("action") or "") == action]
    assert len(forms) == 1, f"{len(forms)} forms post to {action}"
    values = {}
    for name, value in forms[0].form_values():
        values[name] = _as_browser_sends(value)
    for textarea in forms[0].iter("textarea"):
        # The HTML parser drops one line break right after <textarea>; lxml keeps it.
        text = textarea.text or ""
        values[textarea.get("name")] = _as_browser_sends(text.removeprefix("\n"))
    return values
