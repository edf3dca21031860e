"""What the public may read of the page tree: live pages with no view restriction above them."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from wagtail.models import PageQuerySet, PageViewRestriction


def restricted_at_or_above():
    """An EXISTS subquery: a view restriction on the outer page or one of its ancestors."""
    # An ancestor's path is a prefix of the page's path (Wagtail's materialised path tree).
    return PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )


def public_pages(queryset: PageQuerySet) -> PageQuerySet:
    """Live and not restricted (private, password or group) by itself or an ancestor.

    One SQL condition, no query of its own, so it can run in every list, count and prefetch.
    Drafts reach editors only through a preview token (`cms.preview`), never through lists.
    """
    return queryset.filter(live=True).exclude(Exists(restricted_at_or_above()))
