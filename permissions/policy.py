"""Who may do what: the one place that answers permission questions.

Rights come from the viewer's roles in the row's agency (never from the agency a request claims to
act for), or from a role granted on a single consultation as a guardian object permission.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Model, Q

from permissions.models import Membership
from permissions.roles import perms_for_roles

_CACHE_ATTR = "_ruamkhid_roles_by_agency"
_MEMBERSHIP = 0  # the content type column of a membership row in `_access_rows`


class Access:
    """A user's roles per agency and guardian object permissions, loaded in one statement.

    Object permissions are (content type id, codename) → the granted objects' primary keys
    as guardian stores them (text). Loading them up front turns "rows the user moderates" into
    a literal list, usually empty for a citizen, instead of two guardian subqueries compiled
    into every statement a signed-in viewer reads (bench/PROFILE.md, session 6)."""

    __slots__ = ("grants", "roles")

    def __init__(
        self, roles: dict[int, frozenset[str]], grants: dict[tuple[int, str], frozenset[str]]
    ) -> None:
        self.roles = roles
        self.grants = grants


_NOBODY = Access({}, {})


def is_signed_in(user: object) -> bool:
    """An authenticated, active account (anonymous and deactivated users hold no rights)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


@functools.cache
def _access_sql(vendor: str) -> str:
    """Memberships, direct and group object permissions of one user: (content type id or
    _MEMBERSHIP, agency id or object pk, role or codename). Written out, not built by the ORM:
    it runs once per signed-in request and compiling a three-part union cost more than
    running it. Built once per database vendor (its quoting)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from guardian.models import GroupObjectPermission, UserObjectPermission

    q = connection.ops.quote_name
    user_groups = get_user_model().groups.through._meta
    group_column = user_groups.get_field("group").column
    user_column = user_groups.get_field(get_user_model()._meta.model_name).column
    perms = q(Permission._meta.db_table)
    per_object = []
    for model, joined in (
        (UserObjectPermission, ""),
        (
            GroupObjectPermission,
            f" JOIN {q(user_groups.db_table)} ug ON ug.{q(group_column)} = o.{q('group_id')}",
        ),
    ):
        owner = f"o.{q('user_id')}" if not joined else f"ug.{q(user_column)}"
        per_object.append(
            f"SELECT o.{q('content_type_id')}, o.{q('object_pk')}, p.{q('codename')} "
            f"FROM {q(model._meta.db_table)} o JOIN {perms} p ON p.{q('id')} = "
            f"o.{q('permission_id')}{joined} WHERE {owner} = %s"
        )
    memberships = (
        f"SELECT {_MEMBERSHIP}, CAST(m.{q('agency_id')} AS TEXT), m.{q('role')} "
        f"FROM {q(Membership._meta.db_table)} m WHERE m.{q('user_id')} = %s"
    )
    return " UNION ALL ".join([memberships, *per_object])


def _access_rows(user: object) -> list[tuple[int, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(connection.vendor), [user.pk] * 3)
        return cursor.fetchall()


def access(user: object) -> Access:
    """The user's roles and object permissions, loaded once per user object (one query).

    Inactive users hold nothing (as guardian's own checker has it)."""
    if not is_signed_in(user):
        return _NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        roles: dict[int, set[str]] = {}
        grants: dict[tuple[int, str], set[str]] = {}
        for content_type_id, ref, name in _access_rows(user):
            if content_type_id == _MEMBERSHIP:
                roles.setdefault(int(ref), set()).add(name)
            else:
                grants.setdefault((content_type_id, name), set()).add(ref)
        cached = Access(
            {agency_id: frozenset(r) for agency_id, r in roles.items()},
            {key: frozenset(pks) for key, pks in grants.items()},
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def roles_by_agency(user: object) -> dict[int, frozenset[str]]:
    """All the user's roles, per agency id (see `access`)."""
    return access(user).roles


def forget_roles(user: object) -> None:
    """Drop the user object's loaded roles and object permissions after a change to them."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


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


def _granted(user: object, perm: str, model: type[Model]) -> frozenset[str]:
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(model)
    return access(user).grants.get((content_type.pk, perm), frozenset())


def has_object_perm(user: object, perm: str, obj: Model, agency_id: int) -> bool:
    """Agency-wide role, or the same permission granted on this one object through guardian
    (directly or through a group)."""
    if has_agency_perm(user, perm, agency_id):
        return True
    return str(obj.pk) in _granted(user, perm, type(obj))


def has_object_grants(user: object, perm: str, model: type[Model]) -> bool:
    """Whether `user` holds `perm` through guardian on any `model` object at all."""
    return bool(_granted(user, perm, model))


def object_perm_q(user: object, perm: str, model: type[Model], field: str = "pk") -> Q:
    """A Q matching rows whose `field` is the id of a `model` object on which `user` holds `perm`
    through guardian (directly or through a group): the granted ids as a literal list."""
    to_python = model._meta.pk.to_python
    return Q(**{f"{field}__in": sorted(to_python(pk) for pk in _granted(user, perm, model))})
