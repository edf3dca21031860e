"""Demo participation on the demo consultations that are open for it (`manage.py seed_demo`).

Written through `participation.services` as the demo citizens and responders, so every rule
applies and the counters are exact; idempotent: a proposal is found by consultation, author and
title, a comment by proposal, author and body, and nothing that exists is written again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from cms.models import ConsultationPage
from participation import services
from participation.models import Comment, Proposal, ProposalStatus, Support


@dataclass(frozen=True)
class DemoComment:
    author: str
    body: str
    replies: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoProposal:
    author: str
    title: str
    body: str
    supporters: tuple[str, ...] = ()
    comments: tuple[DemoComment, ...] = ()
    response: tuple[str, str] | None = None  # (status, text), by the agency's responder


@dataclass(frozen=True)
class DemoConsultation:
    slug: str
    agency: str
    proposals: tuple[DemoProposal, ...] = field(default_factory=tuple)


CONSULTATIONS: tuple[DemoConsultation, ...] = (
    DemoConsultation(
        "flood-management-plan",
        "water",
        (
            DemoProposal(
                "citizen1",
                "ขุดลอกคูคลองก่อนฤดูฝน / Dredge the canals before the rainy season",
                "คลองหลายสายในชุมชนตื้นเขินจนน้ำระบายไม่ทัน ขอให้ขุดลอกทุกปีก่อนเดือนพฤษภาคม "
                "และประกาศตารางงานให้ชุมชนรู้ล่วงหน้า\n\nMany community canals are too shallow "
                "to drain in time. Please dredge them every year before May and publish the "
                "schedule in advance.",
                supporters=("citizen2",),
                comments=(
                    DemoComment(
                        "citizen2",
                        "เห็นด้วยค่ะ ซอยบ้านเราน้ำท่วมขังทุกปีเพราะคลองตื้น",
                        replies=(("citizen1", "ขอบคุณครับ ช่วยกันสนับสนุนนะครับ"),),
                    ),
                ),
                response=(
                    ProposalStatus.UNDER_REVIEW,
                    "กรมฯ รับข้อเสนอไว้พิจารณาในแผนงบประมาณปีหน้า / We are costing this for "
                    "next year's budget.",
                ),
            ),
            DemoProposal(
                "citizen2",
                "ระบบแจ้งเตือนน้ำท่วมผ่าน LINE / Flood alerts on LINE",
                "ส่งข้อความแจ้งเตือนระดับน้ำรายชุมชนผ่าน LINE Official Account พร้อมจุดอพยพใกล้บ้าน"
                "\n\nSend neighbourhood water-level alerts through a LINE Official Account, with "
                "the nearest evacuation point.",
                supporters=("citizen1",),
                comments=(DemoComment("citizen1", "ควรมีภาษาอังกฤษสำหรับแรงงานต่างชาติด้วย"),),
            ),
        ),
    ),
    DemoConsultation(
        "single-use-plastics",
        "pcd",
        (
            DemoProposal(
                "citizen1",
                "จุดเติมน้ำดื่มฟรีในสถานีรถไฟฟ้า / Free water refill points at rail stations",
                "ติดตั้งจุดเติมน้ำดื่มในทุกสถานีรถไฟฟ้าเพื่อลดขวดพลาสติกใช้ครั้งเดียว\n\nInstall "
                "drinking-water refill points at every rail station to cut single-use bottles.",
                supporters=("citizen2",),
                comments=(DemoComment("citizen2", "ขอให้มีที่ล้างขวดด้วยครับ"),),
            ),
        ),
    ),
)


def seed() -> Counter:
    """Create what is missing; returns how many rows of each kind were created."""
    users = {u.username: u for u in get_user_model().objects.all()}
    created: Counter = Counter()
    with transaction.atomic():
        for spec in CONSULTATIONS:
            pages = ConsultationPage.objects.filter(slug=spec.slug, agency__slug=spec.agency)
            page = pages.first()
            if page is None:
                continue
            for item in spec.proposals:
                _seed_proposal(page, spec.agency, item, users, created)
    return created


def _seed_proposal(page, agency: str, item: DemoProposal, users: dict, created: Counter) -> None:
    author = users[item.author]
    proposal = Proposal.objects.filter(consultation=page, author=author, title=item.title).first()
    if proposal is None:
        proposal = services.submit_proposal(author, page, title=item.title, body=item.body)
        created["proposals"] += 1
    for name in item.supporters:
        if not Support.objects.filter(proposal=proposal, user=users[name]).exists():
            services.support_proposal(users[name], proposal)
            created["supports"] += 1
    for comment in item.comments:
        top = _comment(users[comment.author], comment.body, created, proposal=proposal)
        for name, body in comment.replies:
            _comment(users[name], body, created, parent=top)
    if item.response and not proposal.responses.exists():
        status, text = item.response
        services.respond_to_proposal(
            users[f"{agency}-responder"], proposal, status=status, text=text
        )
        created["official responses"] += 1


def _comment(author, body: str, created: Counter, *, proposal=None, parent=None) -> Comment:
    """A top-level comment on `proposal`, or a reply to `parent`; found again by author+body."""
    found = Comment.objects.filter(author=author, body=body, parent=parent)
    if parent is None:
        found = found.filter(proposal=proposal)
    existing = found.first()
    if existing is not None:
        return existing
    created["comments"] += 1
    return services.add_comment(author, body=body, proposal=proposal, parent=parent)
