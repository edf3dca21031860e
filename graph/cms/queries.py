"""Root fields of the content API."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry_django.relay import DjangoListConnection
from wagtail.models import Page as WagtailPage

from cms.models import AgencyHomePage, ConsultationPage
from cms.preview import read_preview
from graph.cms.types import (
    PAGE_TYPES,
    AgencyType,
    ConsultationStatus,
    ConsultationType,
    PageInterface,
    consultation_list,
)
from graph.context import Info
from graph.errors import ExpectedError, InvalidInput, UnknownAgency
from permissions.models import Agency

MAX_PATH_LENGTH = 1000


def agency_slug(slug: str) -> str:
    """A client's agency slug, cleaned; UNKNOWN_AGENCY when it cannot name one."""
    if not slug or len(slug) > 50:
        raise UnknownAgency(f"No agency with slug {slug[:50]!r}.")
    return slug.strip()


def agency_by_slug(slug: str) -> Agency:
    """The agency named by a client, or a typed UNKNOWN_AGENCY error."""
    agency = Agency.objects.filter(slug=agency_slug(slug)).first()
    if agency is None:
        raise UnknownAgency(f"No agency with slug {slug[:50]!r}.")
    return agency


def normalise_path(path: str) -> str:
    """'consultations/water' -> '/consultations/water/'; refuses what no page path can be."""
    if len(path) > MAX_PATH_LENGTH or "//" in path.strip("/") or "\x00" in path:
        raise InvalidInput("Not a page path; expected something like '/consultations/water/'.")
    inner = path.strip().strip("/")
    return f"/{inner}/" if inner else "/"


def specific_visible_page(info: Info, page: WagtailPage | None) -> object | None:
    """The page as its GraphQL type's model, after that type's visibility rule; else None."""
    if page is None:
        return None
    model = page.specific_class
    gql_type = PAGE_TYPES.get(model)
    if gql_type is None:
        return None
    return gql_type.visible(model.objects.filter(pk=page.pk), info).first()


@strawberry.type
class CmsQuery:
    @strawberry_django.connection(DjangoListConnection[AgencyType])
    def agencies(self, info: Info) -> QuerySet[Agency]:
        """All agencies; only the scoped one when the request has an agency scope."""
        queryset = Agency.objects.exclude(site=None).order_by("slug")
        scope = info.context.scope
        return queryset.filter(pk=scope.pk) if scope else queryset

    @strawberry_django.field
    def agency(self, slug: str) -> AgencyType | None:
        return Agency.objects.exclude(site=None).filter(slug=slug).first()

    @strawberry_django.connection(DjangoListConnection[ConsultationType])
    def consultations(
        self,
        info: Info,
        agency: str | None = None,
        status: ConsultationStatus | None = None,
    ) -> QuerySet[ConsultationPage]:
        """Public consultations; `agency` (or the request's scope) narrows to one agency."""
        target = agency_by_slug(agency) if agency is not None else info.context.scope
        if agency is not None and info.context.scope and info.context.scope.pk != target.pk:
            return ConsultationPage.objects.none()
        return consultation_list(info, agency=target, status=status)

    @strawberry_django.field
    def consultation(self, info: Info, agency: str, slug: str) -> ConsultationType | None:
        """One public consultation by its agency and slug; null if none is visible."""
        # One statement on the hot path: the agency is joined, and only looked up on its own
        # when nothing was found, to tell an unknown agency (an error) from an unknown slug.
        queryset = ConsultationPage.objects.filter(
            agency__slug=agency_slug(agency), slug=slug[:255]
        )
        found = ConsultationType.visible(queryset, info).order_by("path").first()
        if found is None:
            agency_by_slug(agency)
        return found

    @strawberry_django.field(
        description="Any live page of an agency's site, by its path below the site root, "
        "e.g. '/consultations/water/'."
    )
    def page(self, info: Info, agency: str, path: str) -> PageInterface | None:
        owner = agency_by_slug(agency)
        home = AgencyHomePage.objects.filter(agency=owner).only("url_path").first()
        if home is None:
            return None
        url_path = home.url_path + normalise_path(path).lstrip("/")
        return specific_visible_page(info, WagtailPage.objects.filter(url_path=url_path).first())

    @strawberry.field(description="A draft as an editor previewed it in Wagtail, by preview token.")
    def page_preview(self, token: str) -> PageInterface | None:
        page = read_preview(token)
        if page is None:
            raise ExpectedError(
                "This preview link is invalid or has expired; preview the page again in Wagtail.",
                code="PREVIEW_TOKEN_INVALID",
            )
        if page.pk is None:
            page.pk = page.id = 0
        return page
