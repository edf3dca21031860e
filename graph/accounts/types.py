"""People in the API: the public `Participant` face and the signed-in `Viewer`."""

from __future__ import annotations

from datetime import datetime

import strawberry
import strawberry_django
from django.middleware.csrf import get_token

from accounts.models import PUBLIC_NAME_FIELDS, ApiToken, User
from graph.context import Info
from permissions.models import Agency
from permissions.policy import roles_by_agency

# Never the username: registration makes it the e-mail address (accounts.services).


@strawberry_django.type(User, name="Participant")
class ParticipantType:
    """Public face of a user: never an e-mail address or any other personal data."""

    @strawberry_django.field(only=PUBLIC_NAME_FIELDS)
    def display_name(self, root: User) -> str:
        return root.public_name()


@strawberry.type(description="A role the viewer holds in an agency.")
class AgencyRole:
    agency_slug: str
    role: str


@strawberry_django.type(ApiToken, name="ApiToken")
class ApiTokenType:
    """A personal API token; the secret itself is only ever shown once, at creation."""

    id: strawberry.ID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


@strawberry.type(description="The signed-in user.")
class Viewer:
    _user: strawberry.Private[User]

    @strawberry.field
    def display_name(self) -> str:
        return self._user.public_name()

    @strawberry.field(description="Your own e-mail address (only ever shown to you).")
    def email(self) -> str:
        return self._user.email

    @strawberry.field
    def is_superuser(self) -> bool:
        return self._user.is_superuser

    @strawberry.field(description="Your roles, per agency.")
    def roles(self) -> list[AgencyRole]:
        by_agency = roles_by_agency(self._user)
        slugs = dict(Agency.objects.filter(pk__in=by_agency).values_list("pk", "slug"))
        return [
            AgencyRole(agency_slug=slugs[agency_id], role=role)
            for agency_id, roles in sorted(by_agency.items(), key=lambda item: slugs[item[0]])
            for role in sorted(roles)
        ]

    @strawberry.field(
        description="The CSRF token to send as X-CSRFToken with cookie-session requests. A SPA "
        "on another origin cannot read the API's csrftoken cookie, so it reads it here (CORS "
        "lets only allowed origins read credentialed answers)."
    )
    def csrf_token(self, info: Info) -> str:
        return get_token(info.context.request)

    @strawberry.field(description="Your personal API tokens (newest first).")
    def api_tokens(self, info: Info) -> list[ApiTokenType]:
        return list(ApiToken.objects.filter(user=self._user).order_by("-created_at", "-id"))
