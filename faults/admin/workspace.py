"""The admin of the NOC's teams: who is in which (a fault's team, 'My team's' on the queue and
the list, views shared with a team)."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from faults.models.workspace import Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "member_count")
    search_fields = ("name",)
    filter_horizontal = ("members",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, team: Team) -> int:
        return team.member_total  # type: ignore[attr-defined]
