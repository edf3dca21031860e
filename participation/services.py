"""The only code that writes participation data.

Each service runs in one transaction, checks its `participation.abilities` rule first, validates
and normalises input, writes, keeps the counter columns exact with F() updates in the same
transaction, and returns the changed object; or raises `Refused` having written nothing.
Services take model instances (callers resolve ids through `participation.visibility`) and the
acting user, so GraphQL, the Wagtail admin and management commands all share them.
"""

from __future__ import annotations

import unicodedata
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cms.models import ConsultationPage
from participation import abilities
from participation.models import (
    Alignment,
    Comment,
    OfficialResponse,
    Proposal,
    ProposalStatus,
    Report,
    Support,
)
from participation.refusals import Code, Refused
from perf.db.transactions import locked_here, savepoint_unless_whole, service_atomic
from permissions import memberships
from permissions.models import Agency, Membership
from permissions.policy import forget_roles
from permissions.roles import CONSULTATION_SCOPED_ROLES, ROLE_PERMS, Role

# Input limits, counted in characters (Unicode code points after NFC), never bytes.
TITLE_MIN, TITLE_MAX = 3, 200
PROPOSAL_BODY_MIN, PROPOSAL_BODY_MAX = 10, 10_000
COMMENT_MIN, COMMENT_MAX = 1, 5_000
REASON_MIN, REASON_MAX = 1, 500
REPORT_REASON_MAX = 1_000
RESPONSE_MIN, RESPONSE_MAX = 1, 10_000

T = TypeVar("T", Proposal, Comment)


# --- input -----------------------------------------------------------------------------------


def clean_text(
    value: object, field: str, min_len: int, max_len: int, *, single_line: bool = False
) -> str:
    """Strip and check a text input; titles also collapse inner whitespace to single spaces.

    Text is stored verbatim otherwise (HTML is text, escaped by whoever renders it). NUL
    characters are refused: PostgreSQL cannot store them and they are never meant.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(Code.INVALID_INPUT, "Expected text.", field)
    text = unicodedata.normalize("NFC", value)
    if "\x00" in text:
        raise Refused(Code.INVALID_INPUT, "Text must not contain NUL characters.", field)
    text = " ".join(text.split()) if single_line else text.strip()
    if len(text) < min_len:
        message = (
            "This field is required."
            if not text
            else f"Write at least {min_len} characters (you wrote {len(text)})."
        )
        raise Refused(Code.INVALID_INPUT, message, field)
    if len(text) > max_len:
        raise Refused(
            Code.INVALID_INPUT,
            f"Write at most {max_len} characters (you wrote {len(text)}).",
            field,
        )
    return text


def _clean_alignment(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in Alignment.values:
        raise Refused(Code.INVALID_INPUT, "Unknown alignment.", "alignment")
    return value


def _consultation(value: object) -> ConsultationPage:
    page = getattr(value, "specific", value)
    if not isinstance(page, ConsultationPage):
        raise Refused(Code.NOT_FOUND, "No such consultation.", "consultation")
    return page


def _lock(row: T) -> T:
    """Re-read the row under a row lock (PostgreSQL) so checks see its committed state.

    A row the caller already read under its lock in this whole transaction is that state
    (perf.db.transactions.locked_here). The caller's already-loaded consultation is reused to
    spare a query.
    """
    if locked_here(row):
        return row
    locked = type(row).objects.select_for_update().get(pk=row.pk)
    if "consultation" in row._state.fields_cache:
        locked.consultation = row.consultation
    return locked


def _counts(comment: Comment) -> bool:
    """Whether the comment is in its proposal's comment_count: visible and not deleted."""
    return comment.proposal_id is not None and not comment.is_hidden and not comment.is_deleted


def _bump_comment_count(comment: Comment, delta: int) -> None:
    Proposal.objects.filter(pk=comment.proposal_id).update(comment_count=F("comment_count") + delta)


# --- proposals -------------------------------------------------------------------------------


