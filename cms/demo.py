"""Demo content for a first run: two agencies, consultations in every state, users for every role.

`seed()` is idempotent: everything is looked up by slug, title or username before it is created,
so running it again creates nothing new. Phase dates are relative to the start of the current
day (local time), so every consultation keeps the status it demonstrates whenever the demo is
seeded; a re-seed on a later day moves the dates (and publishes a new revision), a re-seed on the
same day changes nothing. Images and documents are generated locally, nothing is downloaded.

The passwords here are for development only; `manage.py seed_demo` refuses to run when DEBUG is
off unless forced. docs/DEMO.md describes the content.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, PageViewRestriction

from cms.agencies import AgencySpec, consultation_index, create_agency
from cms.models import ConsultationPage, ConsultationPhase, InformationPage
from cms.phases import PhaseKind
from permissions.memberships import grant_role
from permissions.models import Agency
from permissions.roles import Role

# Development only: every demo user signs in with this password (docs/DEMO.md).
DEMO_PASSWORD = "ruamkhid-demo"
# The shared password of the password-protected demo consultation.
PRIVATE_PAGE_PASSWORD = "ruamkhid-private"

BASE_URL = "http://localhost:8000"
VIDEO_URL = "https://www.youtube.com/watch?v=jNQXAC9IVRw"

# How a demo page is shown to the public.
PUBLIC, DRAFT, LOGIN, PASSWORD = "public", "draft", "login", "password"


# --- specifications ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageSpec:
    key: str
    title: str
    description: str  # the alt text
    label: str  # drawn on the image (ASCII: Pillow's bundled font has no Thai glyphs)
    top: tuple[int, int, int]
    bottom: tuple[int, int, int]
    motif: str = "waves"  # waves | circles | bars


@dataclass(frozen=True)
class DocumentSpec:
    key: str
    title: str
    filename: str  # the extension decides the format: .pdf, .csv or .txt
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PhaseSpec:
    title: str
    kind: str
    start_day: int  # days from the start of today (local time)
    end_day: int


@dataclass(frozen=True)
class PageSpec:
    slug: str
    title: str
    intro: str
    body: tuple[dict[str, Any], ...]
    demonstrates: str  # one line for docs and the command's summary
    hero: str | None = None
    topics: tuple[str, ...] = ()
    phases: tuple[PhaseSpec, ...] = ()
    visibility: str = PUBLIC
    search_description: str = ""


@dataclass(frozen=True)
class AgencyDemo:
    spec: AgencySpec
    images: tuple[ImageSpec, ...]
    documents: tuple[DocumentSpec, ...]
    about: PageSpec
    consultations: tuple[PageSpec, ...]  # in creation order: a page links only to earlier ones


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, str], ...] = ()  # (agency slug, role)
    superuser: bool = False
    note: str = ""


# --- body blocks (raw StreamField data; "{page:slug}", "{image:key}", "{doc:key}" are resolved
# to ids when the page is built) ---------------------------------------------------------------


def heading(text: str, level: str = "2") -> dict[str, Any]:
    return {"type": "heading", "value": {"text": text, "level": level}}


def rich_text(html: str) -> dict[str, Any]:
    return {"type": "rich_text", "value": html}


def image(key: str, alt: str, caption: str = "") -> dict[str, Any]:
    return {"type": "image", "value": {"image": f"{{image:{key}}}", "alt": alt, "caption": caption}}


def quote(text: str, attribution: str = "") -> dict[str, Any]:
    return {"type": "quote", "value": {"text": text, "attribution": attribution}}


def document(key: str, title: str = "") -> dict[str, Any]:
    return {"type": "document", "value": {"document": f"{{doc:{key}}}", "title": title}}


def embed(url: str = VIDEO_URL) -> dict[str, Any]:
    """Only the URL is stored; nothing is fetched while seeding."""
    return {"type": "embed", "value": url}


def callout(tone: str, title: str, html: str) -> dict[str, Any]:
    return {"type": "callout", "value": {"tone": tone, "title": title, "text": html}}


def page_link(slug: str, text: str) -> str:
    return f'<a linktype="page" id="{{page:{slug}}}">{text}</a>'


def doc_link(key: str, text: str) -> str:
    return f'<a linktype="document" id="{{doc:{key}}}">{text}</a>'


def inline_image(key: str, alt: str) -> str:
    return f'<embed embedtype="image" id="{{image:{key}}}" format="fullwidth" alt="{alt}"/>'


# Standard phase plans, in days from the start of today.
def _phases(*rows: tuple[str, str, int, int]) -> tuple[PhaseSpec, ...]:
    return tuple(PhaseSpec(title, kind, start, end) for title, kind, start, end in rows)


INFO_TH, PROPOSALS_TH, SUPPORT_TH = "ให้ข้อมูล", "เสนอความคิดเห็น", "สนับสนุนข้อเสนอ"
REVIEW_TH, RESULTS_TH = "พิจารณาข้อเสนอ", "แจ้งผลการรับฟัง"
INF, PRO, SUP, REV, RES = (
    PhaseKind.INFORMATION,
    PhaseKind.PROPOSALS,
    PhaseKind.SUPPORT,
    PhaseKind.REVIEW,
    PhaseKind.RESULTS,
)


# --- the Department of Water Resources -----------------------------------------------------------

WATER = AgencyDemo(
    spec=AgencySpec(
        slug="water",
        name_th="กรมทรัพยากรน้ำ",
        name_en="Department of Water Resources",
        hostname="water.localhost",
        intro=(
            "กรมทรัพยากรน้ำรับฟังความคิดเห็นของประชาชนเรื่องการบริหารจัดการน้ำ น้ำท่วม ภัยแล้ง "
            "และการฟื้นฟูแหล่งน้ำ / The Department of Water Resources consults the public on "
            "water management, floods, droughts and restoring waterways."
        ),
    ),
    images=(
        ImageSpec(
            "flood",
            "แผนที่พื้นที่เสี่ยงน้ำท่วม / Flood risk map",
            "แผนที่จำลองพื้นที่เสี่ยงน้ำท่วมริมแม่น้ำเจ้าพระยา ไล่สีจากฟ้าอ่อนถึงน้ำเงินเข้ม",
            "Flood risk map - Chao Phraya basin",
            (120, 190, 230),
            (10, 50, 120),
            "waves",
        ),
        ImageSpec(
            "canal",
            "คลองลาดพร้าว / Khlong Lat Phrao",
            "ภาพกราฟิกคลองในเมืองที่มีต้นไม้สองฝั่งและทางเดินริมน้ำ",
            "Canal restoration - Khlong Lat Phrao",
            (160, 220, 200),
            (20, 110, 110),
            "bars",
        ),
        ImageSpec(
            "drought",
            "ภัยแล้งในพื้นที่เกษตร / Drought on farmland",
            "ภาพกราฟิกทุ่งนาแห้งแล้งใต้ดวงอาทิตย์สีส้ม",
            "Drought preparedness for farmers",
            (250, 210, 120),
            (170, 90, 30),
            "circles",
        ),
        ImageSpec(
            "village",
            "ประชุมคณะกรรมการน้ำหมู่บ้าน / Village water committee",
            "ภาพกราฟิกวงกลมหลายวงแทนสมาชิกคณะกรรมการน้ำระดับหมู่บ้าน",
            "Village water committees",
            (200, 200, 240),
            (70, 70, 150),
            "circles",
        ),
        ImageSpec(
            "about",
            "สำนักงานกรมทรัพยากรน้ำ / Department office",
            "ภาพกราฟิกโลโก้หยดน้ำของกรมทรัพยากรน้ำบนพื้นสีน้ำเงิน",
            "Department of Water Resources",
            (90, 160, 220),
            (20, 60, 140),
            "waves",
        ),
    ),
    documents=(
        DocumentSpec(
            "plan-summary",
            "สรุปร่างแผนบริหารจัดการน้ำท่วม / Draft flood management plan (summary)",
            "water-flood-plan-summary.pdf",
            (
                "Draft area-based flood management plan - summary for public consultation",
                "Department of Water Resources (demo document)",
                "",
                "1. Retention areas (monkey cheeks) in 12 provinces of the Chao Phraya basin",
                "2. Early warning by SMS and LINE for communities at risk",
                "3. Dredging and widening of 40 km of drainage canals",
                "4. Community flood committees with a yearly drill",
                "",
                "Tell us what you think on the consultation page.",
            ),
        ),
        DocumentSpec(
            "canal-levels",
            "ระดับน้ำคลองรายเดือน / Monthly canal water levels",
            "water-canal-levels.csv",
            (
                "เดือน,คลองลาดพร้าว (ม.รทก.),คลองเปรมประชากร (ม.รทก.)",
                "มกราคม,0.42,0.38",
                "กุมภาพันธ์,0.35,0.31",
                "มีนาคม,0.30,0.27",
                "เมษายน,0.28,0.25",
                "พฤษภาคม,0.51,0.47",
                "มิถุนายน,0.74,0.69",
                "กรกฎาคม,0.88,0.83",
                "สิงหาคม,1.02,0.97",
                "กันยายน,1.21,1.15",
                "ตุลาคม,1.18,1.09",
                "พฤศจิกายน,0.79,0.72",
                "ธันวาคม,0.55,0.49",
            ),
        ),
    ),
    about=PageSpec(
        slug="about",
        title="เกี่ยวกับเรา / About",
        intro="กรมทรัพยากรน้ำกับการรับฟังความคิดเห็นของประชาชน / How we listen to the public.",
        demonstrates="An InformationPage below the agency home (page(agency:, path:)).",
        body=(
            heading("พันธกิจ / Mission"),
            rich_text(
                "<p>กรมทรัพยากรน้ำดูแลแหล่งน้ำ ลุ่มน้ำ และการจัดสรรน้ำของประเทศ "
                "เราเชื่อว่านโยบายเรื่องน้ำที่ดีต้องเริ่มจากการฟังผู้ใช้น้ำ</p>"
                "<p>We look after the country's rivers, basins and water allocation. "
                f"See our {page_link('consultations', 'open consultations')} "
                "and take part.</p>"
                f"{inline_image('about', 'โลโก้หยดน้ำของกรม')}"
            ),
            image("about", "โลโก้หยดน้ำของกรมทรัพยากรน้ำบนพื้นสีน้ำเงิน", "กรมทรัพยากรน้ำ"),
            callout(
                "info",
                "ร่วมแสดงความคิดเห็นอย่างไร / How to take part",
                "<ul><li>สมัครสมาชิกครั้งเดียว ใช้ได้กับทุกหน่วยงาน</li>"
                "<li>เสนอความคิดเห็นและสนับสนุนข้อเสนอในช่วงที่เปิดรับ</li>"
                "<li>Every proposal gets an <b>official response</b>.</li></ul>",
            ),
        ),
    ),
    consultations=(
        PageSpec(
            slug="flood-response-review",
            title="ทบทวนแผนรับมืออุทกภัยลุ่มน้ำเจ้าพระยา / Chao Phraya flood response review",
            intro=(
                "สรุปบทเรียนจากน้ำท่วมฤดูฝนที่ผ่านมา และข้อเสนอของประชาชนต่อการเตือนภัย การอพยพ และการเยียวยา"
            ),
            demonstrates="CLOSED: every phase is in the past; results are published.",
            hero="flood",
            topics=("น้ำท่วม", "ลุ่มน้ำเจ้าพระยา", "การเตือนภัย"),
            phases=_phases(
                (INFO_TH, INF, -120, -105),
                (PROPOSALS_TH, PRO, -105, -75),
                (REVIEW_TH, REV, -75, -50),
                (RESULTS_TH, RES, -50, -30),
            ),
            body=(
                heading("ผลการรับฟังความคิดเห็น"),
                rich_text(
                    "<p>ประชาชนส่งข้อเสนอ <b>1,248</b> รายการ ข้อเสนอที่ได้รับการสนับสนุนมากที่สุด"
                    "คือการแจ้งเตือนภัยผ่านโทรศัพท์มือถือล่วงหน้าอย่างน้อย 48 ชั่วโมง</p>"
                    f"{inline_image('flood', 'แผนที่พื้นที่เสี่ยงน้ำท่วม')}"
                    f"<p>ข้อเสนอเหล่านี้นำไปสู่{page_link('about', 'แผนงานของกรม')}ในปีถัดไป</p>"
                ),
                quote(
                    "ปีนี้เรารู้ล่วงหน้าสองวัน ย้ายของขึ้นที่สูงได้ทัน",
                    "ชาวบ้าน อ.บางบาล จ.พระนครศรีอยุธยา",
                ),
                callout(
                    "success",
                    "ปิดรับฟังแล้ว / Closed",
                    "<p>ขอบคุณทุกความคิดเห็น ผลการพิจารณาข้อเสนอทุกข้ออยู่ในหน้านี้</p>",
                ),
            ),
        ),
        PageSpec(
            slug="flood-management-plan",
            title=(
                "ร่างแผนบริหารจัดการน้ำท่วมเชิงพื้นที่ พ.ศ. 2569-2573 / "
                "Draft area-based flood management plan"
            ),
            intro=(
                "กรมทรัพยากรน้ำขอรับฟังความคิดเห็นต่อร่างแผนบริหารจัดการน้ำท่วม 5 ปี "
                "ทั้งพื้นที่แก้มลิง การเตือนภัยล่วงหน้า และบทบาทของชุมชน"
            ),
            demonstrates="OPEN in a PROPOSALS phase: citizens may submit, comment and support.",
            hero="flood",
            topics=("น้ำท่วม", "แก้มลิง", "การมีส่วนร่วมของชุมชน"),
            phases=_phases(
                (INFO_TH, INF, -14, -4),
                (PROPOSALS_TH, PRO, -4, 24),
                (REVIEW_TH, REV, 24, 38),
                (RESULTS_TH, RES, 38, 52),
            ),
            search_description="ร่างแผนบริหารจัดการน้ำท่วม 5 ปี เปิดรับข้อเสนอจากประชาชน",
            body=(
                heading("ทำไมต้องมีแผนใหม่ / Why a new plan"),
                rich_text(
                    "<p>น้ำท่วมในลุ่มน้ำเจ้าพระยาเกิดถี่และรุนแรงขึ้น ร่างแผนนี้ต่อยอดจาก"
                    f"{page_link('flood-response-review', 'ผลการทบทวนแผนรับมืออุทกภัย')}"
                    " ที่ประชาชนร่วมเสนอเมื่อต้นปี</p>"
                    f"{inline_image('flood', 'แผนที่พื้นที่เสี่ยงน้ำท่วมริมแม่น้ำเจ้าพระยา')}"
                    "<h3>สิ่งที่อยากฟังจากคุณ</h3>"
                    "<ul><li>พื้นที่ใดควรเป็นแก้มลิงรับน้ำ และควรชดเชยเกษตรกรอย่างไร</li>"
                    "<li>ช่องทางเตือนภัยที่ชุมชนของคุณใช้ได้จริง</li>"
                    "<li>บทบาทของอาสาสมัครและคณะกรรมการน้ำท่วมชุมชน</li></ul>"
                    f"<p>อ่าน{doc_link('plan-summary', 'สรุปร่างแผน')}ก่อนเสนอความคิดเห็น</p>"
                ),
                heading("พื้นที่แก้มลิง / Retention areas", "3"),
                image(
                    "flood",
                    "แผนที่จำลองพื้นที่เสี่ยงน้ำท่วม ไล่สีจากฟ้าอ่อนถึงน้ำเงินเข้มตามระดับความเสี่ยง",
                    "พื้นที่สีเข้มคือพื้นที่เสี่ยงสูง (ข้อมูลจำลองเพื่อการสาธิต)",
                ),
                quote(
                    "แก้มลิงจะได้ผลก็ต่อเมื่อเกษตรกรที่เสียสละพื้นที่ได้รับการชดเชยอย่างเป็นธรรม",
                    "ผู้แทนสภาเกษตรกร จ.ชัยนาท",
                ),
                document("plan-summary", "ดาวน์โหลดสรุปร่างแผน (PDF)"),
                heading("วิดีโอแนะนำ / Video", "3"),
                embed(),
                callout(
                    "info",
                    "เปิดรับข้อเสนอ / Proposals open",
                    "<p>เสนอความคิดเห็นได้จนสิ้นสุดช่วง<b>เสนอความคิดเห็น</b> "
                    "ทุกข้อเสนอจะได้รับคำตอบอย่างเป็นทางการ</p>",
                ),
            ),
        ),
        PageSpec(
            slug="canal-restoration",
            title="Restoring Bangkok's canals: the Khlong Lat Phrao pilot",
            intro=(
                "Before we ask for proposals, read how the pilot would clean Khlong Lat Phrao, "
                "rehouse riverside families on site and open a public canal-side path."
            ),
            demonstrates=(
                "OPEN in an INFORMATION phase (English content): citizens may read and comment "
                "on the consultation; proposals open next week."
            ),
            hero="canal",
            topics=("ฟื้นฟูคลอง", "กรุงเทพมหานคร", "ชุมชนริมน้ำ"),
            phases=_phases(
                (INFO_TH + " / Information", INF, -3, 7),
                (PROPOSALS_TH + " / Proposals", PRO, 7, 28),
                (RESULTS_TH + " / Results", RES, 28, 40),
            ),
            body=(
                heading("What the pilot changes"),
                rich_text(
                    "<p>The pilot covers 12 km of Khlong Lat Phrao. It pairs dredging and "
                    "wastewater interception with secure housing for the communities living "
                    "along the banks.</p>"
                    f"{inline_image('canal', 'Illustration of a green canal with a walkway')}"
                    "<p>It builds on what we heard in the "
                    f"{page_link('flood-management-plan', 'draft flood management plan')} "
                    f"consultation. {doc_link('canal-levels', 'Monthly water levels')} "
                    "are published as open data.</p>"
                ),
                image(
                    "canal",
                    "Illustration of a city canal lined with trees and a walkway",
                    "Khlong Lat Phrao after restoration (illustration)",
                ),
                quote(
                    "We want to stay by the canal, and we want it clean. Both are possible.",
                    "Community leader, Bang Bua",
                ),
                document("canal-levels", "Monthly canal water levels (CSV)"),
                embed(),
                callout(
                    "warning",
                    "Proposals are not open yet",
                    "<p>This is the <i>information</i> phase: read and comment now, "
                    "submit proposals from next week.</p>",
                ),
            ),
        ),
        PageSpec(
            slug="drought-preparedness",
            title="มาตรการเตรียมรับมือภัยแล้งสำหรับเกษตรกร / Drought preparedness for farmers",
            intro=("ก่อนฤดูแล้งหน้า เราอยากฟังเกษตรกรเรื่องการจัดสรรน้ำ บ่อน้ำในไร่นา และการปลูกพืชใช้น้ำน้อย"),
            demonstrates="UPCOMING: every phase is in the future; nothing is open yet.",
            hero="drought",
            topics=("ภัยแล้ง", "เกษตรกร", "การจัดสรรน้ำ"),
            phases=_phases(
                (INFO_TH, INF, 10, 20),
                (PROPOSALS_TH, PRO, 20, 45),
                (SUPPORT_TH, SUP, 45, 60),
                (RESULTS_TH, RES, 60, 75),
            ),
            body=(
                heading("กำลังจะเปิดรับฟัง / Opening soon"),
                rich_text(
                    "<p>การรับฟังความคิดเห็นนี้จะเปิดในอีกไม่กี่วัน ระหว่างนี้อ่าน"
                    f"{page_link('about', 'ข้อมูลเกี่ยวกับกรม')}ได้</p>"
                    f"{inline_image('drought', 'ทุ่งนาแห้งแล้งใต้ดวงอาทิตย์')}"
                ),
                image("drought", "ภาพกราฟิกทุ่งนาแห้งแล้งใต้ดวงอาทิตย์สีส้ม"),
                callout(
                    "info",
                    "ยังไม่เปิด / Not open yet",
                    "<p>ยังไม่สามารถเสนอความคิดเห็นได้จนกว่าช่วงให้ข้อมูลจะเริ่ม</p>",
                ),
            ),
        ),
        PageSpec(
            slug="groundwater-fees",
            title="(ร่าง) ปรับอัตราค่าใช้น้ำบาดาล / Draft: groundwater fee revision",
            intro="ร่างที่ยังไม่เผยแพร่: ทีมงานกำลังเตรียมเนื้อหาและข้อมูลประกอบ",
            demonstrates=(
                "DRAFT: saved as a revision, never published (live=False); only editors see it, "
                "through the Wagtail admin or a preview token."
            ),
            hero="about",
            topics=("น้ำบาดาล", "ค่าธรรมเนียม"),
            phases=_phases(
                (INFO_TH, INF, 30, 40),
                (PROPOSALS_TH, PRO, 40, 60),
            ),
            visibility=DRAFT,
            body=(
                heading("เนื้อหาร่าง"),
                rich_text("<p>ยังไม่พร้อมเผยแพร่ รอข้อมูลปริมาณการใช้น้ำบาดาลรายจังหวัด</p>"),
                callout("warning", "ร่าง / Draft", "<p>อย่าเผยแพร่ก่อนผู้อำนวยการอนุมัติ</p>"),
            ),
        ),
        PageSpec(
            slug="village-water-committees",
            title=(
                "รับฟังความเห็นคณะกรรมการจัดการน้ำระดับหมู่บ้าน (เฉพาะสมาชิก) / "
                "Village water committees (members only)"
            ),
            intro="การรับฟังเฉพาะผู้ที่ลงชื่อเข้าใช้ เรื่องการตั้งคณะกรรมการจัดการน้ำในหมู่บ้าน",
            demonstrates=(
                "PRIVATE (login restriction): published and open, but hidden from the public "
                "until a user signs in; excluded by Page.objects.live().public()."
            ),
            hero="village",
            topics=("คณะกรรมการน้ำ", "หมู่บ้าน"),
            phases=_phases(
                (INFO_TH, INF, -10, -2),
                (PROPOSALS_TH, PRO, -2, 20),
            ),
            visibility=LOGIN,
            body=(
                heading("สำหรับผู้ลงชื่อเข้าใช้"),
                rich_text(
                    f"<p>หน้านี้เห็นได้เฉพาะผู้ที่ลงชื่อเข้าใช้ ดู{page_link('about', 'วิธีร่วมแสดงความคิดเห็น')}</p>"
                ),
                image("village", "วงกลมหลายวงแทนสมาชิกคณะกรรมการน้ำระดับหมู่บ้าน"),
                quote("น้ำของหมู่บ้าน หมู่บ้านต้องร่วมกันดูแล", "ผู้ใหญ่บ้าน ต.หนองบัว"),
            ),
        ),
    ),
)


# --- the Pollution Control Department ------------------------------------------------------------

PCD = AgencyDemo(
    spec=AgencySpec(
        slug="pcd",
        name_th="กรมควบคุมมลพิษ",
        name_en="Pollution Control Department",
        hostname="pcd.localhost",
        intro=(
            "กรมควบคุมมลพิษรับฟังความคิดเห็นเรื่องฝุ่น PM2.5 ขยะพลาสติก น้ำเสีย และเสียงรบกวน / "
            "The Pollution Control Department consults the public on air quality, plastic "
            "waste, wastewater and noise."
        ),
    ),
    images=(
        ImageSpec(
            "pm25",
            "ฝุ่น PM2.5 ปกคลุมเมือง / PM2.5 haze over the city",
            "ภาพกราฟิกเส้นขอบฟ้าเมืองในหมอกควันสีเทาอมส้ม",
            "PM2.5 air quality measures",
            (220, 200, 180),
            (110, 90, 90),
            "circles",
        ),
        ImageSpec(
            "plastic",
            "ขยะพลาสติกแบบใช้ครั้งเดียว / Single-use plastic",
            "ภาพกราฟิกแท่งสีต่าง ๆ แทนปริมาณขยะพลาสติกแต่ละประเภท",
            "Cutting single-use plastics",
            (180, 230, 240),
            (30, 120, 160),
            "bars",
        ),
        ImageSpec(
            "wastewater",
            "น้ำทิ้งจากโรงงาน / Industrial effluent",
            "ภาพกราฟิกคลื่นน้ำสีเขียวเข้มแทนน้ำทิ้งจากโรงงาน",
            "Industrial effluent standard",
            (170, 210, 150),
            (40, 90, 60),
            "waves",
        ),
        ImageSpec(
            "burning",
            "การเผาในที่โล่ง / Open burning",
            "ภาพกราฟิกภูเขาและควันไฟสีส้มแดง",
            "Open-burning controls in the North",
            (250, 180, 120),
            (120, 40, 30),
            "circles",
        ),
        ImageSpec(
            "about",
            "สำนักงานกรมควบคุมมลพิษ / Department office",
            "ภาพกราฟิกใบไม้สีเขียวบนพื้นฟ้า สัญลักษณ์อากาศสะอาด",
            "Pollution Control Department",
            (150, 210, 240),
            (30, 120, 80),
            "waves",
        ),
    ),
    documents=(
        DocumentSpec(
            "pm25-summary",
            "สรุปมาตรการแก้ไขปัญหาฝุ่น PM2.5 / PM2.5 measures (summary)",
            "pcd-pm25-measures.pdf",
            (
                "PM2.5 air quality measures - summary for public consultation",
                "Pollution Control Department (demo document)",
                "",
                "1. Work-from-home advisories when the 24-hour average exceeds 75 ug/m3",
                "2. Low-emission zones for heavy trucks in inner Bangkok",
                "3. Incentives to stop the burning of sugarcane fields before harvest",
                "4. More monitoring stations and open, hourly data",
            ),
        ),
        DocumentSpec(
            "pm25-stations",
            "ค่าเฉลี่ย PM2.5 รายสถานี / PM2.5 averages by station",
            "pcd-pm25-stations.csv",
            (
                "สถานี,จังหวัด,ค่าเฉลี่ย 24 ชม. (มคก./ลบ.ม.)",
                "ริมถนนพระราม 4,กรุงเทพมหานคร,48",
                "ดินแดง,กรุงเทพมหานคร,52",
                "ศาลากลางจังหวัดเชียงใหม่,เชียงใหม่,61",
                "ตำบลช้างเผือก,เชียงใหม่,57",
                "ศูนย์ราชการ,ขอนแก่น,39",
            ),
        ),
        DocumentSpec(
            "plastic-roadmap",
            "แนวทางลดขยะพลาสติก / Plastic waste roadmap (notes)",
            "pcd-plastic-roadmap.txt",
            (
                "แนวทางลดขยะพลาสติกแบบใช้ครั้งเดียว (เอกสารสาธิต)",
                "",
                "1. งดแจกถุงพลาสติกหูหิ้วในร้านค้าทุกประเภท",
                "2. ระบบมัดจำคืนเงินขวดเครื่องดื่ม",
                "3. ให้ผู้ผลิตรับผิดชอบบรรจุภัณฑ์หลังการบริโภค (EPR)",
                "",
                "Single-use plastics roadmap: bag ban, deposit-return, producer responsibility.",
            ),
        ),
    ),
    about=PageSpec(
        slug="about",
        title="เกี่ยวกับเรา / About",
        intro="กรมควบคุมมลพิษกับการรับฟังความคิดเห็นของประชาชน / How we listen to the public.",
        demonstrates="An InformationPage below the agency home (page(agency:, path:)).",
        body=(
            heading("พันธกิจ / Mission"),
            rich_text(
                "<p>กรมควบคุมมลพิษกำหนดมาตรฐานและติดตามคุณภาพอากาศ น้ำ และเสียง "
                "ข้อมูลของเราเปิดให้ทุกคนใช้</p>"
                "<p>We set and monitor standards for air, water and noise. "
                f"See our {page_link('consultations', 'consultations')}.</p>"
                f"{inline_image('about', 'ใบไม้สีเขียว สัญลักษณ์อากาศสะอาด')}"
            ),
            image("about", "ใบไม้สีเขียวบนพื้นฟ้า สัญลักษณ์อากาศสะอาด", "กรมควบคุมมลพิษ"),
            document("pm25-stations", "ข้อมูลเปิด: ค่าเฉลี่ย PM2.5 รายสถานี (CSV)"),
            callout(
                "info",
                "ข้อมูลเปิด / Open data",
                "<p>ข้อมูลคุณภาพอากาศรายชั่วโมงเผยแพร่ภายใต้สัญญาอนุญาตแบบเปิด</p>",
            ),
        ),
    ),
    consultations=(
        PageSpec(
            slug="pm25-season-review",
            title="ทบทวนมาตรการฝุ่น PM2.5 ฤดูหนาวที่ผ่านมา / Review of last winter's PM2.5 measures",
            intro="สิ่งที่ได้ผล สิ่งที่ไม่ได้ผล และสิ่งที่ประชาชนเสนอให้ทำต่างออกไปในฤดูฝุ่นหน้า",
            demonstrates="CLOSED: every phase is in the past.",
            hero="pm25",
            topics=("ฝุ่น PM2.5", "คุณภาพอากาศ"),
            phases=_phases(
                (INFO_TH, INF, -150, -140),
                (PROPOSALS_TH, PRO, -140, -110),
                (RESULTS_TH, RES, -110, -90),
            ),
            body=(
                heading("สรุปผล"),
                rich_text(
                    "<p>ข้อเสนอ 3 อันดับแรก: ขยายการทำงานจากบ้าน ตรวจควันดำรถบรรทุกจริงจัง "
                    "และแจ้งค่าฝุ่นรายชั่วโมงผ่านแอปพลิเคชัน</p>"
                    f"{inline_image('pm25', 'เมืองในหมอกควัน')}"
                    f"<p>อ่านเพิ่มเติม{page_link('about', 'เกี่ยวกับกรม')}</p>"
                ),
                quote("ลูกไอทุกเช้าในเดือนมกราคม เราต้องการข้อมูลที่เชื่อได้", "ผู้ปกครอง เขตดินแดง"),
            ),
        ),
        PageSpec(
            slug="single-use-plastics",
            title="ร่างแผนลดขยะพลาสติกแบบใช้ครั้งเดียว / Draft roadmap to cut single-use plastics",
            intro=(
                "ร่วมเสนอแนวทางลดถุงพลาสติก แก้วพลาสติก และบรรจุภัณฑ์ใช้ครั้งเดียว ทั้งมาตรการภาคบังคับและแรงจูงใจ"
            ),
            demonstrates="OPEN in a PROPOSALS phase: citizens may submit, comment and support.",
            hero="plastic",
            topics=("ขยะพลาสติก", "เศรษฐกิจหมุนเวียน", "บรรจุภัณฑ์"),
            phases=_phases(
                (INFO_TH, INF, -20, -6),
                (PROPOSALS_TH, PRO, -6, 21),
                (SUPPORT_TH, SUP, 21, 35),
                (RESULTS_TH, RES, 35, 50),
            ),
            body=(
                heading("ปัญหา / The problem"),
                rich_text(
                    "<p>ประเทศไทยมีขยะพลาสติกราว <b>2 ล้านตัน</b>ต่อปี "
                    "ส่วนใหญ่เป็นพลาสติกใช้ครั้งเดียวที่ไม่ได้นำกลับมาใช้ใหม่</p>"
                    f"{inline_image('plastic', 'แท่งสีแทนปริมาณขยะพลาสติกแต่ละประเภท')}"
                    f"<p>ดู{doc_link('plastic-roadmap', 'บันทึกแนวทาง')}และ"
                    f"{page_link('pm25-season-review', 'การรับฟังครั้งก่อน')}ของกรม</p>"
                ),
                image(
                    "plastic",
                    "แท่งสีต่าง ๆ แทนปริมาณขยะพลาสติกแต่ละประเภท",
                    "ถุงหูหิ้วและแก้วพลาสติกคือสัดส่วนใหญ่ที่สุด (ข้อมูลจำลอง)",
                ),
                quote(
                    "ร้านเล็ก ๆ อย่างเราพร้อมเปลี่ยน ถ้าบรรจุภัณฑ์ทดแทนราคาไม่แพงเกินไป",
                    "เจ้าของร้านข้าวแกง ตลาดบางกะปิ",
                ),
                document("plastic-roadmap"),
                embed(),
                callout(
                    "info",
                    "เปิดรับข้อเสนอ / Proposals open",
                    "<p>เสนอแนวทางของคุณ และสนับสนุนข้อเสนอที่เห็นด้วย</p>",
                ),
            ),
        ),
        PageSpec(
            slug="pm25-bangkok-measures",
            title="PM2.5 air quality measures for the Bangkok Metropolitan Region",
            intro=(
                "Read the proposed measures for the coming dust season: low-emission zones, "
                "work-from-home advisories and an end to crop burning near the city."
            ),
            demonstrates="OPEN in an INFORMATION phase (English content).",
            hero="pm25",
            topics=("ฝุ่น PM2.5", "กรุงเทพมหานคร", "การจราจร"),
            phases=_phases(
                (INFO_TH + " / Information", INF, -2, 9),
                (PROPOSALS_TH + " / Proposals", PRO, 9, 30),
                (REVIEW_TH + " / Review", REV, 30, 44),
            ),
            body=(
                heading("The proposed measures"),
                rich_text(
                    "<p>Fine dust peaks between December and March. The draft combines "
                    "traffic measures, advisories and support for farmers who stop burning.</p>"
                    f"{inline_image('pm25', 'Stylised city skyline in grey-orange haze')}"
                    f"<p>Last season's lessons: {page_link('pm25-season-review', 'the review')}."
                    "</p>"
                ),
                heading("Low-emission zones", "3"),
                image(
                    "pm25",
                    "Stylised city skyline in grey-orange haze",
                    "Haze over the city (illustration)",
                ),
                quote(
                    "Clean air is a public health measure, not a luxury.",
                    "Respiratory physician, Bangkok",
                ),
                document("pm25-summary", "Measures summary (PDF)"),
                document("pm25-stations", "Station averages (CSV)"),
                embed(),
                callout(
                    "warning",
                    "Information phase",
                    "<p>Comments are open; proposals open in the next phase.</p>",
                ),
            ),
        ),
        PageSpec(
            slug="industrial-effluent-standard",
            title="ร่างมาตรฐานควบคุมการระบายน้ำทิ้งจากโรงงาน / Draft industrial effluent standard",
            intro="ข้อเสนอจากช่วงที่แล้วอยู่ในรายการ ร่วมสนับสนุนข้อเสนอที่คุณเห็นด้วย",
            demonstrates="OPEN in a SUPPORT phase: citizens may comment and support, not propose.",
            hero="wastewater",
            topics=("น้ำเสีย", "โรงงานอุตสาหกรรม", "มาตรฐานคุณภาพน้ำ"),
            phases=_phases(
                (INFO_TH, INF, -40, -30),
                (PROPOSALS_TH, PRO, -30, -8),
                (SUPPORT_TH, SUP, -8, 12),
                (RESULTS_TH, RES, 12, 30),
            ),
            body=(
                heading("ช่วงสนับสนุนข้อเสนอ"),
                rich_text(
                    "<p>ค่า BOD ที่เสนอไม่เกิน 20 มิลลิกรัมต่อลิตร สำหรับโรงงานที่ระบายน้ำทิ้ง"
                    "ลงแหล่งน้ำสาธารณะ</p>"
                    f"{inline_image('wastewater', 'คลื่นน้ำสีเขียวเข้ม')}"
                    f"<p>ดู{page_link('about', 'ข้อมูลของกรม')}</p>"
                ),
                image("wastewater", "ภาพกราฟิกคลื่นน้ำสีเขียวเข้มแทนน้ำทิ้งจากโรงงาน"),
                callout(
                    "success",
                    "ช่วงสนับสนุน / Support phase",
                    "<p>ส่งข้อเสนอใหม่ไม่ได้แล้ว แต่สนับสนุนและแสดงความคิดเห็นได้</p>",
                ),
            ),
        ),
        PageSpec(
            slug="open-burning-controls",
            title="มาตรการควบคุมการเผาในที่โล่งภาคเหนือ / Open-burning controls in the North",
            intro="เตรียมรับฟังความคิดเห็นเรื่องการจัดการเชื้อเพลิงในป่าและไร่ข้าวโพดก่อนฤดูเผา",
            demonstrates="UPCOMING: every phase is in the future.",
            hero="burning",
            topics=("ฝุ่น PM2.5", "ไฟป่า", "ภาคเหนือ"),
            phases=_phases(
                (INFO_TH, INF, 14, 24),
                (PROPOSALS_TH, PRO, 24, 50),
            ),
            body=(
                heading("เร็ว ๆ นี้ / Coming soon"),
                rich_text(
                    "<p>จะเปิดรับฟังเร็ว ๆ นี้ ระหว่างนี้ดู"
                    f"{page_link('pm25-bangkok-measures', 'มาตรการฝุ่นในกรุงเทพฯ')}</p>"
                ),
                embed(),
            ),
        ),
        PageSpec(
            slug="entertainment-noise-standard",
            title="(ร่าง) มาตรฐานระดับเสียงจากสถานบันเทิง / Draft: entertainment venue noise standard",
            intro="ร่างที่ยังไม่เผยแพร่",
            demonstrates="DRAFT: never published (live=False).",
            topics=("เสียงรบกวน",),
            phases=_phases((INFO_TH, INF, 20, 30)),
            visibility=DRAFT,
            body=(
                heading("ร่าง"),
                rich_text("<p>รอผลตรวจวัดเสียงจากสถานีเคลื่อนที่</p>"),
            ),
        ),
        PageSpec(
            slug="pollution-hotline-pilot",
            title=(
                "ทดลองระบบรับแจ้งเหตุมลพิษ (ภายใน) / "
                "Pollution complaint hotline pilot (password protected)"
            ),
            intro="ทดลองกับกลุ่มอาสาสมัคร ต้องใช้รหัสผ่านร่วมเพื่อเข้าดู",
            demonstrates=(
                f"PRIVATE (shared password `{PRIVATE_PAGE_PASSWORD}`): published and open, "
                "excluded by Page.objects.live().public()."
            ),
            hero="about",
            topics=("แจ้งเหตุมลพิษ",),
            phases=_phases(
                (INFO_TH, INF, -5, 5),
                (PROPOSALS_TH, PRO, 5, 25),
            ),
            visibility=PASSWORD,
            body=(
                heading("สำหรับอาสาสมัคร"),
                rich_text("<p>ทดสอบการแจ้งเหตุกลิ่นเหม็นและควันดำผ่านแอปพลิเคชันก่อนเปิดใช้จริง</p>"),
                callout("info", "ทดลองภายใน", "<p>เนื้อหานี้ยังไม่เปิดสาธารณะ</p>"),
            ),
        ),
    ),
)

AGENCIES: tuple[AgencyDemo, ...] = (WATER, PCD)

_ROLE_NAMES = {
    "water": {
        Role.ADMIN: ("สมศักดิ์", "รักษ์น้ำ"),
        Role.EDITOR: ("วราภรณ์", "ใจงาม"),
        Role.MODERATOR: ("ประเสริฐ", "มั่นคง"),
        Role.RESPONDER: ("กัญญา", "ศรีสุข"),
        Role.ANALYST: ("ธนพล", "วัฒนา"),
    },
    "pcd": {
        Role.ADMIN: ("อรุณี", "แสงทอง"),
        Role.EDITOR: ("ณัฐพล", "อากาศดี"),
        Role.MODERATOR: ("สุดารัตน์", "พิทักษ์"),
        Role.RESPONDER: ("วีระ", "ชัยมงคล"),
        Role.ANALYST: ("พิมพ์ชนก", "ข้อมูลดี"),
    },
}

USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", "ผู้ดูแลระบบ", "ร่วมคิด", superuser=True, note="superuser"),
    *(
        UserSpec(
            f"{slug}-{role.value}",
            first,
            last,
            roles=((slug, role.value),),
            note=f"{role.value} of {slug}",
        )
        for slug, names in _ROLE_NAMES.items()
        for role, (first, last) in names.items()
    ),
    UserSpec("citizen1", "มานี", "มีนา", note="citizen (no role)"),
    UserSpec("citizen2", "ปิติ", "ใจดี", note="citizen (no role)"),
)


# --- local media ---------------------------------------------------------------------------------


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow built without FreeType
        return ImageFont.load_default()


def render_image(spec: ImageSpec, width: int = 1200, height: int = 675) -> bytes:
    """A JPEG with a vertical gradient, a simple motif and a label, drawn with Pillow."""
    img = PILImage.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for y in range(height):
        t = y / (height - 1)
        color = tuple(round(a + (b - a) * t) for a, b in zip(spec.top, spec.bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=color)
    overlay = PILImage.new("RGBA", (width, height), (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    if spec.motif == "waves":
        for row in range(6):
            base = height // 2 + row * 45
            points = [(x, base + (18 if (x // 60) % 2 else -18)) for x in range(0, width + 60, 60)]
            shapes.line(points, fill=(255, 255, 255, 70), width=8, joint="curve")
    elif spec.motif == "circles":
        for i in range(7):
            r = 60 + i * 25
            cx, cy = 200 + i * 140, height // 2 + (i % 3) * 40
            shapes.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 255, 255, 80), width=6)
    else:  # bars
        for i in range(10):
            bar = 80 + (i * 47) % 300
            x = 90 + i * 105
            shapes.rectangle([x, height - 60 - bar, x + 60, height - 60], fill=(255, 255, 255, 80))
    img = PILImage.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 40, width, 150], fill=(0, 0, 0))
    draw.text((60, 62), spec.label, fill=(255, 255, 255), font=_font(56))
    draw.text((60, height - 50), "Ruamkhid demo image", fill=(255, 255, 255), font=_font(24))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=82)
    return out.getvalue()


def _pdf_escape(text: str) -> str:
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def render_pdf(lines: tuple[str, ...]) -> bytes:
    """A minimal one-page PDF (Helvetica, ASCII text) written by hand: no PDF library needed."""
    text_ops = ["BT", "/F1 18 Tf", "56 780 Td", "22 TL"]
    for i, line in enumerate(lines):
        if i == 1:
            text_ops.append("/F1 12 Tf")
        text_ops.append(f"({_pdf_escape(line)}) Tj T*")
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def render_document(spec: DocumentSpec) -> bytes:
    if spec.filename.endswith(".pdf"):
        return render_pdf(spec.lines)
    text = "\n".join(spec.lines) + "\n"
    # A byte-order mark lets spreadsheet programs open the Thai CSV as UTF-8.
    return ("\ufeff" + text if spec.filename.endswith(".csv") else text).encode("utf-8")


# --- building ------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one run did, by kind of object, so the command can say so."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str, kind: str) -> None:
        if outcome in ("created", "updated"):
            bucket = getattr(self, outcome)
            bucket[kind] = bucket.get(kind, 0) + 1


@dataclass
class SeedResult:
    agencies: list[Agency]
    users: list[UserSpec]
    tally: Tally


def day_start(now: datetime | None = None) -> datetime:
    """The start of the current local day: the anchor of every demo phase."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


