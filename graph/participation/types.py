"""GraphQL types of proposals, comments and official responses.

Each type's visibility is the one rule of `participation.visibility`, applied in `get_queryset`
(root fields, `node(id:)`, nested connections prefetched by the optimizer). `viewerCan` answers
come from `participation.abilities`, the same functions the services enforce.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
import strawberry_django
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from strawberry import relay
from strawberry_django.relay import DjangoListConnection

from graph.accounts.types import PUBLIC_NAME_FIELDS, ParticipantType
from graph.base import TenantScoped
from graph.context import Info
from graph.engine.comment_pages import proposal_comments
from graph.engine.executor import ROW_RESOLVER
from graph.fields import OrderedConnectionField, optional_argument
from participation import abilities
from participation.abilities import Ability as AbilityValue
from participation.models import Alignment as AlignmentChoice
from participation.models import Comment, OfficialResponse, Proposal, Support
from participation.models import ProposalStatus as ProposalStatusChoice
from participation.visibility import visible_comments, visible_proposals

if TYPE_CHECKING:
    from graph.cms.types import ConsultationType

# Plain strawberry fields resolve this lazily; strawberry-django fields would import
# graph.cms.types while it may still be importing this module (it links here too).
CMS_TYPES = strawberry.lazy("graph.cms.types")


def consultation_of(row: Proposal | Comment, info: Info) -> Any:
    """The row's consultation, one query per distinct consultation and request."""
    from cms.models import ConsultationPage

    if "consultation" in row.__dict__.get("_state").fields_cache:
        return row.consultation
    cache = info.context.cache.setdefault("consultations", {})
    if row.consultation_id not in cache:
        cache[row.consultation_id] = ConsultationPage.objects.get(pk=row.consultation_id)
    return cache[row.consultation_id]


ProposalStatus = strawberry.enum(ProposalStatusChoice, name="ProposalStatus")
Alignment = strawberry.enum(AlignmentChoice, name="Alignment")


@strawberry.enum
class ProposalOrder(Enum):
    SUPPORTS = "supports"
    NEWEST = "newest"
    OLDEST = "oldest"
    MOST_COMMENTED = "most_commented"


@strawberry.enum
class CommentOrder(Enum):
    OLDEST = "oldest"
    NEWEST = "newest"


PROPOSAL_ORDERINGS = {
    ProposalOrder.SUPPORTS: ("-support_count", "created_at", "id"),
    ProposalOrder.NEWEST: ("-created_at", "-id"),
    ProposalOrder.OLDEST: ("created_at", "id"),
    ProposalOrder.MOST_COMMENTED: ("-comment_count", "-created_at", "-id"),
}
COMMENT_ORDERINGS = {
    CommentOrder.OLDEST: ("created_at", "id"),
    CommentOrder.NEWEST: ("-created_at", "-id"),
}


@strawberry.type(description="An action the viewer may or may not take, and why not.")
class Ability:
    allowed: bool
    reason: str | None = strawberry.field(description="A stable code, e.g. PHASE_CLOSED.")
    message: str | None

    @classmethod
    def of(cls, ability: AbilityValue) -> Ability:
        message = None if ability.allowed else ability.message
        if not ability.allowed and message is None:
            from participation.refusals import DEFAULT_MESSAGES, Code

            message = str(DEFAULT_MESSAGES[Code(ability.reason)])
        return cls(allowed=ability.allowed, reason=ability.reason, message=message)


def viewer(info: Info) -> Any:
    return info.context.request.user


def signed_in(info: Info) -> bool:
    return abilities.is_signed_in(viewer(info))


# --- moderation ------------------------------------------------------------------------------


@strawberry.type(description="Why and when content was hidden; shown to its moderators only.")
class Moderation:
    is_hidden: bool
    reason: str | None
    hidden_at: datetime | None


def moderation_of(row: Proposal | Comment, info: Info) -> Moderation | None:
    if not abilities.can_moderate(viewer(info), row).allowed:
        return None
    return Moderation(
        is_hidden=row.is_hidden, reason=row.hidden_reason or None, hidden_at=row.hidden_at
    )


# --- official responses ----------------------------------------------------------------------


@strawberry_django.type(OfficialResponse, name="OfficialResponse")
class OfficialResponseType:
    """An agency's public answer to a proposal; the history is kept."""

    text: str
    created_at: datetime
    new_status: ProposalStatus
    previous_status: ProposalStatus

    @strawberry_django.field(select_related=["responding_agency"])
    def agency_name(self, root: OfficialResponse) -> str:
        return root.responding_agency.name


RESPONSES_NEWEST_FIRST = OfficialResponse.objects.select_related("responding_agency").order_by(
    "-created_at", "-id"
)


