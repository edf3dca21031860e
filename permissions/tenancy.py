"""Which agency a request is scoped to: `X-Agency: <slug>`, else the Wagtail Site of its host."""

from __future__ import annotations

from django.http import HttpRequest
from wagtail.models import Site

from permissions.models import Agency


class UnknownAgencyScope(Exception):
    def __init__(self, slug: str) -> None:
        super().__init__(f"Unknown agency {slug!r} in the X-Agency header.")
        self.slug = slug


def agency_scope(request: HttpRequest) -> Agency | None:
    """The agency a request narrows lists to; None for an unscoped request.

    An X-Agency header naming no agency is an error, never a silent fallback to all agencies.
    """
    slug = request.headers.get("X-Agency")
    if slug is not None:
        slug = slug.strip()
        agency = Agency.objects.filter(slug=slug).first() if slug else None
        if agency is None:
            raise UnknownAgencyScope(slug)
        return agency
    site = Site.find_for_request(request)
    if site is None:
        return None
    return Agency.objects.filter(site_id=site.pk).first()