_REF = re.compile(r"\{(page|image|doc):([a-z0-9-]+)\}")


def resolve(value: Any, refs: dict[str, int]) -> Any:
    """Replace "{kind:key}" placeholders by ids: a whole-string placeholder becomes an int."""
    if isinstance(value, dict):
        return {k: resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, refs) for v in value]
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole:
            return refs[f"{whole[1]}:{whole[2]}"]
        return _REF.sub(lambda m: str(refs[f"{m[1]}:{m[2]}"]), value)
    return value


def ensure_agency(demo: AgencyDemo, tally: Tally) -> Agency:
    agency = Agency.objects.filter(slug=demo.spec.slug).first()
    if agency is None:
        agency = create_agency(demo.spec)
        tally.add("created", "agencies")
    return agency


def ensure_image(spec: ImageSpec, agency: Agency, collection: Collection, tally: Tally) -> Any:
    image_model = get_image_model()
    found = image_model.objects.filter(collection=collection, title=spec.title).first()
    if found is not None:
        if found.description != spec.description:
            found.description = spec.description
            found.save(update_fields=["description"])
            tally.add("updated", "images")
        return found
    data = render_image(spec)
    img = image_model.objects.create(
        title=spec.title,
        description=spec.description,
        collection=collection,
        file=ImageFile(io.BytesIO(data), name=f"demo-{agency.slug}-{spec.key}.jpg"),
        file_size=len(data),
        file_hash=hashlib.sha1(data).hexdigest(),  # Wagtail's own file hash
    )
    tally.add("created", "images")
    return img


