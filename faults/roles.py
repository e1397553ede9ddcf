"""The three roles as auth groups: agents work faults, managers read, admins configure."""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission

AGENT = "agent"
MANAGER = "manager"
ADMIN = "admin"

ACT_ON_FAULT = "faults.act_on_fault"

_FAULT_WORK_MODELS = ("fault", "faultcomment", "faultattachment")
_FAULT_CONTEXT_MODELS = ("faultupdate", "faultevent", "slapause", "slapolicy")
_PARTNER_MODELS = ("partner", "buyeridentifier")
# "axes": admins unlock a locked-out login (django-axes: Access attempts, Access failures).
_ADMIN_APPS = ("faults", "integrations", "appointments", "axes")
# A protocol package (`integrations.<protocol>`, enabled by INTEGRATION_PACKAGES) is an app of its
# own; its models (a TMF621 connection) are configured by admins like the partner they belong to.
_PACKAGE_APPS_PREFIX = "integrations."


READER_ROLES = frozenset({AGENT, MANAGER, ADMIN})
ACTOR_ROLES = frozenset({AGENT, ADMIN})
DASHBOARD_ROLES = frozenset({MANAGER, ADMIN})

_ROLES_CACHE = "_fault_roles"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role groups the user is in (read once per request and kept on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    roles = getattr(user, _ROLES_CACHE, None)
    if roles is None:
        names = user.groups.filter(name__in=READER_ROLES).values_list("name", flat=True)
        roles = frozenset(names)
        setattr(user, _ROLES_CACHE, roles)
    return roles


def can_read_faults(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user_roles(user) & READER_ROLES)


def can_act_on_faults(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user_roles(user) & ACTOR_ROLES)


def can_see_dashboards(user: AbstractBaseUser | AnonymousUser) -> bool:
    """SLA dashboards are for managers (and admins)."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user_roles(user) & DASHBOARD_ROLES)


def _codenames(actions: tuple[str, ...], models: tuple[str, ...]) -> set[str]:
    return {f"{action}_{model}" for action in actions for model in models}


def _admin_app_labels() -> list[str]:
    """The apps admins configure: ours, and every installed protocol package."""
    return [
        config.label
        for config in apps.get_app_configs()
        if config.label in _ADMIN_APPS or config.name.startswith(_PACKAGE_APPS_PREFIX)
    ]


def _role_permissions() -> dict[str, list[Permission]]:
    faults_perms = Permission.objects.filter(content_type__app_label="faults")
    partner_perms = Permission.objects.filter(content_type__app_label="integrations")
    appointment_views = Permission.objects.filter(
        content_type__app_label="appointments", codename__startswith="view_"
    )
    viewable = _FAULT_WORK_MODELS + _FAULT_CONTEXT_MODELS
    agent = [
        *faults_perms.filter(
            codename__in=_codenames(("view", "add", "change"), _FAULT_WORK_MODELS)
            | _codenames(("view",), _FAULT_CONTEXT_MODELS)
            | {"act_on_fault"}
        ),
        *partner_perms.filter(codename__in=_codenames(("view",), _PARTNER_MODELS)),
        *appointment_views,
    ]
    manager = [
        *faults_perms.filter(codename__in=_codenames(("view",), viewable)),
        *partner_perms.filter(codename__in=_codenames(("view",), _PARTNER_MODELS)),
        *appointment_views,
    ]
    admin = list(Permission.objects.filter(content_type__app_label__in=_admin_app_labels()))
    return {AGENT: agent, MANAGER: manager, ADMIN: admin}


def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups and grant their permissions. Safe to run any number of times.

    Permissions are only added, never removed, so what an admin granted in the admin stays.
    """
    for label in _admin_app_labels():
        # Normally made by post_migrate; made here too so this works right after a flush.
        create_permissions(apps.get_app_config(label), verbosity=0)
    groups = {}
    for name, permissions in _role_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)
        groups[name] = group
    return groups
