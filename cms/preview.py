"""Wagtail preview for a headless frontend: preview mints a short-lived token for the draft.

Wagtail calls `serve_preview` with the unsaved page built from the editor's form. We store that
state under the SHA-256 of a random token and hand the token to the frontend, which reads the
draft through GraphQL (`pagePreview(token:)`). Only users allowed to preview the agency's drafts
can mint a token, and the token stops working when it expires or its creator loses the right.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.utils.html import format_html

from permissions.policy import has_agency_perm
from permissions.roles import Perm


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PreviewToken(models.Model):
    """A draft's state as the editor previewed it, readable with the token until it expires."""

    token_hash = models.CharField(max_length=64, unique=True)
    agency = models.ForeignKey("permissions.Agency", on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    content = models.JSONField(encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"preview of page {self.page_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    def as_page(self):
        """The previewed page object, as the editor's form had it (not saved anywhere)."""
        model = self.content_type.model_class()
        return model.from_serializable_data(self.content, check_fks=False, strict_fks=False)


class PreviewNotAllowed(Exception):
    pass


def mint_preview_token(page, user) -> str:
    """Store the page's current (unsaved) state and return the token that reads it."""
    if not page.agency_id or not has_agency_perm(user, Perm.PREVIEW_DRAFTS, page.agency_id):
        raise PreviewNotAllowed
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    PreviewToken.objects.filter(expires_at__lt=now).delete()
    PreviewToken.objects.create(
        token_hash=_digest(token),
        agency_id=page.agency_id,
        page_id=page.pk,
        content_type_id=page.content_type_id or page.cached_content_type.pk,
        content=page.serializable_data(),
        created_by=user,
        expires_at=now + timedelta(seconds=settings.PREVIEW_TOKEN_TTL_SECONDS),
    )
    return token


def read_preview(token: str):
    """The previewed page for a valid token, else None (unknown, expired or revoked right)."""
    if not token or len(token) > 200:
        return None
    record = (
        PreviewToken.objects.select_related("created_by", "content_type")
        .filter(token_hash=_digest(token), expires_at__gt=timezone.now())
        .first()
    )
    if record is None or not record.created_by.is_active:
        return None
    if not has_agency_perm(record.created_by, Perm.PREVIEW_DRAFTS, record.agency_id):
        return None
    page = record.as_page()
    page.agency_id = record.agency_id
    return page


class HeadlessPreviewMixin:
    """Makes Wagtail's preview button hand the draft to the headless frontend."""

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        if not getattr(self, "agency_id", None) and hasattr(self, "derive_agency"):
            self.derive_agency()
        if not getattr(self, "agency_id", None) and hasattr(self, "agency"):
            self.agency_id = self.agency.pk
        try:
            token = mint_preview_token(self, request.user)
        except PreviewNotAllowed:
            return HttpResponseForbidden("You may not preview this agency's drafts.")
        frontend = settings.PREVIEW_FRONTEND_URL
        if frontend:
            url = frontend.replace("{token}", token)
            return HttpResponse(
                format_html(
                    '<!doctype html><meta charset="utf-8"><title>Preview</title>'
                    '<iframe src="{}" style="border:0;width:100%;height:100vh"></iframe>',
                    url,
                )
            )
        return HttpResponse(
            format_html(
                '<!doctype html><meta charset="utf-8"><title>Preview</title>'
                "<p>No preview frontend is configured (PREVIEW_FRONTEND_URL). Read this draft "
                'through GraphQL with <code>pagePreview(token: "<span id="preview-token">{}'
                '</span>")</code>.</p>',
                token,
            )
        )
