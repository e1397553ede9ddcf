"""The accepted attachment types in words a person reads: the kinds of file (documents, images,
logs, …) rather than the sixty-odd extensions of settings.ATTACHMENT_ALLOWED_EXTENSIONS, which
stay the rule (faults/services/attachment_checks.py) and are listed in full on demand.

Only the wording lives here: whatever the setting allows is described, and an extension this
module does not know is listed under "Other"."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    name: str  # as it reads in a list: "Images"
    in_a_sentence: str  # as it reads in the help: "images"
    extensions: frozenset[str]


def _kind(name: str, in_a_sentence: str, extensions: str) -> FileKind:
    return FileKind(name, in_a_sentence, frozenset(extensions.split()))


# In the order a NOC agent most often attaches them.
KINDS = (
    _kind(
        "Documents",
        "PDF and Office documents",
        "pdf rtf xps doc docx dotx xls xlsx xlt xltx xlr ppt pptx potx pub vsd wps wpt wks wdb "
        "mdb accdb",
    ),
    _kind("Text and logs", "text and log files", "txt text log csv xml nfo err evt lic"),
    _kind("Images", "screenshots and images", "png jpg jpeg gif bmp tif tiff ico wmf"),
    _kind(
        "Captures and traces",
        "packet captures and traces",
        "pcap cap saz chls hwl psf stp uccapilog uccp uccplog",
    ),
    _kind("E-mails", "e-mails", "eml msg oft pst vcf"),
    _kind("Archives", "archives", "zip gz rar cab"),
    _kind("Audio and video", "audio and video", "mp3 wma wmv mpg avi"),
)
OTHER = "Other"


def _in_order(extensions: Iterable[str]) -> list[str]:
    return sorted({extension.lower().lstrip(".") for extension in extensions})


def accepted_types_grouped(extensions: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The extensions by kind, in KINDS' order, each kind's extensions sorted; unknown ones last
    under "Other"; kinds with none left out."""
    remaining = _in_order(extensions)
    groups = []
    for kind in KINDS:
        found = [extension for extension in remaining if extension in kind.extensions]
        if found:
            groups.append((kind.name, found))
    known = {extension for _, found in groups for extension in found}
    others = [extension for extension in remaining if extension not in known]
    if others:
        groups.append((OTHER, others))
    return groups


def accepted_types_in_words(extensions: Iterable[str]) -> str:
    """ "PDF and Office documents, text and log files, …, audio and video" for the kinds the
    extensions include (and "a few other types" when some are of no kind listed here)."""
    groups = dict(accepted_types_grouped(extensions))
    words = [kind.in_a_sentence for kind in KINDS if kind.name in groups]
    if OTHER in groups:
        words.append("a few other types" if len(groups[OTHER]) > 1 else "one other type")
    return ", ".join(words)