def ensure_document(spec: DocumentSpec, collection: Collection, tally: Tally) -> Any:
    document_model = get_document_model()
    found = document_model.objects.filter(collection=collection, title=spec.title).first()
    if found is not None:
        return found
    data = render_document(spec)
    doc = document_model(
        title=spec.title,
        collection=collection,
        file_size=len(data),
        file_hash=hashlib.sha1(data).hexdigest(),  # Wagtail's own file hash
    )
    doc.file.save(f"demo-{spec.filename}", ContentFile(data), save=False)
    doc.save()
    tally.add("created", "documents")
    return doc


def _body_of(page: Page) -> list[dict[str, Any]]:
    return [{"type": b["type"], "value": b["value"]} for b in page.body.raw_data]


def _phase_rows(page: ConsultationPage) -> list[tuple[str, str, datetime, datetime]]:
    return [(p.title, p.kind, p.starts_at, p.ends_at) for p in page.phases.all()]


def _matches(page: Page, fields: dict[str, Any], phases: list | None, topics: list | None) -> bool:
    """Whether the stored page already holds what the demo wants (so nothing needs saving)."""
    for name, wanted in fields.items():
        current = _body_of(page) if name == "body" else getattr(page, name)
        if current != wanted:
            return False
    if phases is not None and _phase_rows(page) != phases:
        return False
    return topics is None or sorted(t.name for t in page.topics.all()) == sorted(topics)


