"""Wagtail page models: each agency's home, its consultation index and its consultations.

Every page below an agency home carries that agency (a non-null foreign key) derived from its
position in the tree on every save and move; it is never an editable field.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.search import index

from cms.blocks import ConsultationBodyBlock
from cms.phases import (
    PhaseKind,
    PhaseSpan,
    span_of,
    status_at,
    validate_phases,
)
from cms.preview import HeadlessPreviewMixin
from cms.querysets import ConsultationQuerySet, SiblingAwarePageQuerySet


def agency_id_for_path(path: str) -> int | None:
    """The agency of the nearest AgencyHomePage at or above `path` (one query)."""
    steplen = Page.steplen
    candidates = [path[:i] for i in range(steplen, len(path) + 1, steplen)]
    found = (
        AgencyHomePage.objects.filter(path__in=candidates)
        .order_by("-depth")
        .values_list("agency_id", flat=True)
        .first()
    )
    return found


class AgencyOwnedPage(HeadlessPreviewMixin, Page):
    """A page that belongs to exactly one agency: the one whose home page is above it."""

    agency = models.ForeignKey(
        "permissions.Agency",
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def derive_agency(self) -> None:
        agency_id = agency_id_for_path(self.path) if self.path else None
        if agency_id is None:
            raise ValidationError(_("This page must be placed below an agency home page."))
        self.agency_id = agency_id

    def save(self, *args, **kwargs):
        self.derive_agency()
        return super().save(*args, **kwargs)


class AgencyHomePage(HeadlessPreviewMixin, Page):
    """The root of one agency's Wagtail Site."""

    agency = models.OneToOneField(
        "permissions.Agency",
        on_delete=models.PROTECT,
        editable=False,
        related_name="home_page",
    )
    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.FilterField("agency")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ConsultationIndexPage", "cms.InformationPage"]

    class Meta:
        verbose_name = _("agency home page")


class ConsultationIndexPage(AgencyOwnedPage):
    """Lists an agency's consultations."""

    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.FilterField("agency")]
    parent_page_types = ["cms.AgencyHomePage"]
    subpage_types = ["cms.ConsultationPage"]
    # One index per agency keeps a consultation's slug unique within its agency.
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("consultation index page")


class InformationPage(AgencyOwnedPage):
    """A plain content page of an agency (about, how to take part, privacy, ...)."""

    intro = models.TextField(blank=True)
    body = StreamField(ConsultationBodyBlock(), blank=True)

    objects = PageManager.from_queryset(SiblingAwarePageQuerySet)()

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("agency"),
    ]
    parent_page_types = ["cms.AgencyHomePage", "cms.InformationPage"]
    subpage_types = ["cms.InformationPage"]

    class Meta:
        verbose_name = _("information page")


class ConsultationTopic(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ConsultationPage", on_delete=models.CASCADE, related_name="tagged_topics"
    )


class ConsultationPageForm(WagtailAdminPageForm):
    """Checks the phases of the submitted form (the model only sees them once saved)."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("phases")
        if formset is None or not formset.is_valid():
            return cleaned
        spans = [
            PhaseSpan(
                form.cleaned_data.get("title", ""),
                form.cleaned_data.get("starts_at"),
                form.cleaned_data.get("ends_at"),
            )
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            validate_phases(spans)
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class ConsultationPage(AgencyOwnedPage):
    """A public consultation: what is asked, its phases, and (later) what citizens said."""

    intro = models.TextField(help_text=_("A plain-text summary shown in lists and previews."))
    body = StreamField(ConsultationBodyBlock(), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    topics = ClusterTaggableManager(through=ConsultationTopic, blank=True)
    opens_at = models.DateTimeField(null=True, editable=False, db_index=True)
    closes_at = models.DateTimeField(null=True, editable=False, db_index=True)

    objects = PageManager.from_queryset(ConsultationQuerySet)()

    base_form_class = ConsultationPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
        MultiFieldPanel([InlinePanel("phases", min_num=1, label=_("Phase"))], heading=_("Phases")),
        FieldPanel("topics"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.RelatedFields("topics", [index.SearchField("name")]),
        index.FilterField("agency"),
        index.FilterField("opens_at"),
        index.FilterField("closes_at"),
    ]
    parent_page_types = ["cms.ConsultationIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("consultation")
        permissions = [
            ("moderate", _("Moderate this consultation")),
            ("respond", _("Respond to this consultation's proposals")),
            ("view_statistics", _("Read this consultation's statistics")),
        ]

    def phase_spans(self) -> list[PhaseSpan]:
        return [PhaseSpan(p.title, p.starts_at, p.ends_at) for p in self.phases.all()]

    def save(self, *args, **kwargs):
        spans = self.phase_spans()
        validate_phases(spans)
        self.opens_at, self.closes_at = span_of(spans)
        return super().save(*args, **kwargs)

    @property
    def status(self) -> str:
        return status_at(self.opens_at, self.closes_at, timezone.now())

    def current_phase(self, now: datetime | None = None) -> ConsultationPhase | None:
        now = now or timezone.now()
        for phase in self.phases.all():
            if phase.starts_at <= now < phase.ends_at:
                return phase
        return None


class ConsultationPhase(Orderable):
    """One dated phase; its kind decides which citizen actions are open (DESIGN.md)."""

    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="phases")
    agency = models.ForeignKey(
        "permissions.Agency", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PhaseKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    panels = [
        FieldPanel("title"),
        FieldPanel("kind"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["page", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.kind})"

    def save(self, *args, **kwargs):
        self.agency_id = self.page.agency_id
        return super().save(*args, **kwargs)
