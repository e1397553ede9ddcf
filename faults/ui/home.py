"""The start page: each role lands where its work is."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from faults.roles import can_act_on_faults, can_read_faults, can_see_dashboards


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if can_act_on_faults(user):
        return redirect("queue")
    if can_see_dashboards(user):
        return redirect("sla-dashboard")
    if can_read_faults(user):
        return redirect("fault-list")
    if user.is_staff:
        return redirect("admin:index")
    return redirect("no-role")


def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "no_role.html", status=403)
