"""GraphQL types of agencies and pages."""

from __future__ import annotations

import strawberry
import strawberry_django
from strawberry import relay

from permissions.models import Agency


@strawberry_django.type(Agency, name="Agency")
class AgencyType(relay.Node):
    """A government agency (tenant). Public."""

    slug: str
    name_th: str
    name_en: str

    @strawberry_django.field(only=["name_th", "name_en"])
    def name(self, root: Agency) -> str:
        """The name in the request's language (Accept-Language; Thai by default)."""
        return root.name


__all__ = ["AgencyType", "strawberry"]
