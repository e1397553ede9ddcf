from django.urls import path
from rest_framework.routers import SimpleRouter

from faults.api.exceptions import EscalationCandidatesView
from faults.api.views import FaultViewSet, TokenView

app_name = "faults-api"

router = SimpleRouter()
router.register("faults", FaultViewSet, basename="fault")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path(
        "exceptions/escalation-candidates/",
        EscalationCandidatesView.as_view(),
        name="escalation-candidates",
    ),
    *router.urls,
]
