from django.urls import path

from faults.ui.exceptions import views

urlpatterns = [
    path("exceptions/", views.exception_list, name="exception-list"),
    path("exceptions/<int:pk>/solve/", views.exception_solve_view, name="exception-solve"),
    path(
        "exceptions/escalations/",
        views.escalation_candidate_list,
        name="escalation-candidates",
    ),
]