@service_atomic
def submit_proposal(user, consultation: ConsultationPage, *, title: str, body: str) -> Proposal:
    consultation = _consultation(consultation)
    abilities.can_submit_proposal(user, consultation).require()
    title = clean_text(title, "title", TITLE_MIN, TITLE_MAX, single_line=True)
    body = clean_text(body, "body", PROPOSAL_BODY_MIN, PROPOSAL_BODY_MAX)
    now = timezone.now()
    return Proposal.objects.create(
        agency_id=consultation.agency_id,
        consultation=consultation,
        author=user,
        title=title,
        body=body,
        created_at=now,
        updated_at=now,
    )


@service_atomic
def edit_proposal(
    user, proposal: Proposal, *, title: str | None = None, body: str | None = None
) -> Proposal:
    """Change title and/or body (None keeps the old value): author only, while submitted."""
    proposal = _lock(proposal)
    abilities.can_edit_proposal(user, proposal).require()
    fields = ["updated_at"]
    if title is not None:
        proposal.title = clean_text(title, "title", TITLE_MIN, TITLE_MAX, single_line=True)
        fields.append("title")
    if body is not None:
        proposal.body = clean_text(body, "body", PROPOSAL_BODY_MIN, PROPOSAL_BODY_MAX)
        fields.append("body")
    proposal.updated_at = timezone.now()
    proposal.save(update_fields=fields)
    return proposal


@service_atomic
def withdraw_proposal(user, proposal: Proposal) -> Proposal:
    proposal = _lock(proposal)
    abilities.can_withdraw_proposal(user, proposal).require()
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.updated_at = timezone.now()
    proposal.save(update_fields=["status", "updated_at"])
    return proposal


@service_atomic
def support_proposal(user, proposal: Proposal) -> Proposal:
    """One support per user: the unique constraint decides (inside a savepoint, unless the
    caller rolls back whole: perf.db.transactions)."""
    proposal = _lock(proposal)
    abilities.can_support_proposal(user, proposal).require()
    try:
        with savepoint_unless_whole():  # a mutation rolls back whole: no savepoint there
            Support.objects.create(agency_id=proposal.agency_id, proposal=proposal, user=user)
    except IntegrityError:
        raise Refused(Code.ALREADY_SUPPORTED) from None
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    proposal.support_count += 1  # exact: we hold the row lock
    return proposal


@service_atomic
def withdraw_support(user, proposal: Proposal) -> Proposal:
    proposal = _lock(proposal)
    abilities.can_withdraw_support(user, proposal).require()
    deleted, _ = Support.objects.filter(proposal=proposal, user=user).delete()
    if not deleted:
        raise Refused(Code.NOT_SUPPORTED)
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)
    proposal.support_count -= 1
    return proposal


# --- comments --------------------------------------------------------------------------------


@service_atomic
def add_comment(
    user,
    *,
    body: str,
    consultation: ConsultationPage | None = None,
    proposal: Proposal | None = None,
    parent: Comment | None = None,
    alignment: str | None = None,
) -> Comment:
    """Comment on a consultation, on a proposal, or reply to a comment (the thread decides
    the consultation and proposal; a mismatching argument is refused)."""
    if parent is not None:
        if proposal is not None and proposal.pk != parent.proposal_id:
            raise Refused(Code.INVALID_INPUT, "The reply belongs to another thread.", "parent")
        if consultation is not None and consultation.pk != parent.consultation_id:
            raise Refused(Code.INVALID_INPUT, "The reply belongs to another thread.", "parent")
        proposal = parent.proposal
        consultation = parent.consultation
    elif proposal is not None:
        if consultation is not None and consultation.pk != proposal.consultation_id:
            raise Refused(
                Code.INVALID_INPUT, "The proposal belongs to another consultation.", "proposal"
            )
        consultation = proposal.consultation
    if consultation is None:
        raise Refused(Code.INVALID_INPUT, "Say what the comment is about.", "consultation")
    consultation = _consultation(consultation)
    abilities.can_comment(user, consultation, proposal, parent).require()
    body = clean_text(body, "body", COMMENT_MIN, COMMENT_MAX)
    comment = Comment.objects.create(
        agency_id=consultation.agency_id,
        consultation=consultation,
        proposal=proposal,
        parent=parent,
        depth=parent.depth + 1 if parent is not None else 0,
        author=user,
        body=body,
        alignment=_clean_alignment(alignment),
    )
    if _counts(comment):
        _bump_comment_count(comment, +1)
    return comment


