"""The one check an attachment passes before it is stored, whoever uploads it (the API and the
fault page both go through `fault_attachment_add`): a name, an allowed extension, a size within
the limit, and content that is what its extension says.

Content is checked by its signature, identified by puremagic (pure Python, a large table of
magic numbers): the file's extension, or one that names the same format, must be among the
formats its first bytes could be. Text formats (txt, csv, log, xml, …) have no signature: they
must read as text, and text is accepted whatever its first characters (a log line starting "MZ",
a shell script sent for the supplier to read). Every other extension refuses a program (an
executable's or a script's signature), and those without a known signature are otherwise taken
as they are. So an .exe renamed .pdf or .txt is refused.
"""

import codecs
from pathlib import PurePath

import puremagic
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from faults.errors import FaultValidationError

__all__ = ["attachment_check", "human_size"]

HEAD_BYTES = 64 * 1024
TEXT_EXTENSIONS = frozenset(
    {"txt", "text", "log", "csv", "xml", "eml", "vcf", "nfo", "err", "uccapilog", "uccplog"}
)
# Formats with a signature, and the other names puremagic may give the same format.
SIGNED_ALIASES: dict[str, frozenset[str]] = {
    extension: frozenset(aliases.split())
    for extension, aliases in {
        "pdf": "",
        "png": "",
        "gif": "",
        "bmp": "dib",
        "ico": "",
        "jpg": "jpeg jfif jpe",
        "jpeg": "jpg jfif jpe",
        "tif": "tiff",
        "tiff": "tif",
        # OLE2 compound documents: Office 97-2003 files, Outlook items, Visio, Publisher, Works.
        "doc": "",
        "xls": "",
        "ppt": "",
        "vsd": "",
        "pub": "",
        "wps": "",
        "xlt": "xls doc",
        "msg": "doc",
        "oft": "doc",
        # Zip containers: Office Open XML, XPS, Fiddler archives.
        "zip": "",
        "docx": "",
        "xlsx": "",
        "pptx": "",
        "dotx": "",
        "potx": "",
        "xltx": "",
        "xps": "",
        "saz": "zip",
        "gz": "tgz",
        "rar": "",
        "cab": "",
        "rtf": "",
        "mp3": "mpga",
        "wma": "asf wmv",
        "wmv": "asf wma",
        "mpg": "mpeg vob",
        "avi": "",
        "wmf": "",
        "mdb": "",
        "accdb": "",
        "pst": "ost",
        "evt": "",
    }.items()
}
# Capture files, which puremagic names without an extension: libpcap (both byte orders, micro-
# and nanosecond) and pcapng.
_PCAP_MAGIC = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
# Programs and scripts: refused under every extension that is not text (and named so when a
# text extension carries one that is not text).
_PROGRAM_MAGIC = (
    b"MZ",  # Windows (PE) and DOS executables
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O, both word sizes and byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal (also Java classes)
    b"#!",
)
_WHITESPACE_CONTROLS = frozenset(b"\t\n\r\f\x0b")


def human_size(size: int) -> str:
    """A size as people say it: "20 MB", "1.5 MB", "300 KB", "12 bytes" (1 MB = 1024 KB)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            value = f"{size / factor:.1f}".rstrip("0").rstrip(".")
            return f"{value} {unit}"
    return f"{size} byte{'s' if size != 1 else ''}"


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _formats(head: bytes) -> set[str]:
    """Every extension puremagic says these first bytes could be."""
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return set()
    return {match.extension.lstrip(".").lower() for match in matches if match.extension}


def _is_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            codecs.getincrementaldecoder("utf-16")().decode(head, final=False)
        except UnicodeDecodeError:
            return False
        return True
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        # Legacy 8-bit text (Windows-1252 and the like): control characters are rare in it.
        controls = sum(1 for byte in head if byte < 0x20 and byte not in _WHITESPACE_CONTROLS)
        return controls <= len(head) // 100


def _content_error(extension: str, head: bytes) -> str | None:
    """Why the content is not a .`extension` file, or None when it is (or cannot be told)."""
    program = f"The file is a program, not a .{extension} file: programs are not accepted."
    if extension in TEXT_EXTENSIONS:
        if _is_text(head):
            return None  # text is read, never run, whatever it starts with
        if head.startswith(_PROGRAM_MAGIC):
            return program
        return f"The file is not text, as a .{extension} file must be."
    if head.startswith(_PROGRAM_MAGIC):
        return program
    if not head:
        return None  # an empty file has no content to disagree with its name
    if extension in ("pcap", "cap") and head.startswith((*_PCAP_MAGIC, _PCAPNG_MAGIC)):
        return None
    if extension == "pcap":
        return "The file is not a packet capture (pcap or pcapng), as its .pcap name says."
    aliases = SIGNED_ALIASES.get(extension)
    if aliases is None:
        return None  # no known signature for this type
    if _formats(head) & {extension, *aliases}:
        return None
    return (
        f"The file's content is not a .{extension} file; "
        "rename it to the type it really is, or attach the right file."
    )


def attachment_check(upload: UploadedFile) -> str:
    """The attachment's file name, or FaultValidationError listing everything wrong with it."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower().lstrip(".")
    errors = []
    if not name or len(name) > 255:
        errors.append("The file needs a name of at most 255 characters.")
    allowed = extension in settings.ATTACHMENT_ALLOWED_EXTENSIONS
    if not allowed:
        errors.append(
            f"Files of type '.{extension}' are not accepted."
            if extension
            else "The file has no extension; only listed file types are accepted."
        )
    limit = settings.ATTACHMENT_MAX_BYTES
    too_big = upload.size is not None and upload.size > limit
    if too_big:
        size, most = human_size(upload.size), human_size(limit)
        errors.append(
            f"The file is {size}; the limit is {most}."
            if size != most
            else f"The file is larger than the {most} limit."
        )
    if allowed and not too_big:
        content_error = _content_error(extension, _head(upload))
        if content_error:
            errors.append(content_error)
    if errors:
        raise FaultValidationError("The attachment was refused.", errors={"file": errors})
    return name
