"""Users are global: a citizen registers once and takes part in every agency."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. Only `display_name` is ever public; the e-mail address never is."""

    display_name = models.CharField(
        _("display name"), max_length=100, blank=True, help_text=_("Shown publicly.")
    )

    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username
