"""Root fields of the content API."""

from __future__ import annotations

import strawberry
import strawberry_django
from strawberry_django.relay import DjangoListConnection

from graph.cms.types import AgencyType


@strawberry.type
class CmsQuery:
    agencies: DjangoListConnection[AgencyType] = strawberry_django.connection()
