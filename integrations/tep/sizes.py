"""How big a TEP message may be, for the inbound edge's size limit (`Partner.max_inbound_bytes`).

The spine's default (256 KiB) suits a notification, not TEP: an attachment travels inline, base64
in one text node (`PostAttachment`, the seed's "Payload: Stream"), and a ticket may carry notes of
up to 300 000 characters each. A TEP partner's default is the largest attachment we can take, as
base64, plus room for its envelope. The largest attachment is our attachment limit
(`settings.ATTACHMENT_MAX_BYTES`), but never more than the hardened parser reads in one text node
(libxml2 without XML_PARSE_HUGE: 10 000 000 characters, i.e. 7.5 MB decoded).

A partner saved with protocol `tep` and the spine's default limit is given this one instead
(`apply_tep_default`, connected in `integrations.tep.apps`); any other value an admin sets is
kept."""

import math

from django.conf import settings

LIBXML_TEXT_NODE_MAX = 10_000_000
ENVELOPE_ALLOWANCE = 64 * 1024
PROTOCOL = "tep"


def largest_attachment() -> int:
    """The largest attachment payload (decoded bytes) a TEP partner can send us."""
    return min(settings.ATTACHMENT_MAX_BYTES, LIBXML_TEXT_NODE_MAX // 4 * 3)


def default_max_inbound_bytes() -> int:
    """A TEP partner's default body limit: the largest attachment as base64, plus the envelope."""
    return 4 * math.ceil(largest_attachment() / 3) + ENVELOPE_ALLOWANCE


def spine_default() -> int:
    from integrations.models import Partner

    return Partner._meta.get_field("max_inbound_bytes").get_default()


def apply_tep_default(sender: type, instance: object, **kwargs: object) -> None:
    """`pre_save` of Partner: a TEP partner still on the spine's default gets TEP's."""
    if getattr(instance, "protocol", None) != PROTOCOL:
        return
    if instance.max_inbound_bytes == spine_default():
        instance.max_inbound_bytes = default_max_inbound_bytes()
