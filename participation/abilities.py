"""Every participation rule, once: who may do what, in which phase, to which row.

Each `can_*` function is pure (it reads, never writes) and returns an `Ability`; the services call
them before writing and the GraphQL layer reuses them for `viewerCan`. Rights come from the row's
agency and the viewer's roles there (`permissions.policy`), never from a client-claimed agency.

Lookups are memoised on the objects passed in (the consultation's phases and publicity, the
viewer's roles), so asking about many proposals of one consultation costs no extra queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from cms.models import ConsultationPage
from cms.phases import PhaseKind
from cms.visibility import is_public_page
from participation.models import MAX_COMMENT_DEPTH, Comment, Proposal, ProposalStatus
from participation.refusals import Code, Refused
from permissions.policy import has_agency_perm, has_object_perm, is_signed_in
from permissions.roles import Perm

# Which phase kinds open which citizen action (DESIGN.md); official responses ignore phases.
SUBMIT_PHASES = frozenset({PhaseKind.PROPOSALS})
SUPPORT_PHASES = frozenset({PhaseKind.PROPOSALS, PhaseKind.SUPPORT})
PROPOSAL_COMMENT_PHASES = frozenset({PhaseKind.PROPOSALS, PhaseKind.SUPPORT})
CONSULTATION_COMMENT_PHASES = frozenset(
    {PhaseKind.INFORMATION, PhaseKind.PROPOSALS, PhaseKind.SUPPORT}
)
EDIT_PROPOSAL_PHASES = SUBMIT_PHASES
# Statuses an author may still withdraw from (before the agency decided).
WITHDRAWABLE = frozenset({ProposalStatus.SUBMITTED, ProposalStatus.UNDER_REVIEW})
# Statuses a responder may set (withdrawing is the author's act).
RESPONSE_STATUSES = frozenset(set(ProposalStatus) - {ProposalStatus.WITHDRAWN})

_PHASES_ATTR = "_ruamkhid_phases"
_PUBLIC_ATTR = "_ruamkhid_is_public"


@dataclass(frozen=True, slots=True)
class Ability:
    """Whether the viewer may take an action, and if not, the stable code saying why."""

    allowed: bool
    reason: str | None = None
    message: str | None = None

    def require(self) -> None:
        """Raise `Refused` unless allowed (how services use abilities)."""
        if not self.allowed:
            raise Refused(self.reason or Code.ROLE_REQUIRED, self.message)


ALLOWED = Ability(True)


def _or_allowed(refusal: Ability | None) -> Ability:
    return ALLOWED if refusal is None else refusal


def refuse(code: Code, message: str | None = None) -> Ability:
    return Ability(False, code.value, message)


# --- facts about the viewer and the consultation ---------------------------------------------


def is_public(consultation: ConsultationPage) -> bool:
    """Live and not behind a view restriction (its own or an ancestor's); memoised."""
    cached = getattr(consultation, _PUBLIC_ATTR, None)
    if cached is None:
        cached = is_public_page(consultation)  # cms.visibility: the rule lists use too
        setattr(consultation, _PUBLIC_ATTR, cached)
    return cached


def remember_public(consultation: ConsultationPage, public: bool) -> None:
    """What `is_public` answers for this instance, read by a query that evaluated the same
    rule (cms.visibility.public_q) on the row while loading it: no query of its own."""
    setattr(consultation, _PUBLIC_ATTR, bool(public))


def current_phase_kind(consultation: ConsultationPage, now: datetime | None = None) -> str | None:
    """The kind of the phase running at `now`, or None between/outside phases."""
    phases = getattr(consultation, _PHASES_ATTR, None)
    if phases is None:
        phases = [(p.kind, p.starts_at, p.ends_at) for p in consultation.phases.all()]
        setattr(consultation, _PHASES_ATTR, phases)
    now = now or timezone.now()
    for kind, starts_at, ends_at in phases:
        if starts_at <= now < ends_at:
            return kind
    return None


def is_moderator(user: object, consultation: ConsultationPage) -> bool:
    """Moderator of the consultation's agency, or of this one consultation (guardian)."""
    return is_signed_in(user) and has_object_perm(
        user, Perm.MODERATE, consultation, consultation.agency_id
    )


def is_responder(user: object, consultation: ConsultationPage) -> bool:
    return is_signed_in(user) and has_object_perm(
        user, Perm.RESPOND, consultation, consultation.agency_id
    )


def _participation_open(
    user: object, consultation: ConsultationPage, phases: frozenset[str], now: datetime | None
) -> Ability | None:
    """The common refusals of a citizen action, in order; None when none applies."""
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if not is_public(consultation):
        return refuse(Code.CONSULTATION_NOT_PUBLIC)
    if current_phase_kind(consultation, now) not in phases:
        return refuse(Code.PHASE_CLOSED)
    return None


def _is_author(user: object, row: Proposal | Comment) -> bool:
    return is_signed_in(user) and row.author_id == user.pk


# --- proposals -------------------------------------------------------------------------------


def can_submit_proposal(
    user: object, consultation: ConsultationPage, now: datetime | None = None
) -> Ability:
    return _or_allowed(_participation_open(user, consultation, SUBMIT_PHASES, now))


def can_edit_proposal(user: object, proposal: Proposal, now: datetime | None = None) -> Ability:
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if not _is_author(user, proposal):
        return refuse(Code.NOT_AUTHOR)
    if proposal.is_hidden:
        return refuse(Code.HIDDEN)
    if proposal.status == ProposalStatus.WITHDRAWN:
        return refuse(Code.WITHDRAWN)
    if proposal.status != ProposalStatus.SUBMITTED:
        return refuse(Code.PHASE_CLOSED, "A proposal can only be edited until it is reviewed.")
    return _or_allowed(_participation_open(user, proposal.consultation, EDIT_PROPOSAL_PHASES, now))


def can_withdraw_proposal(user: object, proposal: Proposal) -> Ability:
    """The author may withdraw in any phase, until the agency has decided."""
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if not _is_author(user, proposal):
        return refuse(Code.NOT_AUTHOR)
    if proposal.status == ProposalStatus.WITHDRAWN:
        return refuse(Code.WITHDRAWN)
    if proposal.status not in WITHDRAWABLE:
        return refuse(Code.PHASE_CLOSED, "The agency has already decided on this proposal.")
    return ALLOWED


def can_support_proposal(
    user: object,
    proposal: Proposal,
    *,
    has_supported: bool | None = None,
    now: datetime | None = None,
) -> Ability:
    """`has_supported` (if the caller knows it) adds ALREADY_SUPPORTED; the service itself
    relies on the unique constraint instead."""
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if proposal.is_hidden:
        return refuse(Code.HIDDEN)
    if proposal.status == ProposalStatus.WITHDRAWN:
        return refuse(Code.WITHDRAWN)
    closed = _participation_open(user, proposal.consultation, SUPPORT_PHASES, now)
    if closed is not None:
        return closed
    if has_supported:
        return refuse(Code.ALREADY_SUPPORTED)
    return ALLOWED


def can_withdraw_support(
    user: object,
    proposal: Proposal,
    *,
    has_supported: bool | None = None,
    now: datetime | None = None,
) -> Ability:
    closed = _participation_open(user, proposal.consultation, SUPPORT_PHASES, now)
    if closed is not None:
        return closed
    if has_supported is False:
        return refuse(Code.NOT_SUPPORTED)
    return ALLOWED


# --- comments --------------------------------------------------------------------------------


def can_comment(
    user: object,
    consultation: ConsultationPage,
    proposal: Proposal | None = None,
    parent: Comment | None = None,
    now: datetime | None = None,
) -> Ability:
    """Comment on the consultation itself (proposal None) or on a proposal, or reply."""
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if proposal is not None:
        if proposal.is_hidden:
            return refuse(Code.HIDDEN)
        if proposal.status == ProposalStatus.WITHDRAWN:
            return refuse(Code.WITHDRAWN)
    if parent is not None:
        if parent.is_hidden:
            return refuse(Code.HIDDEN)
        if parent.is_deleted:
            return refuse(Code.DELETED)
    phases = PROPOSAL_COMMENT_PHASES if proposal is not None else CONSULTATION_COMMENT_PHASES
    closed = _participation_open(user, consultation, phases, now)
    if closed is not None:
        return closed
    if parent is not None and parent.depth >= MAX_COMMENT_DEPTH:
        return refuse(Code.DEPTH_LIMIT)
    return ALLOWED


def can_edit_comment(user: object, comment: Comment, now: datetime | None = None) -> Ability:
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if not _is_author(user, comment):
        return refuse(Code.NOT_AUTHOR)
    if comment.is_deleted:
        return refuse(Code.DELETED)
    if comment.is_hidden:
        return refuse(Code.HIDDEN)
    phases = PROPOSAL_COMMENT_PHASES if comment.proposal_id else CONSULTATION_COMMENT_PHASES
    return _or_allowed(_participation_open(user, comment.consultation, phases, now))


def can_delete_comment(user: object, comment: Comment) -> Ability:
    """The author (in any phase: taking one's words back is always possible) or a moderator."""
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if comment.is_deleted:
        return refuse(Code.DELETED)
    if _is_author(user, comment) or is_moderator(user, comment.consultation):
        return ALLOWED
    return refuse(Code.NOT_AUTHOR)


# --- reports, moderation, responses, roles ---------------------------------------------------


def can_report(user: object, target: Proposal | Comment) -> Ability:
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if target.is_hidden:
        return refuse(Code.HIDDEN)
    if isinstance(target, Comment) and target.is_deleted:
        return refuse(Code.DELETED)
    if not is_public(target.consultation):
        return refuse(Code.CONSULTATION_NOT_PUBLIC)
    return ALLOWED


def can_moderate(user: object, target: Proposal | Comment | ConsultationPage) -> Ability:
    """Hide, unhide, delete others' comments, handle reports: in any phase."""
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    consultation = target if isinstance(target, ConsultationPage) else target.consultation
    return ALLOWED if is_moderator(user, consultation) else refuse(Code.ROLE_REQUIRED)


def can_respond(user: object, proposal: Proposal) -> Ability:
    """Official responses and status changes: responders, in any phase."""
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if not is_responder(user, proposal.consultation):
        return refuse(Code.ROLE_REQUIRED)
    if proposal.status == ProposalStatus.WITHDRAWN:
        return refuse(Code.WITHDRAWN)
    return ALLOWED


def can_manage_roles(user: object, agency_id: int) -> Ability:
    if not is_signed_in(user):
        return refuse(Code.NOT_SIGNED_IN)
    if not has_agency_perm(user, Perm.MANAGE_MEMBERSHIPS, agency_id):
        return refuse(Code.ROLE_REQUIRED)
    return ALLOWED


# --- bundles for GraphQL `viewerCan` ---------------------------------------------------------


def consultation_abilities(
    user: object, consultation: ConsultationPage, now: datetime | None = None
) -> dict[str, Ability]:
    """What the viewer may do on a consultation page (ConsultationAbilities)."""
    return {
        "submit_proposal": can_submit_proposal(user, consultation, now),
        "comment": can_comment(user, consultation, now=now),
        "moderate": can_moderate(user, consultation),
    }


def proposal_abilities(
    user: object,
    proposal: Proposal,
    *,
    has_supported: bool | None = None,
    now: datetime | None = None,
) -> dict[str, Ability]:
    """What the viewer may do on a proposal (ProposalAbilities); pass `has_supported` when
    known (viewerHasSupported) so support/withdraw_support say ALREADY_/NOT_SUPPORTED."""
    consultation = proposal.consultation
    return {
        "support": can_support_proposal(user, proposal, has_supported=has_supported, now=now),
        "withdraw_support": can_withdraw_support(
            user, proposal, has_supported=has_supported, now=now
        ),
        "comment": can_comment(user, consultation, proposal, now=now),
        "edit": can_edit_proposal(user, proposal, now),
        "withdraw": can_withdraw_proposal(user, proposal),
        "report": can_report(user, proposal),
        "moderate": can_moderate(user, proposal),
        "respond": can_respond(user, proposal),
    }
