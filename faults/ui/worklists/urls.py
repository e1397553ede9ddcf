from django.urls import path

from faults.ui.worklists import export, fault_list, new_work, queue, wallboard

urlpatterns = [
    path("queue/", queue.queue, name="queue"),
    path("queue/new-work/", new_work.new_work, name="new-work"),
    path("faults/", fault_list.fault_list, name="fault-list"),
    path("faults/export.csv", export.fault_export, name="fault-export"),
    path("wallboard/", wallboard.wallboard, name="wallboard"),
]
