from django.urls import path

from faults.ui.worklists import export, fault_list, new_work, queue, saved_views, wallboard

urlpatterns = [
    path("queue/", queue.queue, name="queue"),
    path("queue/new-work/", new_work.new_work, name="new-work"),
    path("faults/", fault_list.fault_list, name="fault-list"),
    path("faults/export.csv", export.fault_export, name="fault-export"),
    path("wallboard/", wallboard.wallboard, name="wallboard"),
    path("views/", saved_views.manage_page, name="saved-views"),
    path("views/save/", saved_views.save_view, name="saved-view-save"),
    path("views/<int:pk>/<slug:action>/", saved_views.change_view, name="saved-view-change"),
]
