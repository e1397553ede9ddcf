"""The role groups: agents work faults, managers read, admins configure."""

import pytest
from django.contrib.auth.models import Group, Permission

from faults.roles import ensure_role_groups

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("user", "allowed", "refused"),
    [
        (
            "agent_user",
            [
                "faults.act_on_fault",
                "faults.add_fault",
                "faults.change_faultcomment",
                "faults.add_faultattachment",
                "faults.view_faultevent",
                "integrations.view_partner",
            ],
            ["faults.delete_fault", "faults.change_slapolicy", "integrations.change_partner"],
        ),
        (
            "manager_user",
            ["faults.view_fault", "faults.view_faultevent", "faults.view_slapolicy"],
            [
                "faults.act_on_fault",
                "faults.add_fault",
                "faults.change_fault",
                "faults.add_faultcomment",
            ],
        ),
        (
            "admin_user",
            [
                "faults.act_on_fault",
                "faults.change_slapolicy",
                "faults.delete_fault",
                "integrations.add_partner",
                "integrations.change_buyeridentifier",
            ],
            ["auth.change_user"],
        ),
    ],
)
def test_role_permissions(request, user, allowed, refused):
    user = request.getfixturevalue(user)

    assert [perm for perm in allowed if not user.has_perm(perm)] == []
    assert [perm for perm in refused if user.has_perm(perm)] == []


def test_ensure_role_groups_is_idempotent():
    ensure_role_groups()
    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}

    ensure_role_groups()

    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert after == before
    assert set(before) == {"agent", "manager", "admin"}


def test_permissions_granted_by_an_admin_are_kept():
    group = ensure_role_groups()["manager"]
    extra = Permission.objects.get(codename="add_faultcomment")
    group.permissions.add(extra)

    ensure_role_groups()

    assert group.permissions.filter(pk=extra.pk).exists()
