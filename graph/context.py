"""Per-request GraphQL context: the request, the viewer and the agency scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from strawberry.types import Info as StrawberryInfo

from graph.errors import UnknownAgency
from permissions.models import Agency
from permissions.tenancy import UnknownAgencyScope, agency_scope


@dataclass
class Context:
    request: HttpRequest
    response: Any = None
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self):
        return self.request.user

    @cached_property
    def scope(self) -> Agency | None:
        """The agency the request is scoped to (X-Agency header, else the Site of the host).

        It only narrows lists; it never grants anything. Resolved on first use, so requests
        that list nothing pay nothing; an unknown X-Agency is a typed error.
        """
        try:
            return agency_scope(self.request)
        except UnknownAgencyScope as exc:
            raise UnknownAgency(str(exc)) from exc


Info = StrawberryInfo[Context, None]


def viewer(info: Info):
    return info.context.request.user
