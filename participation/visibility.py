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
from cms.visibility import public_q
from participation.abilities import is_signed_in, remember_public
from participation.models import Comment, Proposal
from participation.refusals import Code, Refused
from perf.db.transactions import locking, mark_locked
from permissions.policy import agencies_with_perm, has_object_grants, object_perm_q
from permissions.roles import Perm


def public_consultation_q(prefix: str = "consultation__") -> Q:
    """Rows of a public consultation (cms.visibility's rule, through the row's consultation)."""
    return public_q(prefix)


def moderated_by_q(user: object) -> Q | None:
    """Rows the user moderates: their agency-wide role, or a per-consultation grant; None
    when they moderate nothing anywhere (most viewers), so there is no branch to add."""
    agencies = agencies_with_perm(user, Perm.MODERATE)
    if not agencies and not has_object_grants(user, Perm.MODERATE, ConsultationPage):
        return None
    return Q(agency_id__in=agencies) | object_perm_q(
        user, Perm.MODERATE, ConsultationPage, field="consultation_id"
    )


def _beyond_public(user: object) -> Q | None:
    """The one branch of a viewer's condition that reaches past the public rule (the rows they
    moderate), or None. Both lists and `_sees_public_rows_only` ask here, so they agree."""
    return moderated_by_q(user) if is_signed_in(user) else None


def _sees_public_rows_only(user: object) -> bool:
    """No superuser, nothing beyond the public rule: every row the viewer may read is in a
    public consultation, since the rule is then a conjunct of their whole condition."""
    return not _is_superuser(user) and _beyond_public(user) is None


def _is_superuser(user: object) -> bool:
    return is_signed_in(user) and getattr(user, "is_superuser", False)


def visible_proposals(qs: QuerySet[Proposal], user: object) -> QuerySet[Proposal]:
    if _is_superuser(user):
        return qs
    shown = Q(is_hidden=False)
    if is_signed_in(user):
        shown |= Q(author_id=user.pk)
    condition = public_consultation_q() & shown
    beyond = _beyond_public(user)
    if beyond is not None:
        condition |= beyond
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
    beyond = _beyond_public(user)
    if beyond is not None:
        condition |= beyond
    return qs.filter(condition)


CONSULTATION_PUBLIC = "_consultation_public"


def _with_consultation(queryset: QuerySet, public_only: bool) -> QuerySet:
    """The row's consultation joined, and whether it is public read in the same statement (the
    participation checks ask next; `abilities.remember_public`). For a viewer who sees public
    rows only, a row found is public: the rule is already in the filter and is not evaluated
    twice."""
    joined = queryset.select_related("consultation")
    if public_only:
        return joined
    return joined.annotate(
        **{CONSULTATION_PUBLIC: ExpressionWrapper(public_consultation_q(), BooleanField())}
    )


def _loaded(row: Proposal | Comment, public_only: bool) -> Proposal | Comment:
    remember_public(row.consultation, public_only or getattr(row, CONSULTATION_PUBLIC))
    return row


def _get_visible(queryset: QuerySet, user: object, pk: int | str, lock: bool) -> Proposal | Comment:
    public_only = _sees_public_rows_only(user)
    queryset = _with_consultation(queryset, public_only)
    if not lock:
        return _loaded(queryset.get(pk=pk), public_only)
    return mark_locked(_loaded(locking(queryset).get(pk=pk), public_only))


def get_visible_proposal(user: object, pk: int | str, *, lock: bool = False) -> Proposal:
    """The proposal if the viewer may see it, else Refused(NOT_FOUND) (hidden rows included).

    `lock`: for a service that locks the row, read it under its lock inside a whole transaction
    (perf.db.transactions.locking), so the service need not read it again."""
    try:
        return _get_visible(visible_proposals(Proposal.objects.all(), user), user, pk, lock)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise Refused(Code.NOT_FOUND) from None


def get_visible_comment(user: object, pk: int | str, *, lock: bool = False) -> Comment:
    try:
        return _get_visible(visible_comments(Comment.objects.all(), user), user, pk, lock)
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise Refused(Code.NOT_FOUND) from None
