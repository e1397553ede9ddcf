from django.urls import path

from faults.ui.worklists import bulk

urlpatterns = [
    path("faults/bulk/", bulk.bulk_run_start_view, name="bulk-run-start"),
    path("faults/bulk/<int:pk>/", bulk.bulk_run_view, name="bulk-run"),
]
