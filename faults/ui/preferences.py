"""A user's notification settings: the e-mail digest of new work."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from faults.choices import DigestFrequency
from faults.models import WorkspacePreference
from faults.services.digests import workspace_preference_set
from faults.ui.access import reader_required


class DigestForm(forms.Form):
    email_digest = forms.ChoiceField(
        label="E-mail digest of new work",
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        help_text="Rejections, resolutions awaiting our answer, breaches, new exceptions and "
        "incidents suppliers opened, since the last digest. Nothing new, no e-mail.",
    )


@reader_required
def work_notifications(request: HttpRequest) -> HttpResponse:
    preference = WorkspacePreference.objects.filter(user=request.user).first()
    current = preference.email_digest if preference else DigestFrequency.OFF
    form = DigestForm(request.POST or None, initial={"email_digest": current})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["email_digest"]
        workspace_preference_set(user_id=request.user.pk, email_digest=chosen)
        messages.success(request, f"E-mail digest: {DigestFrequency(chosen).label}.")
        return redirect("work-notifications")
    return render(
        request,
        "faults/preferences/notifications.html",
        {"form": form, "email": request.user.email},
        status=400 if form.errors else 200,
    )