def ensure_page(
    parent: Page, model: type[Page], spec: PageSpec, refs: dict[str, int], now: datetime
) -> tuple[Page, str]:
    """Create the page, or bring it back to the demo's content; returns (page, outcome)."""
    fields: dict[str, Any] = {
        "title": spec.title,
        "intro": spec.intro,
        "search_description": spec.search_description,
        "body": resolve(list(spec.body), refs),
    }
    phases = topics = None
    if model is ConsultationPage:
        fields["hero_image_id"] = refs[f"image:{spec.hero}"] if spec.hero else None
        phases = [
            (p.title, p.kind, now + timedelta(days=p.start_day), now + timedelta(days=p.end_day))
            for p in spec.phases
        ]
        topics = list(spec.topics)
    publish = spec.visibility != DRAFT

    page = model.objects.child_of(parent).filter(slug=spec.slug).first()
    outcome = "updated"
    if page is None:
        page, outcome = model(slug=spec.slug, live=publish), "created"
    elif page.live == publish and _matches(page, fields, phases, topics):
        return page, "unchanged"

    for name, value in fields.items():
        setattr(page, name, value)
    if phases is not None:
        page.phases = [
            ConsultationPhase(title=t, kind=k, starts_at=s, ends_at=e, sort_order=i)
            for i, (t, k, s, e) in enumerate(phases)
        ]
    if topics is not None:
        page.topics.set(topics)
    if outcome == "created":
        parent.add_child(instance=page)
    elif not publish:
        page.save()  # a draft's own row is what the admin lists; keep it in step
    revision = page.save_revision()
    if publish:
        revision.publish()
    elif page.live:
        page.unpublish()
    return page, outcome


