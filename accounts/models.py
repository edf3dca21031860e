"""Users are global: a citizen registers once and takes part in every agency."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from perf.db.row_loading import BuiltFromColumns
from perf.db.statement_cache import CompiledOnce

# "Participant": the public name of someone with neither a display name nor a full name.
NAMELESS = "ผู้เข้าร่วม"

# The fields `public_name` reads (for `.only()`); the username is deliberately not among them.
PUBLIC_NAME_FIELDS = ["display_name", "first_name", "last_name"]


class User(AbstractUser, BuiltFromColumns):
    """A person. Only `display_name` is ever public; the e-mail address never is."""

    display_name = models.CharField(
        _("display name"), max_length=100, blank=True, help_text=_("Shown publicly.")
    )

    def public_name(self) -> str:
        """Never the username: registration derives it from the e-mail address."""
        return self.display_name or self.get_full_name() or NAMELESS


class ApiTokenQuerySet(CompiledOnce, models.QuerySet):
    """Every signed-in API request looks its token up: one compile per shape, not per token
    (perf.db.statement_cache)."""


class ApiToken(models.Model):
    """A personal API token for `Authorization: Bearer`; only its SHA-256 is stored.

    The plain token is shown once, when created (see `accounts.tokens`).
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="personal_tokens", db_index=False
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The first characters of the plain token, so owners can tell their tokens apart.
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="apitoken_by_user")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'token'})"
