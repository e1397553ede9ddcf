"""A rule (`TicketExceptionRule`, the seed's TicketExceptionRule) and what it raises on a fault
(`TicketException`). At most one exception per fault and rule is open at a time: a partial
unique index, so two sweeps running at once cannot both raise it."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class TicketExceptionRule(models.Model):
    """One kind of exception. `type_name` keys the evaluator in code (`faults.exceptions.rules`);
    admins switch a rule on and off and tune its threshold."""

    type_id = models.PositiveSmallIntegerField("type id", unique=True)
    type_name = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_active = models.BooleanField("active", default=True)
    threshold_hours = models.FloatField(
        null=True,
        blank=True,
        help_text="How many hours the condition must hold before the exception is raised "
        "(what it counts depends on the rule; empty for rules without one).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["type_id"]
        verbose_name = "ticket exception rule"

    def __str__(self) -> str:
        return f"{self.type_name} ({self.name})"


class Shift(models.TextChoices):
    """Who works the NOC now (`faults.exceptions.shifts`): the day shift in business hours, the
    evening/night shift on weekday evenings and nights, a named team at weekends and on bank
    holidays."""

    DAYSIDE = "dayside", "Dayside"
    AFTER_HOURS = "after-hours", "After hours"
    TEAM = "team", "Named team"


class CallToAction(models.Model):
    """What to do about an exception of one type, per shift (the seed's CallToAction: a text for
    dayside, after hours and a named team, and a priority)."""

    rule = models.OneToOneField(
        TicketExceptionRule, on_delete=models.CASCADE, related_name="call_to_action"
    )
    template_dayside = models.TextField("text for the day shift")
    template_after_hours = models.TextField("text after hours")
    template_team = models.TextField(
        "text for the named team", help_text="The team is settings.EXCEPTION_TEAM_NAME."
    )
    request_type = models.PositiveSmallIntegerField(
        default=1, help_text="The helpdesk work item's request type (tbsWorkItemRequestType)."
    )
    priority = models.PositiveSmallIntegerField(
        default=5, help_text="1 is the most urgent: the queue lists exceptions in this order."
    )

    class Meta:
        ordering = ["priority", "rule__type_id"]
        verbose_name = "call to action"

    def __str__(self) -> str:
        return f"{self.rule.type_name} (P{self.priority})"

    def text_for(self, shift: str) -> str:
        return {
            Shift.DAYSIDE: self.template_dayside,
            Shift.AFTER_HOURS: self.template_after_hours,
            Shift.TEAM: self.template_team,
        }[Shift(shift)]


class TicketException(models.Model):
    """A rule's condition holding on a fault. Open until the condition clears (solved by the
    sweep, the seed's `isConsideredSolvedByTbs`) or an agent solves it with a reason."""

    fault = models.ForeignKey("faults.Fault", on_delete=models.CASCADE, related_name="exceptions")
    rule = models.ForeignKey(TicketExceptionRule, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=200)
    comment = models.TextField(blank=True)
    raised_at = models.DateTimeField()
    solved_at = models.DateTimeField(null=True, blank=True)
    solved_automatically = models.BooleanField(
        default=False, help_text="Solved because the condition cleared (isConsideredSolvedByTbs)."
    )
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solved_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = "ticket exception"
        constraints = [
            models.UniqueConstraint(
                fields=["fault", "rule"],
                condition=Q(solved_at__isnull=True),
                name="one_open_exception_per_fault_and_rule",
            )
        ]
        indexes = [
            models.Index(
                fields=["rule", "fault"],
                condition=Q(solved_at__isnull=True),
                name="open_exceptions",
            ),
            # The queue's section reads the oldest open exceptions of one rule at a time
            # (faults.worklists.open_exceptions_first): a few rows off this index, however many
            # are open.
            models.Index(
                fields=["rule", "raised_at", "id"],
                condition=Q(solved_at__isnull=True),
                name="open_exceptions_by_age",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.type_name} on fault {self.fault_id}"

    @property
    def is_open(self) -> bool:
        return self.solved_at is None


class EscalationThreshold(models.Model):
    """When a supplier becomes an escalation candidate: this many open exceptions, or its oldest
    open exception this old (one row, edited in the admin)."""

    min_open_exceptions = models.PositiveIntegerField(
        "open exceptions", default=3, help_text="A supplier with at least this many is a candidate."
    )
    oldest_open_hours = models.FloatField(
        "oldest open for (hours)",
        default=48,
        help_text="A supplier whose oldest open exception was raised at least this long ago is a "
        "candidate, however few it has.",
    )

    class Meta:
        verbose_name = "escalation threshold"

    def __str__(self) -> str:
        return (
            f"{self.min_open_exceptions} open exceptions, or one open for "
            f"{self.oldest_open_hours:g} hours"
        )

    @classmethod
    def current(cls) -> "EscalationThreshold":
        threshold, _ = cls.objects.get_or_create(pk=1)
        return threshold


class ExternalReference(models.Model):
    """A ticket in another system about an exception (the seed's externalReferences: a Zendesk
    ticket in the buyer's helpdesk). The helpdesk's status webhook finds exceptions by it."""

    exception = models.ForeignKey(
        TicketException, on_delete=models.CASCADE, related_name="external_references"
    )
    domain = models.CharField(max_length=40, help_text='The system, e.g. "zendesk".')
    type = models.CharField(max_length=40, default="ticket", help_text='E.g. "ticket".')
    identifier = models.CharField(max_length=100, help_text="Its id in that system.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "external reference"
        constraints = [
            models.UniqueConstraint(
                fields=["exception", "domain", "type", "identifier"],
                name="one_link_per_exception_and_external_ticket",
            )
        ]
        indexes = [models.Index(fields=["domain", "identifier"], name="external_reference_lookup")]

    def __str__(self) -> str:
        return f"{self.domain} {self.type} {self.identifier}"