# --- comments --------------------------------------------------------------------------------


# strawberry's own descriptions of the relay arguments (its copy for `last` included), so that
# a connection resolved here reads like every other in the schema.
BEFORE = "Returns the items in the list that come before the specified cursor."
AFTER = "Returns the items in the list that come after the specified cursor."
FIRST = "Returns the first n items from the list."
LAST = "Returns the items in the list that come after the specified cursor."


class CommentsField(OrderedConnectionField):
    order_enum = CommentOrder
    order_default = CommentOrder.OLDEST
    orderings = COMMENT_ORDERINGS

    @staticmethod
    def extra_filter(queryset: QuerySet, info: Info, extras: dict) -> QuerySet:
        return queryset.filter(parent__isnull=True)


class ConsultationCommentsField(CommentsField):
    @staticmethod
    def extra_filter(queryset: QuerySet, info: Info, extras: dict) -> QuerySet:
        return queryset.filter(proposal__isnull=True, parent__isnull=True)


class RepliesField(CommentsField):
    @staticmethod
    def extra_filter(queryset: QuerySet, info: Info, extras: dict) -> QuerySet:
        return queryset


@strawberry.type
class CommentAbilities:
    edit: Ability
    delete: Ability
    reply: Ability
    report: Ability
    moderate: Ability


@strawberry_django.type(Comment, name="Comment")
class CommentType(TenantScoped, relay.Node):
    """A comment on a proposal or on a consultation; deleted ones keep their place, blanked."""

    _id_attr = "pk"  # see graph.base.NODE_ID_ATTR

    created_at: datetime
    edited_at: datetime | None
    is_deleted: bool
    is_hidden: bool
    depth: int

    @classmethod
    def visible(cls, queryset: QuerySet, info: Info) -> QuerySet:
        return visible_comments(queryset, viewer(info))

    @strawberry_django.field(only=["body", "is_deleted"])
    def body(self, root: Comment) -> str:
        return "" if root.is_deleted else root.body

    @strawberry_django.field(only=["alignment"])
    def alignment(self, root: Comment) -> Alignment | None:
        return AlignmentChoice(root.alignment) if root.alignment else None

    @strawberry_django.field(
        select_related=["author"],
        only=["is_deleted", *(f"author__{f}" for f in PUBLIC_NAME_FIELDS)],
        description="Null once the comment is deleted.",
    )
    def author(self, root: Comment) -> ParticipantType | None:
        return None if root.is_deleted else root.author

    parent: CommentType | None = strawberry_django.field()

    @strawberry.field(description="Null for a comment on the consultation itself.")
    def proposal(self, info: Info) -> ProposalType | None:
        if self.proposal_id is None:
            return None
        cache = info.context.cache.setdefault("proposals", {})
        if self.proposal_id not in cache:
            visible = ProposalType.visible(Proposal.objects.filter(pk=self.proposal_id), info)
            cache[self.proposal_id] = visible.select_related("author").first()
        return cache[self.proposal_id]

    @strawberry.field
    def consultation(self, info: Info) -> Annotated[ConsultationType, CMS_TYPES]:
        return consultation_of(self, info)

    replies: DjangoListConnection[CommentType] = strawberry_django.connection(
        field_cls=RepliesField
    )

    @strawberry_django.field(prefetch_related=["consultation__phases"])
    def viewer_can(self, root: Comment, info: Info) -> CommentAbilities:
        user = viewer(info)
        proposal = root.proposal if root.proposal_id else None
        return CommentAbilities(
            edit=Ability.of(abilities.can_edit_comment(user, root)),
            delete=Ability.of(abilities.can_delete_comment(user, root)),
            reply=Ability.of(abilities.can_comment(user, root.consultation, proposal, root)),
            report=Ability.of(abilities.can_report(user, root)),
            moderate=Ability.of(abilities.can_moderate(user, root)),
        )

    @strawberry_django.field(only=["is_hidden", "hidden_reason", "hidden_at", "agency_id"])
    def moderation(self, root: Comment, info: Info) -> Moderation | None:
        return moderation_of(root, info)


# --- proposals -------------------------------------------------------------------------------


class ProposalsField(OrderedConnectionField):
    order_enum = ProposalOrder
    order_default = ProposalOrder.NEWEST
    orderings = PROPOSAL_ORDERINGS
    extra_arguments = (optional_argument("status", ProposalStatus),)

    @staticmethod
    def extra_filter(queryset: QuerySet, info: Info, extras: dict) -> QuerySet:
        status = extras.get("status")
        return queryset.filter(status=status.value) if status is not None else queryset


