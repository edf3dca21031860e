"""`is_type_of` answered by the value's class, for the checks strawberry generates.

The checks strawberry and strawberry-django generate read only a `strawberry.cast` mark and the
value's class, so for an unmarked value the answer is the same for every instance of a class
and `type_check` remembers the classes it accepted. Marked values and hand-written checks
always go through the type's own check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from graphql import GraphQLObjectType
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from perf.switches import active

# The generated checks, by qualified name: strawberry-django's (a classmethod of the type) and
# strawberry's own for a type with interfaces (a closure of the schema converter).
CLASS_ONLY_CHECKS = frozenset(
    {
        "_process_type.<locals>.is_type_of",
        "GraphQLCoreConverter.from_object.<locals>._get_is_type_of.<locals>.is_type_of",
    }
)

TypeCheck = Callable[[Any], bool]
_checks: WeakKeyDictionary[GraphQLObjectType, TypeCheck | None] = WeakKeyDictionary()


def depends_on_class_only(is_type_of: Callable[..., Any]) -> bool:
    function = getattr(is_type_of, "__func__", is_type_of)
    return getattr(function, "__qualname__", None) in CLASS_ONLY_CHECKS


def _remembering(is_type_of: Callable[[Any, Any], Any]) -> TypeCheck:
    accepted: set[type] = set()

    def check(value: Any) -> bool:
        marked = TYPE_CAST_ATTRIBUTE in getattr(value, "__dict__", (TYPE_CAST_ATTRIBUTE,))
        cls = type(value)
        if not marked and cls in accepted:
            return True
        ok = is_type_of(value, None) is True
        if ok and not marked:
            accepted.add(cls)
        return ok

    return check


def _plain(is_type_of: Callable[[Any, Any], Any]) -> TypeCheck:
    return lambda value: is_type_of(value, None) is True


def type_check(object_type: GraphQLObjectType) -> TypeCheck | None:
    """Whether a value may be completed as `object_type` (None: the type has no check)."""
    if not active("type_checks"):
        return None if object_type.is_type_of is None else _plain(object_type.is_type_of)
    try:
        return _checks[object_type]
    except KeyError:
        pass
    is_type_of = object_type.is_type_of
    if is_type_of is None:
        check = None
    elif depends_on_class_only(is_type_of):
        check = _remembering(is_type_of)
    else:
        check = _plain(is_type_of)
    _checks[object_type] = check
    return check