def ensure_restriction(page: Page, visibility: str, tally: Tally) -> None:
    """Login- or password-restrict the page; public and draft pages carry no restriction."""
    existing = PageViewRestriction.objects.filter(page=page)
    if visibility not in (LOGIN, PASSWORD):
        if existing.exists():
            existing.delete()
            tally.add("updated", "restrictions")
        return
    wanted = {
        "restriction_type": visibility,
        "password": PRIVATE_PAGE_PASSWORD if visibility == PASSWORD else "",
    }
    restriction = existing.first()
    if restriction is None:
        PageViewRestriction.objects.create(page=page, **wanted)
        tally.add("created", "restrictions")
    elif any(getattr(restriction, k) != v for k, v in wanted.items()):
        for k, v in wanted.items():
            setattr(restriction, k, v)
        restriction.save()
        tally.add("updated", "restrictions")


def build_agency(demo: AgencyDemo, tally: Tally, now: datetime) -> Agency:
    """The agency with its media, about page and consultations, in the order they link."""
    agency = ensure_agency(demo, tally)
    collection = agency.collection
    refs: dict[str, int] = {}
    for spec in demo.images:
        refs[f"image:{spec.key}"] = ensure_image(spec, agency, collection, tally).pk
    for spec in demo.documents:
        refs[f"doc:{spec.key}"] = ensure_document(spec, collection, tally).pk
    home = agency.site.root_page
    index = consultation_index(agency)
    refs["page:home"], refs["page:consultations"] = home.pk, index.pk

    about, outcome = ensure_page(home, InformationPage, demo.about, refs, now)
    refs["page:about"] = about.pk
    tally.add(outcome, "pages")
    for spec in demo.consultations:
        page, outcome = ensure_page(index, ConsultationPage, spec, refs, now)
        refs[f"page:{spec.slug}"] = page.pk
        tally.add(outcome, "pages")
        ensure_restriction(page, spec.visibility, tally)
    return agency


