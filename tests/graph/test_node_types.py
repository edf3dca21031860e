"""Every Node type names its id attribute, so resolving ids never re-scans annotations."""

from __future__ import annotations

from strawberry import relay

from graph.base import NODE_ID_ATTR
from graph.schema import schema


def node_types() -> list[type]:
    found = []
    for concrete in schema.schema_converter.type_map.values():
        origin = getattr(concrete.definition, "origin", None)
        if isinstance(origin, type) and issubclass(origin, relay.Node):
            found.append(origin)
    return found


def test_every_node_type_pins_its_id_attribute():
    types = node_types()
    names = {t.__name__ for t in types}
    assert {"AgencyType", "ConsultationType", "ProposalType", "CommentType"} <= names
    concrete = [t for t in types if t is not relay.Node]
    assert [t.__name__ for t in concrete if t._id_attr != NODE_ID_ATTR] == []
