"""The tenant (Agency) and who holds which role in it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from permissions.roles import Perm, Role

agency_slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1-50 lowercase letters, digits and inner hyphens."),
)


class Agency(models.Model):
    """A government agency: the tenant every participation row belongs to."""

    slug = models.SlugField(max_length=50, unique=True, validators=[agency_slug_validator])
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    # Null only inside the provisioning transaction (the site's root page needs the agency).
    site = models.OneToOneField(
        "wagtailcore.Site", on_delete=models.PROTECT, related_name="agency", null=True
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection", on_delete=models.PROTECT, related_name="agency"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    require_trusted_documents = models.BooleanField(
        _("require trusted documents"),
        default=False,
        help_text=_(
            "Requests scoped to this agency may only run GraphQL documents registered with "
            "`manage.py register_documents` (no ad-hoc queries, no APQ registration)."
        ),
    )

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = _("agencies")
        permissions = [(p.value, p.label) for p in Perm]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Thai unless English is asked for)."""
        return self.name_en if (get_language() or "").startswith("en") else self.name_th


class Membership(models.Model):
    """One role of one user in one agency."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "user", "role"], name="membership_unique_role"
            )
        ]
        indexes = [models.Index(fields=["user", "agency"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.agency.slug}"


class AgencyRoleGroup(models.Model):
    """The Django group that gives holders of a role in an agency their Wagtail admin rights.

    Granting a role puts the user in this group; revoking the last such role takes them out.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency_role")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "role"], name="agency_role_group_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency.slug} {self.role}: {self.group.name}"
