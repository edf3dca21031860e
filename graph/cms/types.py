"""GraphQL types of agencies and their pages.

Every page type inherits `PublicPage`, whose visibility rule (live, not restricted) is applied in
`get_queryset`: root lists, `node(id:)`, `page(...)` and nested lists all pass through it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from django.db.models import QuerySet
from django.utils import timezone
from strawberry import relay
from strawberry_django.relay import DjangoListConnection
from wagtail.models import Page as WagtailPage

from cms.models import (
    AgencyHomePage,
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationPhase,
    InformationPage,
)
from cms.phases import ConsultationStatus as ConsultationStatusChoice
from cms.phases import PhaseKind as PhaseKindChoice
from cms.phases import status_at
from cms.visibility import public_pages
from graph.base import TenantScoped
from graph.cms.assets import assets_for
from graph.cms.blocks import Block, build_blocks
from graph.cms.media import Image
from graph.context import Info
from permissions.models import Agency

if TYPE_CHECKING:
    from graph.participation.types import (
        CommentType,
        ConsultationAbilities,
        ProposalType,
    )

PARTICIPATION = "graph.participation.types"

ConsultationStatus = strawberry.enum(
    ConsultationStatusChoice, name="ConsultationStatus", description="Derived from the phases."
)
PhaseKind = strawberry.enum(
    PhaseKindChoice, name="PhaseKind", description="Which citizen actions a phase opens."
)


def _field_cls(name: str) -> type:
    """Connection field classes of participation, imported late (they import this module)."""
    import importlib

    return getattr(importlib.import_module(PARTICIPATION), name)


def request_now(info: Info) -> datetime:
    """One clock per request, so status, currentPhase and isCurrent always agree."""
    return info.context.cache.setdefault("now", timezone.now())


def site_relative_path(url_path: str) -> str:
    """'/agency-a/consultations/water/' -> '/consultations/water/' (agency homes are depth 2)."""
    parts = url_path.strip("/").split("/")
    return "/" + "".join(f"{part}/" for part in parts[1:])


@strawberry_django.interface(WagtailPage, name="Page")
class PageInterface(relay.Node):
    """Fields every page has."""

    _id_attr = "pk"  # see graph.base.NODE_ID_ATTR

    title: str
    slug: str
    last_published_at: datetime | None

    @strawberry_django.field(only=["url_path"], description="Path below the agency site's root.")
    def url_path(self, root: WagtailPage) -> str:
        return site_relative_path(root.url_path)

    @strawberry_django.field(only=["seo_title"])
    def seo_title(self, root: WagtailPage) -> str | None:
        return root.seo_title or None

    @strawberry_django.field(only=["search_description"])
    def search_description(self, root: WagtailPage) -> str | None:
        return root.search_description or None


class PublicPage(TenantScoped):
    @classmethod
    def visible(cls, queryset: QuerySet, info: Info) -> QuerySet:
        return public_pages(queryset)


@strawberry_django.type(Agency, name="Agency")
class AgencyType(relay.Node):
    """A government agency (tenant). Public."""

    _id_attr = "pk"  # see graph.base.NODE_ID_ATTR

    slug: str
    name_th: str
    name_en: str

    @strawberry_django.field(only=["name_th", "name_en"])
    def name(self, root: Agency) -> str:
        """The name in the request's language (Accept-Language; Thai by default)."""
        return root.name

    @strawberry_django.connection(DjangoListConnection["ConsultationType"])
    def consultations(
        self, root: Agency, info: Info, status: ConsultationStatus | None = None
    ) -> QuerySet[ConsultationPage]:
        """The agency's public consultations, in the editors' tree order."""
        return consultation_list(info, agency=root, status=status)

    @strawberry_django.field(description="The agency's home page.")
    def home_page(self, root: Agency, info: Info) -> AgencyHomeType | None:
        return AgencyHomeType.visible(AgencyHomePage.objects.filter(agency=root), info).first()


def consultation_list(
    info: Info, *, agency: Agency | None = None, status: object | None = None
) -> QuerySet[ConsultationPage]:
    queryset = ConsultationPage.objects.all()
    if agency is not None:
        queryset = queryset.filter(agency=agency)
    if status is not None:
        queryset = queryset.with_status(status.value, request_now(info))
    return ConsultationType.visible(queryset, info).order_by("path")


