"""Registration and sign-in: the only code that creates accounts or checks passwords.

Errors are `AccountError(code, message, field)`, shaped like `participation.refusals.Refused` so
the GraphQL layer can report both alike. Wrong credentials always give one generic error, whether
the address is unknown, the password wrong or the account inactive (no user enumeration).
"""

from __future__ import annotations

import hashlib
import unicodedata

from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import User

INVALID_INPUT = "INVALID_INPUT"
INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
NOT_FOUND = "NOT_FOUND"
DISPLAY_NAME_MAX = 100
GENERIC_CREDENTIALS_MESSAGE = "The e-mail address or the password is not correct."


class AccountError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        self.code = code
        self.message = message
        self.field = field
        super().__init__(message)


def normalize_email(email: object) -> str:
    """Trimmed and lower-cased as a whole: addresses are unique regardless of case."""
    if not isinstance(email, str):
        return ""
    return unicodedata.normalize("NFC", email).strip().lower()


def _username_for(email: str) -> str:
    """Internal login name (never shown): the address itself, or a digest if too long."""
    if len(email) <= 150:
        return email
    return "u-" + hashlib.sha256(email.encode()).hexdigest()[:40]


@transaction.atomic
def register(email: str, password: str, display_name: str) -> User:
    """Create a participant account; raises AccountError(INVALID_INPUT, field=...)."""
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(INVALID_INPUT, "Enter a valid e-mail address.", "email") from None
    display_name = " ".join(str(display_name or "").split())
    if not display_name:
        raise AccountError(INVALID_INPUT, "Choose a display name.", "displayName")
    if len(display_name) > DISPLAY_NAME_MAX:
        raise AccountError(
            INVALID_INPUT,
            f"Use at most {DISPLAY_NAME_MAX} characters.",
            "displayName",
        )
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(INVALID_INPUT, "This e-mail address is already registered.", "email")
    user = User(username=_username_for(email), email=email, display_name=display_name)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(INVALID_INPUT, " ".join(exc.messages), "password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent registration won the unique index
        raise AccountError(
            INVALID_INPUT, "This e-mail address is already registered.", "email"
        ) from None
    return user


def authenticate(email: str, password: str, request: HttpRequest | None = None) -> User:
    """The active user with these credentials, or AccountError(INVALID_CREDENTIALS)."""
    email = normalize_email(email)
    candidate = User.objects.filter(email__iexact=email).first() if email else None
    if candidate is None or not isinstance(password, str):
        # Hash anyway so that an unknown address takes as long as a wrong password.
        User().set_password(password if isinstance(password, str) else "")
        raise AccountError(INVALID_CREDENTIALS, GENERIC_CREDENTIALS_MESSAGE)
    user = django_authenticate(request, username=candidate.username, password=password)
    if user is None or not user.is_active:
        raise AccountError(INVALID_CREDENTIALS, GENERIC_CREDENTIALS_MESSAGE)
    return user
