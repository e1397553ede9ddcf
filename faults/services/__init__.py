"""The fault services: every change to a fault goes through one of these functions."""

from faults.services.actors import Actor
from faults.services.appointment import fault_appointment_clear, fault_appointment_set
from faults.services.internal_notes import fault_add_note
from faults.services.merge import (
    CommentEntry,
    UpdateEntry,
    fault_comments_merge,
    fault_updates_merge,
)
from faults.services.notes import (
    fault_attachment_add,
    fault_attachment_from_supplier,
    fault_comment_add,
)
from faults.services.ownership import fault_assign, fault_assign_to_me
from faults.services.partner_ticket import fault_partner_ticket_purged
from faults.services.raising import (
    fault_amend,
    fault_cancel,
    fault_create_draft,
    fault_draft_update_with_steps,
    fault_raise,
    fault_raise_with_steps,
    fault_request_update,
    fault_submit,
)
from faults.services.resolution import (
    fault_accept_resolution,
    fault_reject_resolution,
    faults_auto_close_due,
)
from faults.services.supplier import (
    LateRepair,
    SupplierReport,
    fault_apply_supplier_report,
    fault_apply_supplier_status,
)
from faults.services.supplier_opened import (
    ContactEntry,
    SupplierOpening,
    fault_apply_supplier_data,
    fault_open_by_supplier,
    supplier_opened_fault,
)
from faults.services.transitions import fault_allowed_transitions, fault_lock, fault_transition

__all__ = [
    "Actor",
    "CommentEntry",
    "ContactEntry",
    "LateRepair",
    "SupplierOpening",
    "SupplierReport",
    "UpdateEntry",
    "fault_accept_resolution",
    "fault_add_note",
    "fault_allowed_transitions",
    "fault_amend",
    "fault_apply_supplier_data",
    "fault_apply_supplier_report",
    "fault_apply_supplier_status",
    "fault_appointment_clear",
    "fault_appointment_set",
    "fault_assign",
    "fault_assign_to_me",
    "fault_attachment_add",
    "fault_attachment_from_supplier",
    "fault_cancel",
    "fault_comment_add",
    "fault_comments_merge",
    "fault_create_draft",
    "fault_draft_update_with_steps",
    "fault_lock",
    "fault_open_by_supplier",
    "fault_partner_ticket_purged",
    "fault_raise",
    "fault_raise_with_steps",
    "fault_reject_resolution",
    "fault_request_update",
    "fault_submit",
    "fault_transition",
    "fault_updates_merge",
    "faults_auto_close_due",
    "supplier_opened_fault",
]