@strawberry_django.type(ConsultationPhase, name="Phase")
class PhaseType:
    title: str
    kind: PhaseKind
    starts_at: datetime
    ends_at: datetime

    @strawberry_django.field(only=["starts_at", "ends_at"])
    def is_current(self, root: ConsultationPhase, info: Info) -> bool:
        return root.starts_at <= request_now(info) < root.ends_at


def sorted_phases(page: ConsultationPage) -> list[ConsultationPhase]:
    return sorted(page.phases.all(), key=lambda p: (p.starts_at, p.sort_order or 0, p.pk or 0))


@strawberry_django.type(AgencyHomePage, name="AgencyHome")
class AgencyHomeType(PublicPage, PageInterface):
    intro: str

    @strawberry_django.field(select_related=["agency"])
    def agency(self, root: AgencyHomePage) -> AgencyType:
        return root.agency


@strawberry_django.type(ConsultationIndexPage, name="ConsultationIndex")
class ConsultationIndexType(PublicPage, PageInterface):
    intro: str

    @strawberry_django.connection(DjangoListConnection["ConsultationType"])
    def consultations(
        self, root: ConsultationIndexPage, info: Info, status: ConsultationStatus | None = None
    ) -> QuerySet[ConsultationPage]:
        return consultation_list(info, status=status).child_of(root)


@strawberry_django.type(InformationPage, name="InformationPage")
class InformationPageType(PublicPage, PageInterface):
    intro: str

    @strawberry_django.field(only=["body"])
    def body(self, root: InformationPage, info: Info) -> list[Block]:
        return build_blocks(root, assets_for(root, info))


@strawberry_django.type(ConsultationPage, name="Consultation")
class ConsultationType(PublicPage, PageInterface):
    """A public consultation of one agency."""

    intro: str
    opens_at: datetime | None
    closes_at: datetime | None

    @strawberry_django.field(only=["body", "hero_image_id"])
    def body(self, root: ConsultationPage, info: Info) -> list[Block]:
        return build_blocks(root, assets_for(root, info))

    @strawberry_django.field(only=["body", "hero_image_id"])
    def hero_image(self, root: ConsultationPage, info: Info) -> Image | None:
        image = assets_for(root, info).image(root.hero_image_id)
        return Image(_image=image) if image else None

    @strawberry_django.field(prefetch_related=["phases"])
    def phases(self, root: ConsultationPage) -> list[PhaseType]:
        return sorted_phases(root)

    @strawberry_django.field(prefetch_related=["phases"])
    def current_phase(self, root: ConsultationPage, info: Info) -> PhaseType | None:
        now = request_now(info)
        return next((p for p in sorted_phases(root) if p.starts_at <= now < p.ends_at), None)

    @strawberry_django.field(only=["opens_at", "closes_at"])
    def status(self, root: ConsultationPage, info: Info) -> ConsultationStatus:
        return ConsultationStatusChoice(status_at(root.opens_at, root.closes_at, request_now(info)))

    @strawberry_django.field(prefetch_related=["tagged_topics__tag"])
    def topics(self, root: ConsultationPage) -> list[str]:
        return sorted(item.tag.name for item in root.tagged_topics.all())

    @strawberry_django.field(select_related=["agency"])
    def agency(self, root: ConsultationPage) -> AgencyType:
        return root.agency

    proposals: DjangoListConnection[Annotated[ProposalType, strawberry.lazy(PARTICIPATION)]] = (
        strawberry_django.connection(field_cls=_field_cls("ProposalsField"))
    )

    comments: DjangoListConnection[Annotated[CommentType, strawberry.lazy(PARTICIPATION)]] = (
        strawberry_django.connection(
            field_cls=_field_cls("ConsultationCommentsField"),
            description="Comments on the consultation itself (not on a proposal), top level.",
        )
    )

    @strawberry_django.field(
        only=["live", "path", "agency_id"],
        prefetch_related=["phases"],
        description="What the viewer may do here, and why not.",
    )
    def viewer_can(
        self, root: ConsultationPage, info: Info
    ) -> Annotated[ConsultationAbilities, strawberry.lazy(PARTICIPATION)]:
        from graph.participation.types import consultation_abilities

        return consultation_abilities(root, info)


PAGE_TYPES: dict[type, type] = {
    AgencyHomePage: AgencyHomeType,
    ConsultationIndexPage: ConsultationIndexType,
    InformationPage: InformationPageType,
    ConsultationPage: ConsultationType,
}