# "Leave this field as it is" for optional edits (None is a value: "no alignment").
UNCHANGED = object()


@service_atomic
def edit_comment(user, comment: Comment, *, body: str, alignment=UNCHANGED) -> Comment:
    comment = _lock(comment)
    abilities.can_edit_comment(user, comment).require()
    comment.body = clean_text(body, "body", COMMENT_MIN, COMMENT_MAX)
    fields = ["body", "edited_at"]
    if alignment is not UNCHANGED:
        comment.alignment = _clean_alignment(alignment)
        fields.append("alignment")
    comment.edited_at = timezone.now()
    comment.save(update_fields=fields)
    return comment


@service_atomic
def delete_comment(user, comment: Comment) -> Comment:
    """Soft delete: the body is blanked, the row (and so the thread) kept."""
    comment = _lock(comment)
    abilities.can_delete_comment(user, comment).require()
    counted = _counts(comment)
    comment.is_deleted = True
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.alignment = None
    comment.save(update_fields=["is_deleted", "deleted_at", "body", "alignment"])
    if counted:
        _bump_comment_count(comment, -1)
    return comment


# --- reports and moderation ------------------------------------------------------------------


@service_atomic
def report_content(user, target: Proposal | Comment, *, reason: str) -> Report:
    """Flag a proposal or comment; reporting it again while open returns the open report."""
    abilities.can_report(user, target).require()
    reason = clean_text(reason, "reason", REASON_MIN, REPORT_REASON_MAX)
    key = {"proposal": target} if isinstance(target, Proposal) else {"comment": target}
    try:
        with transaction.atomic():
            return Report.objects.create(
                agency_id=target.agency_id, reporter=user, reason=reason, **key
            )
    except IntegrityError:
        return Report.objects.get(reporter=user, resolved_at__isnull=True, **key)


def _resolve_reports(user, target: Proposal | Comment) -> None:
    key = {"proposal": target} if isinstance(target, Proposal) else {"comment": target}
    Report.objects.filter(resolved_at__isnull=True, **key).update(
        resolved_at=timezone.now(), resolved_by=user
    )


@service_atomic
def hide_content(user, target: T, *, reason: str) -> T:
    """Hide a proposal or comment from the public (moderators); resolves its open reports."""
    abilities.can_moderate(user, target).require()
    reason = clean_text(reason, "reason", REASON_MIN, REASON_MAX)
    row = _lock(target)
    if row.is_hidden:
        return row
    counted = isinstance(row, Comment) and _counts(row)
    row.is_hidden = True
    row.hidden_by = user
    row.hidden_reason = reason
    row.hidden_at = timezone.now()
    row.save(update_fields=["is_hidden", "hidden_by", "hidden_reason", "hidden_at"])
    if counted:
        _bump_comment_count(row, -1)
    _resolve_reports(user, row)
    return row


@service_atomic
def unhide_content(user, target: T) -> T:
    abilities.can_moderate(user, target).require()
    row = _lock(target)
    if not row.is_hidden:
        return row
    row.is_hidden = False
    row.hidden_by = None
    row.hidden_reason = ""
    row.hidden_at = None
    row.save(update_fields=["is_hidden", "hidden_by", "hidden_reason", "hidden_at"])
    if isinstance(row, Comment) and _counts(row):
        _bump_comment_count(row, +1)
    return row


