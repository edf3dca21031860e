"""Which participation rows a viewer may read, as one queryset filter.

The public sees non-hidden content of live, unrestricted consultations. Moderators of the row's
agency (or of its consultation, through a guardian object permission) see everything of it,
hidden rows included; authors also see their own hidden rows. The filters add only lazy
subqueries (no per-row Python, no extra round trip once the viewer's roles are loaded), so the
GraphQL layer can use them in `get_queryset` for lists, `node(id:)` and nested prefetches alike.
"""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from cms.models import ConsultationPage
from cms.phase_rows import ROWS_ATTR, remember_phases, with_phases
from cms.visibility import public_q
from config.transactions import locking, mark_locked
from participation.abilities import is_signed_in, remember_public
from participation.models import Comment, Proposal
from participation.refusals import Code, Refused
from permissions.policy import agencies_with_perm, object_perm_q
from permissions.roles import Perm


def public_consultation_q(prefix: str = "consultation__") -> Q:
    """Rows of a public consultation (cms.visibility's rule, through the row's consultation)."""
    return public_q(prefix)


def moderated_by_q(user: object) -> Q:
    """Rows the user moderates: their agency-wide role, or a per-consultation grant."""
    return Q(agency_id__in=agencies_with_perm(user, Perm.MODERATE)) | object_perm_q(
        user, Perm.MODERATE, ConsultationPage, field="consultation_id"
    )


def _is_superuser(user: object) -> bool:
    return is_signed_in(user) and getattr(user, "is_superuser", False)


def visible_proposals(qs: QuerySet[Proposal], user: object) -> QuerySet[Proposal]:
    if _is_superuser(user):
        return qs
    shown = Q(is_hidden=False)
    if is_signed_in(user):
        shown |= Q(author_id=user.pk)
    condition = public_consultation_q() & shown
    if is_signed_in(user):
        condition |= moderated_by_q(user)
    return qs.filter(condition)


def visible_comments(qs: QuerySet[Comment], user: object) -> QuerySet[Comment]:
    """Like proposals; a comment on a hidden proposal is hidden with it.

    Deleted comments stay in the list (blanked) so that threads keep their shape.
    """
    if _is_superuser(user):
        return qs
    own = Q(author_id=user.pk) if is_signed_in(user) else Q(pk__in=[])
    on_visible_proposal = Q(proposal__isnull=True) | Q(proposal__is_hidden=False)
    if is_signed_in(user):
        on_visible_proposal |= Q(proposal__author_id=user.pk)
    condition = public_consultation_q() & (Q(is_hidden=False) | own) & on_visible_proposal
    if is_signed_in(user):
        condition |= moderated_by_q(user)
    return qs.filter(condition)


CONSULTATION_PUBLIC = "_consultation_public"


def _with_consultation(queryset: QuerySet) -> QuerySet:
    """The row's consultation joined, and whether it is public and its phases read in the same
    statement (the participation checks ask next; `abilities.remember_public`,
    `cms.phase_rows`)."""
    annotated = queryset.select_related("consultation").annotate(
        **{CONSULTATION_PUBLIC: ExpressionWrapper(public_consultation_q(), BooleanField())}
    )
    return with_phases(annotated, page_ref="consultation_id")


def _loaded(row: Proposal | Comment) -> Proposal | Comment:
    remember_public(row.consultation, getattr(row, CONSULTATION_PUBLIC))
    remember_phases(row.consultation, getattr(row, ROWS_ATTR))
    return row


def _get_visible(queryset: QuerySet, pk: int | str, lock: bool) -> Proposal | Comment:
    queryset = _with_consultation(queryset)
    if not lock:
        return _loaded(queryset.get(pk=pk))
    return mark_locked(_loaded(locking(queryset).get(pk=pk)))


def get_visible_proposal(user: object, pk: int | str, *, lock: bool = False) -> Proposal:
    """The proposal if the viewer may see it, else Refused(NOT_FOUND) (hidden rows included).

    `lock`: for a service that locks the row, read it under its lock inside a whole transaction
    (config.transactions.locking), so the service need not read it again."""
    try:
        return _get_visible(visible_proposals(Proposal.objects.all(), user), pk, lock)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise Refused(Code.NOT_FOUND) from None


def get_visible_comment(user: object, pk: int | str, *, lock: bool = False) -> Comment:
    try:
        return _get_visible(visible_comments(Comment.objects.all(), user), pk, lock)
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise Refused(Code.NOT_FOUND) from None
