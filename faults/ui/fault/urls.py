from django.urls import path

from faults.ui.fault import action_views, detail_views, raise_views

urlpatterns = [
    path("faults/new/", raise_views.fault_raise, name="fault-raise"),
    path("faults/new/validate/", raise_views.fault_raise_validate, name="fault-raise-validate"),
    path("faults/<str:reference>/", detail_views.fault_detail, name="fault-detail"),
    path("faults/<str:reference>/header/", detail_views.fault_header, name="fault-header"),
    path(
        "faults/<str:reference>/timeline/",
        detail_views.fault_timeline_fragment,
        name="fault-timeline",
    ),
    path(
        "faults/<str:reference>/actions/", detail_views.fault_actions_fragment, name="fault-actions"
    ),
    path("faults/<str:reference>/edit/", raise_views.fault_edit, name="fault-edit"),
    path(
        "faults/<str:reference>/edit/validate/",
        raise_views.fault_edit_validate,
        name="fault-edit-validate",
    ),
    path("faults/<str:reference>/submit/", action_views.fault_submit_view, name="fault-submit"),
    path("faults/<str:reference>/amend/", action_views.fault_amend_view, name="fault-amend"),
    path("faults/<str:reference>/comment/", action_views.fault_comment_view, name="fault-comment"),
    path("faults/<str:reference>/attach/", action_views.fault_attach_view, name="fault-attach"),
    path(
        "faults/<str:reference>/request-update/",
        action_views.fault_request_update_view,
        name="fault-request-update",
    ),
    path(
        "faults/<str:reference>/accept-resolution/",
        action_views.fault_accept_resolution_view,
        name="fault-accept-resolution",
    ),
    path(
        "faults/<str:reference>/reject-resolution/",
        action_views.fault_reject_resolution_view,
        name="fault-reject-resolution",
    ),
    path("faults/<str:reference>/cancel/", action_views.fault_cancel_view, name="fault-cancel"),
]
