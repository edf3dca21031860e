"""Registration, sign-in/out with session cookies, personal API tokens, role management."""

from __future__ import annotations

from datetime import datetime

import strawberry
from django.contrib.auth import login, logout

from accounts import services as accounts
from accounts import tokens
from accounts.models import User
from cms.models import ConsultationPage
from graph.accounts.types import ApiTokenType, Viewer
from graph.context import Info
from graph.mutations import MutationError, attempt, decode_id
from graph.participation.mutations import argument_names
from participation import services as participation
from participation.refusals import Code, Refused
from permissions.models import Agency
from permissions.roles import Role as RoleChoice

Role = strawberry.enum(RoleChoice, name="Role")


@strawberry.type
class ViewerPayload:
    viewer: Viewer | None
    errors: list[MutationError]


@strawberry.type
class SignOutPayload:
    ok: bool


@strawberry.type
class ApiTokenPayload:
    token: ApiTokenType | None
    secret: str | None = strawberry.field(
        description="The token itself: shown this once only; send it as `Authorization: Bearer`."
    )
    errors: list[MutationError]


@strawberry.type
class RolePayload:
    ok: bool = strawberry.field(description="Whether anything changed.")
    errors: list[MutationError]


def _sign_in(info: Info, user: User) -> User:
    login(info.context.request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


# The services name the field at fault after their parameters; payloads name the argument.
ROLE_ARGUMENTS = {"user": "email", "consultation": "consultationId"}


def _role_target(agency_slug: str, email: str, consultation_id: strawberry.ID | None):
    agency = Agency.objects.filter(slug=agency_slug).first()
    if agency is None:
        raise Refused(Code.NOT_FOUND, "No such agency.", "agency")
    user = User.objects.filter(email__iexact=accounts.normalize_email(email)).first()
    if user is None:
        raise Refused(Code.INVALID_INPUT, "No user with this e-mail address.", "email")
    consultation = None
    if consultation_id is not None:
        _, pk = decode_id(consultation_id, {"Consultation"}, "consultationId")
        consultation = ConsultationPage.objects.filter(pk=pk).first()
        if consultation is None:
            raise Refused(Code.NOT_FOUND, field="consultationId")
    return agency, user, consultation


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Create an account and sign in (session cookie).")
    def register(self, info: Info, email: str, password: str, display_name: str) -> ViewerPayload:
        user, errors = attempt(
            lambda: _sign_in(info, accounts.register(email, password, display_name))
        )
        return ViewerPayload(viewer=Viewer(_user=user) if user else None, errors=errors)

    @strawberry.mutation(
        description="Sign in with e-mail and password; wrong credentials get one generic error."
    )
    def sign_in(self, info: Info, email: str, password: str) -> ViewerPayload:
        request = info.context.request
        user, errors = attempt(
            lambda: _sign_in(info, accounts.authenticate(email, password, request))
        )
        return ViewerPayload(viewer=Viewer(_user=user) if user else None, errors=errors)

    @strawberry.mutation
    def sign_out(self, info: Info) -> SignOutPayload:
        was_signed_in = info.context.request.user.is_authenticated
        logout(info.context.request)
        return SignOutPayload(ok=was_signed_in)

    @strawberry.mutation(description="Create a personal API token for server-side frontends.")
    def create_api_token(
        self, info: Info, name: str = "", expires_at: datetime | None = None
    ) -> ApiTokenPayload:
        def action():
            user = info.context.request.user
            if not user.is_authenticated:
                raise Refused(Code.NOT_SIGNED_IN)
            return tokens.create_token(user, name, expires_at)

        created, errors = attempt(action)
        token, secret = created if created else (None, None)
        return ApiTokenPayload(token=token, secret=secret, errors=errors)

    @strawberry.mutation(description="Revoke one of your API tokens.")
    def revoke_api_token(self, info: Info, id: strawberry.ID) -> ApiTokenPayload:
        def action():
            user = info.context.request.user
            if not user.is_authenticated:
                raise Refused(Code.NOT_SIGNED_IN)
            return tokens.revoke_token(user, id)

        token, errors = attempt(action)
        return ApiTokenPayload(token=token, secret=None, errors=errors)

    @strawberry.mutation(
        description="Give a user a role in your agency (agency admins), or only on one "
        "consultation (moderator, responder, analyst)."
    )
    def grant_role(
        self,
        info: Info,
        agency: str,
        email: str,
        role: Role,
        consultation_id: strawberry.ID | None = None,
    ) -> RolePayload:
        def action() -> bool:
            target_agency, user, consultation = _role_target(agency, email, consultation_id)
            participation.grant_role(
                info.context.request.user,
                target_agency,
                user,
                role.value,
                consultation=consultation,
            )
            return True

        done, errors = attempt(argument_names(action, ROLE_ARGUMENTS))
        return RolePayload(ok=bool(done), errors=errors)

    @strawberry.mutation(description="Take a role away (agency admins of that agency).")
    def revoke_role(
        self,
        info: Info,
        agency: str,
        email: str,
        role: Role,
        consultation_id: strawberry.ID | None = None,
    ) -> RolePayload:
        def action() -> bool:
            target_agency, user, consultation = _role_target(agency, email, consultation_id)
            return participation.revoke_role(
                info.context.request.user,
                target_agency,
                user,
                role.value,
                consultation=consultation,
            )

        done, errors = attempt(argument_names(action, ROLE_ARGUMENTS))
        return RolePayload(ok=bool(done), errors=errors)


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in user; null when anonymous.")
    def viewer(self, info: Info) -> Viewer | None:
        user = info.context.request.user
        return Viewer(_user=user) if user.is_authenticated and user.is_active else None
