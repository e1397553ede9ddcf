"""A bulk run: one action an agent applied to many faults at once from the fault list, with a
result row per fault (issue 16).

The rows are written before anything is applied, each one `pending`; applying a fault turns its
row `done` or `refused` in the same transaction as the service's own writes, so a fault is
applied once even when the run's task is delivered twice, and a run that stops half way shows
exactly which faults are left."""

from django.conf import settings
from django.db import models


class BulkAction(models.TextChoices):
    REQUEST_UPDATE = "request_update", "Request an update"
    ADD_NOTE = "add_note", "Add an internal note"
    ASSIGN = "assign", "Assign"
    ACCEPT_RESOLUTION = "accept_resolution", "Accept the resolution"
    CANCEL = "cancel", "Cancel"


class BulkItemState(models.TextChoices):
    PENDING = "pending", "Waiting"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused"


class BulkRun(models.Model):
    action = models.CharField(max_length=32, choices=BulkAction.choices)
    # What the action needs beyond the fault: a note's text, a cancel reason, an assignee's id.
    params = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="bulk_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Bulk run {self.pk}: {self.get_action_display()}"


class BulkRunItem(models.Model):
    run = models.ForeignKey(BulkRun, on_delete=models.CASCADE, related_name="items")
    fault = models.ForeignKey("faults.Fault", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=16, choices=BulkItemState.choices, default=BulkItemState.PENDING
    )
    # Why a fault was refused: the service's own message (the state machine's, a validation's).
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "fault"], name="bulkrunitem_one_per_fault")
        ]
        indexes = [models.Index(fields=["run", "state"], name="bulkrunitem_run_state")]

    def __str__(self) -> str:
        return f"Fault {self.fault_id} in bulk run {self.run_id}: {self.state}"
