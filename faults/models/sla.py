from datetime import time, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from faults.choices import SlaCalendar


class SlaPolicy(models.Model):
    """The repair target a supplier owes us for one fault type and priority (design §5).

    A blank fault type or an empty priority matches any; the most specific policy wins.
    """

    partner = models.ForeignKey(
        "integrations.Partner", on_delete=models.CASCADE, related_name="sla_policies"
    )
    fault_type = models.CharField(max_length=100, blank=True, help_text="Blank: any fault type.")
    priority = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Empty: any priority.",
    )
    target = models.DurationField(help_text="Time to repair, counted in the calendar below.")
    calendar = models.CharField(
        max_length=20, choices=SlaCalendar.choices, default=SlaCalendar.ALWAYS
    )
    business_day_start = models.TimeField(default=time(8, 0))
    business_day_end = models.TimeField(default=time(18, 0))
    at_risk_percent = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="A running fault is at risk once this share of the target has elapsed.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        ordering = ["partner__name", "fault_type", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "fault_type", "priority"],
                condition=models.Q(priority__isnull=False),
                name="sla_policy_unique_scope",
                violation_error_message="A policy for this partner, type and priority exists.",
            ),
            models.UniqueConstraint(
                fields=["partner", "fault_type"],
                condition=models.Q(priority__isnull=True),
                name="sla_policy_unique_scope_any_priority",
                violation_error_message="A policy for this partner and type (any priority) exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(business_day_end__gt=models.F("business_day_start")),
                name="sla_policy_business_day_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(target__gt=timedelta(0)), name="sla_policy_target_positive"
            ),
        ]

    def __str__(self) -> str:
        scope = f"{self.fault_type or 'any type'}, P{self.priority or '*'}"
        return f"{self.partner} - {scope}: {self.target} ({self.get_calendar_display()})"

    @property
    def target_seconds(self) -> int:
        return int(self.target.total_seconds())