@service_atomic
def resolve_report(user, report: Report) -> Report:
    """Close a report without hiding its target (the moderator found nothing wrong)."""
    abilities.can_moderate(user, report.target).require()
    if report.resolved_at is None:
        report.resolved_at = timezone.now()
        report.resolved_by = user
        report.save(update_fields=["resolved_at", "resolved_by"])
    return report


# --- official responses ----------------------------------------------------------------------


@service_atomic
def respond_to_proposal(user, proposal: Proposal, *, status: str, text: str) -> Proposal:
    """Answer a proposal and set its status, in any phase; earlier answers stay as history."""
    proposal = _lock(proposal)
    abilities.can_respond(user, proposal).require()
    if status not in abilities.RESPONSE_STATUSES:
        raise Refused(Code.INVALID_INPUT, "This status cannot be set by a response.", "status")
    text = clean_text(text, "text", RESPONSE_MIN, RESPONSE_MAX)
    now = timezone.now()
    OfficialResponse.objects.create(
        agency_id=proposal.agency_id,
        proposal=proposal,
        responder=user,
        responding_agency_id=proposal.agency_id,
        previous_status=proposal.status,
        new_status=status,
        text=text,
        created_at=now,
    )
    proposal.status = status
    proposal.updated_at = now
    proposal.save(update_fields=["status", "updated_at"])
    return proposal


def latest_response(proposal: Proposal) -> OfficialResponse | None:
    """The proposal's current official response (the newest of its history)."""
    return proposal.responses.order_by("-created_at", "-id").first()


# --- roles -----------------------------------------------------------------------------------


def _check_role_change(actor, agency: Agency, role: str, consultation) -> ConsultationPage | None:
    abilities.can_manage_roles(actor, agency.pk).require()
    if role not in Role.values:
        raise Refused(Code.INVALID_INPUT, "Unknown role.", "role")
    if consultation is None:
        return None
    consultation = _consultation(consultation)
    if consultation.agency_id != agency.pk:
        raise Refused(
            Code.INVALID_INPUT, "The consultation belongs to another agency.", "consultation"
        )
    if role not in CONSULTATION_SCOPED_ROLES:
        raise Refused(
            Code.INVALID_INPUT, "This role cannot be granted for one consultation.", "role"
        )
    return consultation


def _scoped_perm(role: str) -> str:
    (perm,) = ROLE_PERMS[role]
    return str(perm)


@service_atomic
def grant_role(
    actor, agency: Agency, user, role: str, *, consultation: ConsultationPage | None = None
) -> Membership | None:
    """Give `user` a role in `agency` (agency admins of that agency, superusers), or only on
    one consultation of it (a guardian object permission; returns None)."""
    consultation = _check_role_change(actor, agency, role, consultation)
    if not abilities.is_signed_in(user):
        raise Refused(Code.INVALID_INPUT, "No such active user.", "user")
    if consultation is not None:
        from guardian.shortcuts import assign_perm

        assign_perm(_scoped_perm(role), user, consultation)
        forget_roles(user)
        return None
    membership = memberships.grant_role(agency, user, role, granted_by=actor)
    forget_roles(user)
    return membership


@service_atomic
def revoke_role(
    actor, agency: Agency, user, role: str, *, consultation: ConsultationPage | None = None
) -> bool:
    """Take a role away; returns whether the user had it. The last admin cannot be removed."""
    consultation = _check_role_change(actor, agency, role, consultation)
    if consultation is not None:
        from guardian.models import UserObjectPermission

        deleted, _ = UserObjectPermission.objects.remove_perm(
            _scoped_perm(role), user, consultation
        )
        forget_roles(user)
        return bool(deleted)
    if role == Role.ADMIN:
        admins = Membership.objects.select_for_update().filter(agency=agency, role=Role.ADMIN)
        if list(admins.values_list("user_id", flat=True)) == [user.pk]:
            raise Refused(Code.INVALID_INPUT, "An agency keeps at least one admin.", "user")
    had = memberships.revoke_role(agency, user, role)
    forget_roles(user)
    return had
