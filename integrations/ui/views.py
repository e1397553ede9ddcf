# PLACEHOLDER: replaced by the reports work (integration health).
from django.http import HttpResponse


def integration_health(request):
    return HttpResponse("health")
