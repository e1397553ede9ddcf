# PLACEHOLDER: replaced by the fault work (raise form, detail, actions).
from django.http import HttpResponse


def fault_raise(request):
    return HttpResponse("raise")


def fault_detail(request, reference):
    return HttpResponse(reference)
