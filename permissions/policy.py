"""Who may do what: the one place that answers permission questions.

Rights come from the viewer's roles in the row's agency (never from the agency a request claims to
act for), or from a role granted on a single consultation as a guardian object permission.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import BigIntegerField, Model, Q
from django.db.models.functions import Cast

from permissions.models import Membership
from permissions.roles import perms_for_roles

_CACHE_ATTR = "_ruamkhid_roles_by_agency"
_OBJ_CACHE_ATTR = "_ruamkhid_object_perms"


def roles_by_agency(user: object) -> dict[int, frozenset[str]]:
    """All the user's roles, per agency id, loaded once per user object (one query)."""
    if (
        user is None
        or isinstance(user, AnonymousUser)
        or not getattr(user, "is_authenticated", False)
    ):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        found: dict[int, set[str]] = {}
        for agency_id, role in Membership.objects.filter(user=user).values_list(
            "agency_id", "role"
        ):
            found.setdefault(agency_id, set()).add(role)
        cached = {agency_id: frozenset(roles) for agency_id, roles in found.items()}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: object) -> None:
    """Drop the per-object role and object-permission caches after a membership change."""
    for attr in (_CACHE_ATTR, _OBJ_CACHE_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def roles_in(user: object, agency_id: int) -> frozenset[str]:
    return roles_by_agency(user).get(agency_id, frozenset())


def has_agency_perm(user: object, perm: str, agency_id: int) -> bool:
    """Whether `user` holds `perm` in the agency through one of their roles there."""
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return True
    return perm in perms_for_roles(roles_in(user, agency_id))


def agencies_with_perm(user: object, perm: str) -> set[int]:
    """Ids of the agencies where `user` holds `perm` (superusers: see `is_superuser`)."""
    return {
        agency_id
        for agency_id, roles in roles_by_agency(user).items()
        if perm in perms_for_roles(roles)
    }


def has_object_perm(user: object, perm: str, obj: Model, agency_id: int) -> bool:
    """Agency-wide role, or the same permission granted on this one object through guardian.

    The guardian permissions of each object are loaded once per user object (like the roles).
    """
    if has_agency_perm(user, perm, agency_id):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    cache = getattr(user, _OBJ_CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _OBJ_CACHE_ATTR, cache)
    key = (obj._meta.label, obj.pk)
    if key not in cache:
        from guardian.shortcuts import get_perms

        cache[key] = frozenset(get_perms(user, obj))
    return perm in cache[key]


def object_perm_q(user: object, perm: str, model: type[Model], field: str = "pk") -> Q:
    """A Q matching rows whose `field` is the id of a `model` object on which `user` holds `perm`
    through guardian (directly or through a group): lazy subqueries, so it stays one SQL filter.
    """
    if not getattr(user, "is_authenticated", False):
        return Q(**{f"{field}__in": []})
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    content_type = ContentType.objects.get_for_model(model)
    cast = Cast("object_pk", BigIntegerField())
    direct = (
        UserObjectPermission.objects.filter(
            user=user, permission__codename=perm, content_type=content_type
        )
        .annotate(obj_id=cast)
        .values("obj_id")
    )
    via_group = (
        GroupObjectPermission.objects.filter(
            group__user=user, permission__codename=perm, content_type=content_type
        )
        .annotate(obj_id=cast)
        .values("obj_id")
    )
    return Q(**{f"{field}__in": direct}) | Q(**{f"{field}__in": via_group})
