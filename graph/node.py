"""`node(id:)`: any object by global id, through its type's visibility rule."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.relay import GlobalID, GlobalIDValueError

from graph.context import Info
from graph.errors import InvalidInput


def parse_global_id(value: str) -> GlobalID:
    try:
        global_id = GlobalID.from_id(value)
    except (GlobalIDValueError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{value[:100]!r} is not a valid id.", code="INVALID_ID") from exc
    return global_id


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id; null if it is not visible.")
    def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        global_id = parse_global_id(id)
        type_def = info.schema.get_type_by_name(global_id.type_name)
        origin = getattr(type_def, "origin", None)
        if origin is None or not isinstance(origin, type) or not issubclass(origin, relay.Node):
            return None
        if not global_id.node_id.isdigit() or len(global_id.node_id) > 18:
            return None
        return origin.resolve_node(global_id.node_id, info=info, required=False)
