"""Read queries for faults: what the API and the UI show. Services write; these only read."""

from django.db.models import Prefetch, Q, QuerySet

from faults.errors import FaultNotFound
from faults.models import Fault, FaultAttachment, FaultComment, FaultEvent
from faults.models.workspace import FaultNote
from faults.suppliers import BuyerIdentifier, buyer_identifier_model

REFERENCE_MAX = Fault._meta.get_field("buyer_fault_reference").max_length


def fault_list_queryset() -> QuerySet[Fault]:
    """Faults with what a list row shows (supplier, buyer identifier, parent, owner, team) in
    one query."""
    return Fault.objects.select_related("supplier", "buyer_identifier", "parent", "owner", "team")


def fault_detail_queryset() -> QuerySet[Fault]:
    """Faults with everything the detail shows, in a fixed number of queries."""
    return (
        fault_list_queryset()
        .select_related("sla_policy")
        .prefetch_related(
            Prefetch(
                "children",
                queryset=Fault.objects.only("id", "parent_id", "buyer_fault_reference").order_by(
                    "id"
                ),
            ),
            "updates",
            Prefetch("comments", queryset=FaultComment.objects.select_related("author")),
            Prefetch("attachments", queryset=FaultAttachment.objects.select_related("added_by")),
            Prefetch("events", queryset=FaultEvent.objects.select_related("actor_user")),
        )
    )


def fault_get(*, reference: str, queryset: QuerySet[Fault] | None = None) -> Fault:
    """The fault with this buyer fault reference, or FaultNotFound."""
    queryset = Fault.objects.all() if queryset is None else queryset
    # A reference that cannot exist is not looked up (PostgreSQL refuses NUL characters).
    fault = None
    if reference and len(reference) <= REFERENCE_MAX and "\x00" not in reference:
        fault = queryset.filter(buyer_fault_reference=reference).first()
    if fault is None:
        raise FaultNotFound(f"No fault with buyer reference {reference}.")
    return fault


def fault_detail_get(*, fault_id: int) -> Fault:
    return fault_detail_queryset().get(pk=fault_id)


def fault_comments(*, fault: Fault) -> QuerySet[FaultComment]:
    return FaultComment.objects.filter(fault=fault).select_related("author")


def fault_notes(*, fault: Fault) -> QuerySet[FaultNote]:
    """The fault's internal notes, oldest first (never shown to a partner)."""
    return FaultNote.objects.filter(fault=fault).select_related("author")


def fault_attachments(*, fault: Fault) -> QuerySet[FaultAttachment]:
    return FaultAttachment.objects.filter(fault=fault).select_related("fault", "added_by")


def fault_attachment_get(*, fault: Fault, attachment_id: int) -> FaultAttachment:
    attachment = FaultAttachment.objects.filter(fault=fault, pk=attachment_id).first()
    if attachment is None:
        raise FaultNotFound(
            f"Fault {fault.buyer_fault_reference} has no attachment {attachment_id}."
        )
    return attachment


def fault_text_search(queryset: QuerySet[Fault], text: str) -> QuerySet[Fault]:
    """Faults whose references, service, location or description contain `text` (any case)."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(buyer_fault_reference__icontains=text)
        | Q(maintainer_fault_reference__icontains=text)
        | Q(service_id__icontains=text)
        | Q(fault_location__icontains=text)
        | Q(description__icontains=text)
    )


def buyer_identifier_get(*, partner_id: int, code: str) -> BuyerIdentifier | None:
    return buyer_identifier_model().objects.filter(partner_id=partner_id, code=code).first()
