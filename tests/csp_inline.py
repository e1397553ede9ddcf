"""No page may carry code the Content-Security-Policy refuses (settings CONTENT_SECURITY_POLICY:
our own scripts and styles only): an inline <script> or <style>, a style="" attribute, an
on…="" handler or a javascript: link would be blocked in the browser, silently breaking what it
did. `check_no_inline_code` runs on every text/html response of Django's test client (the same
autouse fixture as tests/template_leaks.py); the browser tests listen for violations."""

import base64
import hashlib
import re

from django.conf import settings

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)([^>]*)>", re.I)
DATA_SCRIPT_TYPE = re.compile(r"""type=["']application/(?:ld\+)?json["']""", re.I)
STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.I | re.S)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^<>]*\sstyle\s*=", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^<>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""\s(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _allowed_style_hashes() -> set[str]:
    sources = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    return {s.strip("'").removeprefix("sha256-") for s in sources if s.startswith("'sha256-")}


def inline_code_in(html: str) -> list[str]:
    """Each piece of inline code in `html` that the policy would block."""
    found = [m.group(0) for m in INLINE_SCRIPT.finditer(html) if not DATA_SCRIPT_TYPE.search(m[1])]
    allowed = _allowed_style_hashes()
    for match in STYLE_ELEMENT.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(1).encode()).digest()).decode()
        if digest not in allowed:
            found.append(match.group(0)[:120])
    for pattern in (STYLE_ATTRIBUTE, HANDLER_ATTRIBUTE, JAVASCRIPT_URL):
        found += [m.group(0)[-120:] for m in pattern.finditer(html)]
    return found


def check_no_inline_code(response, *, where: str) -> None:
    if getattr(response, "streaming", False):
        return
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    charset = getattr(response, "charset", None) or "utf-8"
    html = response.content.decode(charset, errors="replace")
    if "DEBUG = True</code>" in html:
        return  # Django's technical 404/500 page, only with DEBUG on (development)
    found = inline_code_in(html)
    assert not found, f"inline code the CSP blocks in the HTML of {where}:\n" + "\n---\n".join(
        found
    )
