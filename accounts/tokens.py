"""Personal API tokens for `Authorization: Bearer <token>`.

Only a SHA-256 digest of each token is stored (the secret is 32 random bytes, so a plain hash is
enough: nothing to brute-force); the plain token is returned once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import INVALID_INPUT, NOT_FOUND, AccountError

TOKEN_PREFIX = "rk_"
NAME_MAX = 100
# last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(
    user: User, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for its owner: (the stored row, the plain token to show exactly once)."""
    if not getattr(user, "is_authenticated", False):
        raise AccountError(NOT_FOUND, "Sign in to create a token.")
    name = " ".join(str(name or "").split())
    if len(name) > NAME_MAX:
        raise AccountError(INVALID_INPUT, f"Use at most {NAME_MAX} characters.", "name")
    if expires_at is not None and timezone.is_naive(expires_at):
        # A client may send an ISO time without an offset: read it in the default time zone
        # (comparing it with an aware now() raised TypeError, a 500).
        expires_at = timezone.make_aware(expires_at)
    if expires_at is not None and expires_at <= timezone.now():
        raise AccountError(INVALID_INPUT, "The expiry must be in the future.", "expiresAt")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw), expires_at=expires_at
    )
    return token, raw


@transaction.atomic
def revoke_token(user: User, token_id: int | str) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is NOT_FOUND."""
    try:
        token = ApiToken.objects.select_for_update().get(pk=token_id, user_id=user.pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise AccountError(NOT_FOUND, "No such token.") from None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_tokens(user: User):
    """The user's tokens, newest first (digests only, never the plain tokens)."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def user_for_token(raw: str | None) -> User | None:
    """The active owner of a valid (known, unrevoked, unexpired) token, else None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_from_header(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
