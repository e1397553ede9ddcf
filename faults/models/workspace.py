"""What a NOC shift works with beside the faults themselves: teams, internal notes, saved views
of the fault list and queue, and each user's notification preferences (issue 16)."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from faults.choices import DigestFrequency, SavedViewPage
from faults.models.fault import TEXT_MAX


class Team(models.Model):
    """A group of agents that owns faults together (a shift, a region, a supplier desk)."""

    name = models.CharField(max_length=80, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="noc_teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FaultNote(models.Model):
    """A work note that stays inside our NOC: never sent to a supplier, in any protocol."""

    fault = models.ForeignKey("faults.Fault", on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(validators=[MaxLengthValidator(TEXT_MAX)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["fault", "created_at"], name="faultnote_fault_created")]

    def __str__(self) -> str:
        return f"Note on fault {self.fault_id}"


class SavedView(models.Model):
    """A named set of filters, sort and columns of the fault list or the queue; private, or
    shared with a team; at most one default per user and page."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    page = models.CharField(max_length=10, choices=SavedViewPage.choices)
    name = models.CharField(max_length=80)
    query = models.TextField(blank=True, help_text="The page's query string: filters and sort.")
    columns = models.JSONField(default=list, blank=True)
    shared_with = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="saved_views"
    )
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["page", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "page", "name"], name="savedview_unique_name"),
            models.UniqueConstraint(
                fields=["owner", "page"], condition=Q(is_default=True), name="savedview_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkspacePreference(models.Model):
    """A user's choices about being told of new work."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_preference"
    )
    email_digest = models.CharField(
        max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.OFF
    )
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
