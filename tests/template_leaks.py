"""No page may show template syntax to a person.

Django ends a `{# … #}` comment at the line end, so a comment spread over two lines is printed
as text; a tag or variable with a typo, or a template rendered by something that is not Django's
engine, leaks the same way. Two shared checks catch it on every page without a test per page:

- `check_html_response`, applied by an autouse fixture in tests/conftest.py to every text/html
  response Django's test client returns (pages, htmx fragments, error pages);
- `check_page_text`, used by the browser tests on what the browser shows (tests/e2e).
"""

import re

# The openers of Django's comment, tag and variable syntax.
TEMPLATE_SYNTAX = re.compile(r"\{#|\{%|\{\{")
CONTEXT = 60


def template_syntax_in(text: str) -> list[str]:
    """Each place `text` holds template syntax, with a little context either side."""
    return [
        text[max(0, match.start() - CONTEXT) : match.end() + CONTEXT]
        for match in TEMPLATE_SYNTAX.finditer(text)
    ]


def check_html_response(response, *, where: str) -> None:
    """Fail when an HTML response of the test client holds template syntax."""
    if getattr(response, "streaming", False):
        return
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    charset = getattr(response, "charset", None) or "utf-8"
    leaks = template_syntax_in(response.content.decode(charset, errors="replace"))
    assert not leaks, f"template syntax in the HTML of {where}:\n" + "\n---\n".join(leaks)


def check_page_text(text: str, *, where: str) -> None:
    """Fail when the text a browser shows holds template syntax."""
    leaks = template_syntax_in(text)
    assert not leaks, f"template syntax shown on {where}:\n" + "\n---\n".join(leaks)