def ensure_user(
    spec: UserSpec, agencies: dict[str, Agency], tally: Tally, password_hash: str
) -> Any:
    """The user with its names and roles; an existing user keeps its password."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=spec.username).first()
    wanted: dict[str, Any] = {
        "first_name": spec.first_name,
        "last_name": spec.last_name,
        "is_active": True,
    }
    if any(f.name == "display_name" for f in user_model._meta.get_fields()):
        wanted["display_name"] = f"{spec.first_name} {spec.last_name}"
    if spec.superuser:
        wanted.update(is_staff=True, is_superuser=True)
    if user is None:
        # E-mail addresses are unique: set only on creation, never overwritten.
        user = user_model(username=spec.username, email=f"{spec.username}@example.org", **wanted)
        user.password = password_hash
        user.save()
        tally.add("created", "users")
    elif any(getattr(user, k) != v for k, v in wanted.items()):
        for k, v in wanted.items():
            setattr(user, k, v)
        user.save()
        tally.add("updated", "users")
    for slug, role in spec.roles:
        grant_role(agencies[slug], user, role)
    return user


def seed(now: datetime | None = None) -> SeedResult:
    """Create or refresh all demo content in one transaction."""
    anchor = day_start(now)
    tally = Tally()
    with transaction.atomic():
        agencies = {demo.spec.slug: build_agency(demo, tally, anchor) for demo in AGENCIES}
        # One hash for all demo users: they share the password, and hashing is slow on purpose.
        password_hash = make_password(DEMO_PASSWORD)
        for spec in USERS:
            ensure_user(spec, agencies, tally, password_hash)
    return SeedResult(agencies=list(agencies.values()), users=list(USERS), tally=tally)
