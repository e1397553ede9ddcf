from django.urls import path

from faults.ui.fault import (
    action_views,
    children_views,
    detail_views,
    mass_incident_views,
    ownership_views,
    raise_again_views,
    raise_views,
)

urlpatterns = [
    path("faults/new/", raise_views.fault_raise, name="fault-raise"),
    path("faults/new/validate/", raise_views.fault_raise_validate, name="fault-raise-validate"),
    path(
        "faults/new/mass-incident/",
        mass_incident_views.mass_incident_raise_view,
        name="mass-incident-raise",
    ),
    path("faults/<ref:reference>/", detail_views.fault_detail, name="fault-detail"),
    path("faults/<ref:reference>/header/", detail_views.fault_header, name="fault-header"),
    path(
        "faults/<ref:reference>/timeline/",
        detail_views.fault_timeline_fragment,
        name="fault-timeline",
    ),
    path(
        "faults/<ref:reference>/actions/", detail_views.fault_actions_fragment, name="fault-actions"
    ),
    path("faults/<ref:reference>/edit/", raise_views.fault_edit, name="fault-edit"),
    path(
        "faults/<ref:reference>/edit/validate/",
        raise_views.fault_edit_validate,
        name="fault-edit-validate",
    ),
    path("faults/<ref:reference>/submit/", action_views.fault_submit_view, name="fault-submit"),
    path("faults/<ref:reference>/amend/", action_views.fault_amend_view, name="fault-amend"),
    path("faults/<ref:reference>/comment/", action_views.fault_comment_view, name="fault-comment"),
    path("faults/<ref:reference>/note/", action_views.fault_note_view, name="fault-note"),
    path("faults/<ref:reference>/assign/", ownership_views.fault_assign_view, name="fault-assign"),
    path(
        "faults/<ref:reference>/assign-to-me/",
        ownership_views.fault_assign_to_me_view,
        name="fault-assign-to-me",
    ),
    path("faults/<ref:reference>/attach/", action_views.fault_attach_view, name="fault-attach"),
    path(
        "faults/<ref:reference>/request-update/",
        action_views.fault_request_update_view,
        name="fault-request-update",
    ),
    path(
        "faults/<ref:reference>/accept-resolution/",
        action_views.fault_accept_resolution_view,
        name="fault-accept-resolution",
    ),
    path(
        "faults/<ref:reference>/reject-resolution/",
        action_views.fault_reject_resolution_view,
        name="fault-reject-resolution",
    ),
    path("faults/<ref:reference>/cancel/", action_views.fault_cancel_view, name="fault-cancel"),
    path(
        "faults/<ref:reference>/children/apply/",
        children_views.fault_children_apply_view,
        name="fault-children-apply",
    ),
    path(
        "faults/<ref:reference>/raise-again/",
        raise_again_views.fault_raise_again_view,
        name="fault-raise-again",
    ),
]