@strawberry.type
class ProposalAbilities:
    edit: Ability
    withdraw: Ability
    support: Ability
    withdraw_support: Ability
    comment: Ability
    report: Ability
    moderate: Ability
    respond: Ability


@strawberry_django.type(Proposal, name="Proposal")
class ProposalType(TenantScoped, relay.Node):
    """A citizen's proposal in a consultation."""

    _id_attr = "pk"  # see graph.base.NODE_ID_ATTR

    title: str
    body: str
    status: ProposalStatus
    created_at: datetime
    updated_at: datetime
    support_count: int
    comment_count: int
    is_hidden: bool

    @classmethod
    def visible(cls, queryset: QuerySet, info: Info) -> QuerySet:
        user = viewer(info)
        queryset = visible_proposals(queryset, user)
        if abilities.is_signed_in(user):
            mine = Support.objects.filter(proposal_id=OuterRef("pk"), user_id=user.pk)
            return queryset.annotate(viewer_supports=Exists(mine))
        return queryset  # the public supports nothing: viewer_has_supported reads False

    @strawberry_django.field(
        select_related=["author"],
        only=[f"author__{f}" for f in PUBLIC_NAME_FIELDS],
    )
    def author(self, root: Proposal) -> ParticipantType:
        return root.author

    @strawberry_django.field(description="Whether the signed-in viewer supports this proposal.")
    def viewer_has_supported(self, root: Proposal) -> bool:
        return bool(getattr(root, "viewer_supports", False))

    @strawberry_django.field(
        prefetch_related=[Prefetch("responses", queryset=RESPONSES_NEWEST_FIRST)],
        description="The agency's latest official response, if any.",
    )
    def official_response(self, root: Proposal) -> OfficialResponseType | None:
        responses = root.responses.all()
        return responses[0] if responses else None

    @strawberry_django.field(
        prefetch_related=[Prefetch("responses", queryset=RESPONSES_NEWEST_FIRST)],
        description="Every official response, newest first.",
    )
    def official_responses(self, root: Proposal) -> list[OfficialResponseType]:
        return list(root.responses.all())

    @strawberry.field
    def consultation(self, info: Info) -> Annotated[ConsultationType, CMS_TYPES]:
        return consultation_of(self, info)

    @strawberry.field(
        description="Top-level comments; replies nest below them.",
        metadata={ROW_RESOLVER: True},  # reads its row, the request and its arguments only
    )
    def comments(
        self,
        info: Info,
        order_by: CommentOrder | None = CommentOrder.OLDEST,
        before: Annotated[str | None, strawberry.argument(description=BEFORE)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        last: Annotated[int | None, strawberry.argument(description=LAST)] = None,
    ) -> DjangoListConnection[CommentType]:
        # One windowed statement for the comments of every proposal of the list (comment_pages).
        ordering = COMMENT_ORDERINGS[order_by or CommentOrder.OLDEST]
        return proposal_comments(
            info,
            self,
            (ordering, before, after, first, last),
            lambda: CommentType.visible(Comment.objects.filter(parent__isnull=True), info),
            DjangoListConnection[CommentType],
        )

    @strawberry_django.field(prefetch_related=["consultation__phases"])
    def viewer_can(self, root: Proposal, info: Info) -> ProposalAbilities:
        user = viewer(info)
        has = bool(getattr(root, "viewer_supports", False)) if signed_in(info) else None
        return ProposalAbilities(
            edit=Ability.of(abilities.can_edit_proposal(user, root)),
            withdraw=Ability.of(abilities.can_withdraw_proposal(user, root)),
            support=Ability.of(abilities.can_support_proposal(user, root, has_supported=has)),
            withdraw_support=Ability.of(
                abilities.can_withdraw_support(user, root, has_supported=has)
            ),
            comment=Ability.of(abilities.can_comment(user, root.consultation, root)),
            report=Ability.of(abilities.can_report(user, root)),
            moderate=Ability.of(abilities.can_moderate(user, root)),
            respond=Ability.of(abilities.can_respond(user, root)),
        )

    @strawberry_django.field(only=["is_hidden", "hidden_reason", "hidden_at", "agency_id"])
    def moderation(self, root: Proposal, info: Info) -> Moderation | None:
        return moderation_of(root, info)


@strawberry.type
class ConsultationAbilities:
    submit_proposal: Ability
    comment: Ability
    moderate: Ability


def consultation_abilities(consultation: Any, info: Info) -> ConsultationAbilities:
    user = viewer(info)
    return ConsultationAbilities(
        submit_proposal=Ability.of(abilities.can_submit_proposal(user, consultation)),
        comment=Ability.of(abilities.can_comment(user, consultation)),
        moderate=Ability.of(abilities.can_moderate(user, consultation)),
    )
