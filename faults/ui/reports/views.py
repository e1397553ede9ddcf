# PLACEHOLDER: replaced by the reports work (SLA dashboard).
from django.http import HttpResponse


def sla_dashboard(request):
    return HttpResponse("dashboard")
