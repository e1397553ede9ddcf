"""The fault services: every change to a fault goes through one of these functions."""

from faults.services.actors import Actor
from faults.services.notes import fault_attachment_add, fault_comment_add
from faults.services.raising import (
    fault_amend,
    fault_cancel,
    fault_create_draft,
    fault_request_update,
    fault_submit,
)
from faults.services.resolution import (
    fault_accept_resolution,
    fault_reject_resolution,
    faults_auto_close_due,
)
from faults.services.supplier import UpdateEntry, fault_apply_supplier_status, fault_updates_merge
from faults.services.transitions import fault_allowed_transitions, fault_lock, fault_transition

__all__ = [
    "Actor",
    "UpdateEntry",
    "fault_accept_resolution",
    "fault_allowed_transitions",
    "fault_amend",
    "fault_apply_supplier_status",
    "fault_attachment_add",
    "fault_cancel",
    "fault_comment_add",
    "fault_create_draft",
    "fault_lock",
    "fault_reject_resolution",
    "fault_request_update",
    "fault_submit",
    "fault_transition",
    "fault_updates_merge",
    "faults_auto_close_due",
]
