"""Trusted GraphQL documents: registered from a frontend's sources, or by APQ on the fly."""

from __future__ import annotations

from django.db import models


class TrustedDocument(models.Model):
    class Source(models.TextChoices):
        # Registered by an operator (`manage.py register_documents`): trusted.
        REGISTERED = "registered", "registered"
        # Stored by Apollo's automatic persisted queries: any client can add one, so never
        # enough where trusted documents are required.
        APQ = "apq", "automatic persisted query"

    sha256 = models.CharField(max_length=64, unique=True)
    document = models.TextField()
    name = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "sha256"]

    def __str__(self) -> str:
        return f"{self.name or '(anonymous)'} {self.sha256[:12]}"

    @property
    def trusted(self) -> bool:
        return self.source == self.Source.REGISTERED


def _agency_changed(sender, **kwargs) -> None:
    from django.core.cache import cache

    from graph.trusted_documents import POLICY_KEY

    cache.delete(POLICY_KEY)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from permissions.models import Agency

    post_save.connect(_agency_changed, sender=Agency, dispatch_uid="trusted-documents-policy")
    post_delete.connect(_agency_changed, sender=Agency, dispatch_uid="trusted-documents-policy")


connect_signals()
