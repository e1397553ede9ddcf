# PLACEHOLDER: replaced by the worklists work (queue, fault list, wallboard).
from django.http import HttpResponse


def queue(request):
    return HttpResponse("queue")


def fault_list(request):
    return HttpResponse("faults")


def wallboard(request):
    return HttpResponse("wallboard")
