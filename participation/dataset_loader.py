"""Loading the consultation benchmark's dataset (BENCHMARK.md) through the project's models.

The JSON comes from the benchmark's `dataset.py --json`; this module never imports that script.
Rows are bulk-inserted (seconds at the normative size) with every invariant the services keep:
an agency on every row derived from its consultation, exact counter columns, real page trees
made by `cms.agencies.create_agency`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from wagtail.models import Collection, Page, Site

from accounts.models import ApiToken, User
from cms.agencies import AgencySpec, consultation_index, create_agency
from cms.models import AgencyHomePage, ConsultationPage, ConsultationPhase
from cms.phases import PhaseKind
from participation.models import Comment, Proposal, ProposalStatus, Support
from permissions.models import Agency, AgencyRoleGroup, Membership

CITIZEN_USERNAME = "bench-citizen-{:05d}"
CITIZEN_EMAIL_DOMAIN = "bench.invalid"
STATUS_MAP = {
    "open": ProposalStatus.SUBMITTED,
    "under_review": ProposalStatus.UNDER_REVIEW,
    "accepted": ProposalStatus.ACCEPTED,
    "rejected": ProposalStatus.REJECTED,
}
PHASE_KINDS = {
    "information": PhaseKind.INFORMATION,
    "proposals": PhaseKind.PROPOSALS,
    "voting": PhaseKind.SUPPORT,
    "support": PhaseKind.SUPPORT,
    "review": PhaseKind.REVIEW,
    "results": PhaseKind.RESULTS,
}
BATCH = 2000


class DatasetError(Exception):
    pass


@dataclass
class LoadSummary:
    fingerprint: str
    agencies: list[str] = field(default_factory=list)
    citizens: int = 0
    proposals: int = 0
    supports: int = 0
    comments: int = 0
    tokens: dict[int, str] = field(default_factory=dict)


def fingerprint(data: dict) -> str:
    """The same SHA-256 as the benchmark script's `--fingerprint`, over the loaded JSON."""
    blob = json.dumps(data, default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _dt(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)


def existing_agencies(data: dict) -> list[str]:
    return list(
        Agency.objects.filter(slug__in=[t["key"] for t in data["tenants"]]).values_list(
            "slug", flat=True
        )
    )


def _delete_agency(agency: Agency) -> None:
    """Remove an agency and everything it owns (for --replace)."""
    site, collection = agency.site, agency.collection
    home = AgencyHomePage.objects.filter(agency=agency).first()
    agency.site = None
    agency.save(update_fields=["site"])
    if site is not None:
        Site.objects.filter(pk=site.pk).delete()
    if home is not None:
        Page.objects.get(pk=home.pk).delete()  # the subtree; proposals etc. cascade
    Membership.objects.filter(agency=agency).delete()
    groups = [rg.group for rg in AgencyRoleGroup.objects.filter(agency=agency)]
    AgencyRoleGroup.objects.filter(agency=agency).delete()
    for group in groups:
        group.delete()
    agency.delete()
    Collection.objects.filter(pk=collection.pk).delete()


def _phases(raw_phases: list[dict], shift: timedelta) -> list[ConsultationPhase]:
    kinds = list(PhaseKind)
    phases = []
    for i, raw in enumerate(raw_phases):
        kind = PHASE_KINDS.get(raw["title"].strip().lower(), kinds[min(i, len(kinds) - 1)])
        phases.append(
            ConsultationPhase(
                sort_order=i,
                title=raw["title"],
                kind=kind,
                starts_at=_day(raw["start_date"]) + shift,
                # end_date is the phase's last day, inclusive
                ends_at=_day(raw["end_date"]) + timedelta(days=1) + shift,
            )
        )
    return phases


def _shift_to_now(raw_phases: list[dict]) -> timedelta:
    """Whole days moving the last phase so that it runs now (writes are then open)."""
    last = raw_phases[-1]
    start = _day(last["start_date"])
    end = _day(last["end_date"]) + timedelta(days=1)
    middle = start + (end - start) / 2
    return timedelta(days=(timezone.now() - middle).days)


def _citizens(data: dict, password: str | None) -> list[User]:
    """One user per citizen, in dataset order (citizen n is list index n-1)."""
    hashed = make_password(password) if password else make_password(None)
    users = [
        User(
            username=CITIZEN_USERNAME.format(n),
            email=f"{CITIZEN_USERNAME.format(n)}@{CITIZEN_EMAIL_DOMAIN}",
            display_name=citizen["display_name"],
            password=hashed,
        )
        for n, citizen in enumerate(data["citizens"], start=1)
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    if any(u.pk is None for u in users):  # backends without RETURNING
        by_name = dict(
            User.objects.filter(username__startswith="bench-citizen-").values_list("username", "pk")
        )
        for user in users:
            user.pk = by_name[user.username]
    return users


def load(
    data: dict,
    *,
    replace: bool = False,
    open_now: bool = False,
    password: str | None = None,
    tokens: bool = False,
) -> LoadSummary:
    """Load the dataset in one transaction; refuses existing agencies unless `replace`."""
    for key in ("citizens", "tenants", "proposals", "supports", "comments"):
        if not isinstance(data.get(key), list):
            raise DatasetError(f"Not a benchmark dataset: no list {key!r}.")
    summary = LoadSummary(fingerprint=fingerprint(data))
    with transaction.atomic():
        found = existing_agencies(data)
        if found and not replace:
            raise DatasetError(
                f"Agencies {', '.join(sorted(found))} already exist; use --replace to reload."
            )
        for agency in Agency.objects.filter(slug__in=found):
            _delete_agency(agency)
        User.objects.filter(username__startswith="bench-citizen-").delete()

        users = _citizens(data, password)
        summary.citizens = len(users)

        consultations: dict[str, ConsultationPage] = {}
        for tenant in data["tenants"]:
            agency = create_agency(
                AgencySpec(
                    slug=tenant["key"],
                    name_th=tenant["name"],
                    name_en=tenant["name"],
                    hostname=tenant["hostname"],
                )
            )
            raw = tenant["consultation"]
            shift = _shift_to_now(raw["phases"]) if open_now else timedelta(0)
            page = ConsultationPage(
                title=raw["title"],
                slug=raw["slug"],
                intro=raw["intro"],
                body=[{"type": "rich_text", "value": raw["body"]}],
            )
            page.phases = _phases(raw["phases"], shift)
            consultation_index(agency).add_child(instance=page)
            page.save_revision().publish()
            page.refresh_from_db()
            consultations[tenant["key"]] = page
            summary.agencies.append(agency.slug)

        support_counts = Counter(s["proposal_id"] for s in data["supports"])
        comment_counts = Counter(c["proposal_id"] for c in data["comments"])
        proposals = []
        for n, raw in enumerate(data["proposals"], start=1):
            consultation = consultations[raw["tenant"]]
            created = _dt(raw["created_at"])
            proposals.append(
                Proposal(
                    agency_id=consultation.agency_id,
                    consultation=consultation,
                    author=users[raw["author_id"] - 1],
                    title=raw["title"],
                    body=raw["body"],
                    status=STATUS_MAP.get(raw["status"], raw["status"]),
                    created_at=created,
                    updated_at=created,
                    support_count=support_counts[n],
                    comment_count=comment_counts[n],
                )
            )
        Proposal.objects.bulk_create(proposals, batch_size=BATCH)
        if any(p.pk is None for p in proposals):
            raise DatasetError("The database backend did not return the new proposal ids.")
        summary.proposals = len(proposals)

        supports = [
            Support(
                agency_id=proposals[s["proposal_id"] - 1].agency_id,
                proposal=proposals[s["proposal_id"] - 1],
                user=users[s["citizen_id"] - 1],
                created_at=_dt(s["created_at"]),
            )
            for s in data["supports"]
        ]
        Support.objects.bulk_create(supports, batch_size=BATCH)
        summary.supports = len(supports)

        comments = []
        for raw in data["comments"]:
            proposal = proposals[raw["proposal_id"] - 1]
            comments.append(
                Comment(
                    agency_id=proposal.agency_id,
                    consultation_id=proposal.consultation_id,
                    proposal=proposal,
                    author=users[raw["author_id"] - 1],
                    body=raw["body"],
                    created_at=_dt(raw["created_at"]),
                )
            )
        Comment.objects.bulk_create(comments, batch_size=BATCH)
        summary.comments = len(comments)

        if tokens:
            summary.tokens = _tokens(users)
    return summary


def _tokens(users: list[User]) -> dict[int, str]:
    """One API token per citizen (citizen number -> plain token) for the benchmark's writers."""
    import secrets

    from accounts.tokens import TOKEN_PREFIX, hash_token

    plain = {n: TOKEN_PREFIX + secrets.token_urlsafe(32) for n in range(1, len(users) + 1)}
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=users[n - 1], name="benchmark", prefix=raw[:10], key_hash=hash_token(raw))
            for n, raw in plain.items()
        ],
        batch_size=BATCH,
    )
    return plain


def summary_lines(summary: LoadSummary) -> list[str]:
    return [
        f"fingerprint sha256 {summary.fingerprint}",
        f"agencies {', '.join(summary.agencies)}",
        f"citizens {summary.citizens}  proposals {summary.proposals}  "
        f"supports {summary.supports}  comments {summary.comments}",
    ]


def read(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"Cannot read {path}: {exc}") from exc
