"""Factories for the suite: users, agencies and consultation pages in real page trees."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from cms.agencies import AgencySpec, consultation_index, create_agency
from cms.models import ConsultationPage, ConsultationPhase
from cms.phases import PhaseKind
from permissions.models import Agency

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "สมชาย"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_agency(
    slug: str | None = None, name_th: str = "กรมทดสอบ", name_en: str = "Test Department"
) -> Agency:
    slug = slug or f"agency{next(_seq)}"
    return create_agency(
        AgencySpec(slug=slug, name_th=name_th, name_en=name_en, hostname=f"{slug}.localhost")
    )


def phases_around(now: datetime, status: str = "open") -> list[dict]:
    """Three consecutive phases placing the consultation in `status` at `now`."""
    shift = {
        "upcoming": timedelta(days=10),
        "open": timedelta(days=-5),
        "closed": timedelta(days=-60),
    }[status]
    start = now + shift
    spans = [
        ("ข้อมูล / Information", PhaseKind.INFORMATION, 0, 7),
        ("เสนอความคิดเห็น / Proposals", PhaseKind.PROPOSALS, 7, 21),
        ("ผลลัพธ์ / Results", PhaseKind.RESULTS, 21, 30),
    ]
    return [
        {
            "title": t,
            "kind": k,
            "starts_at": start + timedelta(days=a),
            "ends_at": start + timedelta(days=b),
        }
        for t, k, a, b in spans
    ]


def make_consultation(
    agency: Agency,
    title: str = "ร่างแผนรับมือน้ำท่วม",
    slug: str | None = None,
    *,
    status: str = "open",
    intro: str = "สรุปสั้น ๆ ของการรับฟังความคิดเห็น",
    body: list | None = None,
    live: bool = True,
    phases: list[dict] | None = None,
    hero_image=None,
) -> ConsultationPage:
    """A consultation under the agency's index page, published unless `live` is False."""
    page = ConsultationPage(
        title=title,
        slug=slug or f"consultation-{next(_seq)}",
        intro=intro,
        body=body or [],
        hero_image=hero_image,
        live=live,
    )
    page.phases = [
        ConsultationPhase(**p) for p in (phases or phases_around(timezone.now(), status))
    ]
    index = consultation_index(agency)
    index.add_child(instance=page)
    if live:
        page.save_revision().publish()
    else:
        page.save_revision()
    page.refresh_from_db()
    return page


def make_image(agency: Agency, title: str = "ภาพประกอบ", *, size=(640, 360), description: str = ""):
    """A real PNG in the agency's collection, drawn with Pillow."""
    from io import BytesIO

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    buffer = BytesIO()
    PILImage.new("RGB", size, (30, 120, 200)).save(buffer, "PNG")
    return get_image_model().objects.create(
        title=title,
        description=description,
        collection=agency.collection,
        file=ImageFile(buffer, name=f"img-{next(_seq)}.png"),
    )


def make_document(agency: Agency, title: str = "เอกสารประกอบ", content: bytes = b"hello"):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    return get_document_model().objects.create(
        title=title,
        collection=agency.collection,
        file=ContentFile(content, name=f"doc-{next(_seq)}.txt"),
    )
