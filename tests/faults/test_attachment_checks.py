"""Attachments (issue 10 #19): the content must be what the extension says, checked by its
signature (text formats: that it is text), and sizes are said in MB, through the one check that
the API and the fault page share."""

import gzip
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faults.errors import FaultValidationError
from faults.models import FaultAttachment
from faults.services import Actor, fault_attachment_add
from faults.services.attachment_checks import human_size
from tests.factories import FaultFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 64
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
PCAP = b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + b"\x00" * 100


def _zip(**members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name.replace("__", "/"), text)
    return buffer.getvalue()


DOCX = _zip(**{"[Content_Types].xml": "<Types/>", "word__document.xml": "<w:document/>"})


@pytest.fixture
def draft(partner, buyer_identifier):
    return FaultFactory(supplier=partner, buyer_identifier=buyer_identifier)


def attach(draft, name: str, content: bytes) -> FaultAttachment:
    upload = SimpleUploadedFile(name, content)
    return fault_attachment_add(fault_id=draft.pk, actor=Actor.system("test"), upload=upload)


def refusal(draft, name: str, content: bytes) -> str:
    with pytest.raises(FaultValidationError) as error:
        attach(draft, name, content)
    assert FaultAttachment.objects.count() == 0
    return " ".join(error.value.errors["file"])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", PDF),
        ("screen.png", PNG),
        ("photo.jpg", JPEG),
        ("photo.jpeg", JPEG),
        ("notes.docx", DOCX),
        ("archive.zip", _zip(a="hello")),
        ("old.doc", OLE2),
        ("sheet.xls", OLE2),
        ("mail.msg", OLE2),
        # mtime=0: the bytes end up in the test id, which pytest-xdist workers must agree on.
        ("logs.gz", gzip.compress(b"line one\nline two\n", mtime=0)),
        ("trace.pcap", PCAP),
        ("trace.txt", b"ping 8.8.8.8\n64 bytes from 8.8.8.8: icmp_seq=1\n"),
        ("sites.csv", "site,owner\nLeeds,Zoë\n".encode()),
        ("legacy.csv", "site,owner\nLeeds,Zoë\n".encode("cp1252")),
        ("wide.log", "router log\r\n".encode("utf-16")),
        ("config.xml", b"<?xml version='1.0'?><config/>"),
        # Text whatever it starts with: a log line, a CSV row, a script for the supplier to read.
        ("router.log", b"MZ-04 link down at 03:12\nMZ-04 link up at 03:15\n"),
        ("countries.csv", b"MZ,Mozambique\nGB,United Kingdom\n"),
        ("restart-ont.txt", b"#!/bin/sh\n# what we ran on the ONT\nreboot\n"),
        ("unknown-format.hwl", b"\x01\x02binary of a format without a signature"),
        ("empty.txt", b""),
    ],
)
def test_files_that_are_what_their_name_says_are_accepted(draft, name, content):
    attachment = attach(draft, name, content)

    assert attachment.filename == name
    assert attachment.file.read() == content


@pytest.mark.parametrize("name", ["invoice.pdf", "trace.txt", "photo.jpg", "data.hwl"])
def test_a_program_under_another_name_is_refused(draft, name):
    assert "is a program" in refusal(draft, name, WINDOWS_PROGRAM)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("invoice.pdf", _zip(a="x"), "not a .pdf file"),
        ("photo.png", JPEG, "not a .png file"),
        ("notes.docx", PDF, "not a .docx file"),
        ("old.doc", DOCX, "not a .doc file"),
        ("trace.pcap", PDF, "not a packet capture"),
        ("trace.txt", PNG, "not text"),
        ("sites.csv", b"a,b\x00\x00\x01c", "not text"),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "is a program"),
        ("tool.zip", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "is a program"),
    ],
)
def test_content_that_does_not_match_its_extension_is_refused(draft, name, content, says):
    assert says in refusal(draft, name, content)


def test_the_size_limit_is_said_in_megabytes(draft, settings):
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

    message = refusal(draft, "capture.pdf", PDF + b"\x00" * (20 * 1024 * 1024 - len(PDF)))

    assert message == "The file is 20 MB; the limit is 10 MB."


@pytest.mark.parametrize(
    ("size", "said"),
    [
        (20 * 1024 * 1024, "20 MB"),
        (10 * 1024 * 1024 + 512 * 1024, "10.5 MB"),
        (300 * 1024, "300 KB"),
        (1, "1 byte"),
        (12, "12 bytes"),
    ],
)
def test_sizes_read_as_people_say_them(size, said):
    assert human_size(size) == said


def test_the_api_refuses_a_renamed_program_and_stores_nothing(
    draft, agent_user, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    api = client_for(agent_user)

    answer = api.post(
        f"/api/v1/faults/{draft.buyer_fault_reference}/attachments/",
        {"file": SimpleUploadedFile("invoice.pdf", WINDOWS_PROGRAM)},
    )

    assert answer.status_code == 400
    assert "is a program" in str(answer.json())
    assert not any(tmp_path.rglob("*.*"))


def test_the_fault_page_refuses_a_renamed_program_and_says_why(client, agent_user, draft):
    client.force_login(agent_user)

    answer = client.post(
        f"/faults/{draft.buyer_fault_reference}/attach/",
        {"file": SimpleUploadedFile("invoice.pdf", WINDOWS_PROGRAM)},
        follow=True,
    )

    assert "The file is a program, not a .pdf file" in answer.content.decode()
    assert FaultAttachment.objects.count() == 0
