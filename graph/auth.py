"""Who is asking: a Bearer API token, else the session cookie, else anonymous."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.tokens import token_from_header, user_for_token


class InvalidToken(Exception):
    """An Authorization header was sent, but its token is unknown, revoked or expired."""


def authenticate_bearer(request: HttpRequest) -> bool:
    """Replace request.user with the token's owner; returns whether a token was used.

    A bad token is an error, never a silent fall-back to the session or to anonymous.
    """
    header = request.headers.get("Authorization")
    if not header:
        return False
    raw = token_from_header(header)
    user = user_for_token(raw) if raw else None
    if user is None:
        raise InvalidToken
    request.user = user
    request._dont_enforce_csrf_checks = True  # nothing to forge: the token is not a cookie
    return True
