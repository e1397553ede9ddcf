from django.urls import path

from faults.ui.worklists import views

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("faults/", views.fault_list, name="fault-list"),
    path("wallboard/", views.wallboard, name="wallboard"),
]
