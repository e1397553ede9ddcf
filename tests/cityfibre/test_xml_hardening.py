"""The hardened parser refuses hostile and broken bodies before anything reads them."""

import time
from pathlib import Path

import pytest

from integrations.cityfibre.soap import unwrap
from integrations.xml import XmlRejected, parse_xml

PASSWD = Path("/etc/passwd")
# Something that is certainly in /etc/passwd, if it exists: the first line.
PASSWD_MARKER = PASSWD.read_text().splitlines()[0] if PASSWD.exists() else "root:x:0:0"

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE notifyFaultReportUpdate [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<notifyFaultReportUpdate><messageId>&xxe;</messageId></notifyFaultReportUpdate>"""

XXE_PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<r/>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

PLAIN_DOCTYPE = b"""<?xml version="1.0"?>
<!DOCTYPE notifyFaultReportUpdate>
<notifyFaultReportUpdate><messageId>CF-1</messageId></notifyFaultReportUpdate>"""

# Port 9 on loopback: if the parser ever tried to fetch it, nothing would answer.
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE notifyFaultReportUpdate SYSTEM "http://127.0.0.1:9/faultReport.dtd">
<notifyFaultReportUpdate><messageId>CF-1</messageId></notifyFaultReportUpdate>"""

# The same XXE in UTF-16: the raw-bytes check cannot see "<!DOCTYPE", the docinfo check must.
XXE_UTF16 = XXE.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")

XXE_IN_SOAP = b"""<?xml version="1.0"?>
<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<notifyFaultReportUpdate><messageId>&xxe;</messageId></notifyFaultReportUpdate>
</soap:Body></soap:Envelope>"""

HOSTILE = {
    "xxe-file": XXE,
    "xxe-parameter-entity": XXE_PARAMETER_ENTITY,
    "xxe-utf16": XXE_UTF16,
    "xxe-in-soap-envelope": XXE_IN_SOAP,
    "billion-laughs": BILLION_LAUGHS,
    "plain-doctype": PLAIN_DOCTYPE,
    "external-dtd": EXTERNAL_DTD,
}

BROKEN = {
    "not-well-formed": b"<notifyFaultReportUpdate><messageId>CF-1</notifyFaultReportUpdate>",
    "mismatched-root-like-the-samples": (
        b"<receivedNotifyFaultReportUpdate><responseCode>200</responseCode>"
        b"</receivedRequestFaultReportUpdate>"
    ),
    "empty": b"",
    "whitespace-only": b"   \n\t ",
    "non-utf8-garbage": b"\xff\xfe\x00\xc3\x28\xa0\xa1garbage\x80\x81",
    "latin1-bytes-declared-utf8": b'<?xml version="1.0" encoding="UTF-8"?><r>caf\xe9</r>',
    "undefined-entity": b"<r>&xxe;</r>",
    "two-roots": b"<r/><r/>",
    "text-only": b"just some text",
    "unknown-encoding": b'<?xml version="1.0" encoding="x-made-up"?><r/>',
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_documents_are_refused_without_expansion(body: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(XmlRejected) as caught:
        parse_xml(body)
    assert time.perf_counter() - started < 1.0  # refused, not expanded
    assert "DOCTYPE" in caught.value.reason
    for text in (str(caught.value), caught.value.reason, repr(caught.value)):
        assert PASSWD_MARKER not in text
        assert "root:" not in text
        assert "lollol" not in text


@pytest.mark.parametrize("body", BROKEN.values(), ids=BROKEN.keys())
def test_broken_bodies_are_refused_with_a_short_reason(body: bytes) -> None:
    with pytest.raises(XmlRejected) as caught:
        parse_xml(body)
    assert caught.value.reason
    assert len(caught.value.reason) <= 200


def test_empty_body_reason() -> None:
    with pytest.raises(XmlRejected, match="empty body"):
        parse_xml(b"")


def test_a_plain_document_parses() -> None:
    root = parse_xml(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n'
        b"<notifyFaultReportUpdate><messageId>CF-1</messageId></notifyFaultReportUpdate>"
    )
    assert root.tag == "notifyFaultReportUpdate"
    assert root.findtext("messageId") == "CF-1"


def test_the_doctype_check_is_limited_to_the_prolog() -> None:
    # Given a message whose *text* mentions a DOCTYPE (in CDATA), which is content, not markup.
    body = b"<r><description><![CDATA[user pasted <!DOCTYPE html> here]]></description></r>"
    # Then it is read, and the text kept.
    assert parse_xml(body).findtext("description") == "user pasted <!DOCTYPE html> here"


def test_processing_instructions_and_comments_are_dropped() -> None:
    root = parse_xml(b"<r><?evil data?><!-- note --><a>1</a></r>")
    assert [child.tag for child in root] == ["a"]


def test_utf16_without_doctype_is_read() -> None:
    body = '<?xml version="1.0" encoding="UTF-16"?><r>caf\u00e9</r>'.encode("utf-16")
    assert parse_xml(body).text == "caf\u00e9"


def test_hostile_soap_is_refused_before_unwrap_could_see_it() -> None:
    with pytest.raises(XmlRejected):
        unwrap(parse_xml(XXE_IN_SOAP))
