"""What the public may read of the page tree: live pages with no view restriction above them."""

from __future__ import annotations

from wagtail.models import PageQuerySet


def public_pages(queryset: PageQuerySet) -> PageQuerySet:
    """Live and not restricted (private, password or group) by itself or an ancestor.

    Drafts reach editors only through a preview token (`cms.preview`), never through lists.
    """
    return queryset.live().public()
