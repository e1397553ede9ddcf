"""The page of a refused CSRF check (CSRF_FAILURE_VIEW): Django's own carries an inline <style>,
which our Content-Security-Policy blocks; ours is the site's 403 page with the reason."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = (
        "The form was refused: its CSRF token is missing or out of date. Reload the page and "
        "send it again (your browser must accept this site's cookies)."
    )
    return render(request, "403.html", {"exception": message}, status=403)
