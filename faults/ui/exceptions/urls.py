from django.urls import path

from faults.ui.exceptions import views

urlpatterns = [
    path("exceptions/", views.exception_list, name="exception-list"),
    path("exceptions/<int:pk>/solve/", views.exception_solve_view, name="exception-solve"),
    path("exceptions/<int:pk>/tickets/", views.exception_link_view, name="exception-link"),
    path(
        "exceptions/tickets/<int:pk>/unlink/",
        views.exception_unlink_view,
        name="exception-unlink",
    ),
    path(
        "exceptions/escalations/",
        views.escalation_candidate_list,
        name="escalation-candidates",
    ),
]
