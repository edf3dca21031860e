"""Participation mutations: thin calls into `participation.services`, one transaction each.

Ids are looked up through the viewer's visibility first, so content the viewer may not see is
NOT_FOUND (never a hint that it exists), and the changed object is read back through it too,
except after a support (`supported_payload`).
"""

from __future__ import annotations

from typing import Any

import strawberry
from django.db.models import Model

from cms.models import ConsultationPage
from cms.visibility import public_pages
from graph.context import Info
from graph.mutations import MutationError, attempt, decode_id
from graph.participation.types import (
    Alignment,
    CommentType,
    ProposalStatus,
    ProposalType,
    viewer,
)
from participation import services
from participation.models import Comment, Proposal
from participation.refusals import Code, Refused
from participation.services import UNCHANGED
from participation.visibility import get_visible_comment, get_visible_proposal


@strawberry.type
class ProposalPayload:
    proposal: ProposalType | None
    errors: list[MutationError]


@strawberry.type
class CommentPayload:
    comment: CommentType | None
    errors: list[MutationError]


@strawberry.type
class ReportPayload:
    ok: bool
    errors: list[MutationError]


@strawberry.type(description="The moderated proposal or comment (the other one is null).")
class ModerationPayload:
    proposal: ProposalType | None
    comment: CommentType | None
    errors: list[MutationError]


# `lock=True` where the service locks the row it is given (participation.services._lock): the
# lookup reads it under that lock, and the service does not read it again.


def proposal_arg(
    info: Info, value: strawberry.ID, field: str = "id", *, lock: bool = False
) -> Proposal:
    _, pk = decode_id(value, {"Proposal"}, field)
    return get_visible_proposal(viewer(info), pk, lock=lock)


def comment_arg(
    info: Info, value: strawberry.ID, field: str = "id", *, lock: bool = False
) -> Comment:
    _, pk = decode_id(value, {"Comment"}, field)
    return get_visible_comment(viewer(info), pk, lock=lock)


def content_arg(
    info: Info, value: strawberry.ID, field: str = "id", *, lock: bool = False
) -> Proposal | Comment:
    type_name, pk = decode_id(value, {"Proposal", "Comment"}, field)
    if type_name == "Proposal":
        return get_visible_proposal(viewer(info), pk, lock=lock)
    return get_visible_comment(viewer(info), pk, lock=lock)


def consultation_arg(value: strawberry.ID, field: str) -> ConsultationPage:
    _, pk = decode_id(value, {"Consultation"}, field)
    found = public_pages(ConsultationPage.objects.filter(pk=pk)).first()
    if found is None:
        raise Refused(Code.NOT_FOUND, field=field)
    return found


def reread_proposal(info: Info, row: Model | None) -> Proposal | None:
    if row is None:
        return None
    return ProposalType.visible(Proposal.objects.filter(pk=row.pk), info).first()


def reread_comment(info: Info, row: Model | None) -> Comment | None:
    if row is None:
        return None
    return CommentType.visible(Comment.objects.filter(pk=row.pk), info).first()


def argument_names(action, names: dict[str, str]):
    """`action`, with the services' field names in its refusals renamed to argument names."""

    def run():
        try:
            return action()
        except Refused as exc:
            exc.field = names.get(exc.field, exc.field)
            raise

    return run


# The services name the field at fault after their parameters; payloads name the argument.
COMMENT_ARGUMENTS = {
    "parent": "parentId",
    "proposal": "proposalId",
    "consultation": "consultationId",
}


def proposal_payload(info: Info, action) -> ProposalPayload:
    row, errors = attempt(action)
    return ProposalPayload(proposal=reread_proposal(info, row), errors=errors)


def supported_payload(action) -> ProposalPayload:
    """The proposal after a support, without reading it back: the service re-checks under the
    row lock everything the public visibility rule depends on (not hidden, consultation live
    and unrestricted: HIDDEN or PHASE refusals otherwise) and a support changes none of it, so
    the locked row, counted exactly, is visible to the viewer; their support is what the action
    just made (viewerHasSupported, which ProposalType.visible would annotate)."""
    row, errors = attempt(action)
    if row is not None:
        row.viewer_supports = True
    return ProposalPayload(proposal=row, errors=errors)


def comment_payload(info: Info, action) -> CommentPayload:
    row, errors = attempt(action)
    return CommentPayload(comment=reread_comment(info, row), errors=errors)


def alignment_value(alignment: Any) -> str | None:
    return alignment.value if alignment is not None else None


@strawberry.type
class ParticipationMutation:
    @strawberry.mutation(description="Submit a proposal to a consultation in its PROPOSALS phase.")
    def submit_proposal(
        self, info: Info, consultation_id: strawberry.ID, title: str, body: str
    ) -> ProposalPayload:
        return proposal_payload(
            info,
            lambda: services.submit_proposal(
                viewer(info),
                consultation_arg(consultation_id, "consultationId"),
                title=title,
                body=body,
            ),
        )

    @strawberry.mutation(description="Change your own proposal while proposals are open.")
    def edit_proposal(
        self,
        info: Info,
        id: strawberry.ID,
        title: str | None = None,
        body: str | None = None,
    ) -> ProposalPayload:
        def action() -> Proposal:
            proposal = proposal_arg(info, id, lock=True)
            return services.edit_proposal(viewer(info), proposal, title=title, body=body)

        return proposal_payload(info, action)

    @strawberry.mutation
    def withdraw_proposal(self, info: Info, id: strawberry.ID) -> ProposalPayload:
        return proposal_payload(
            info,
            lambda: services.withdraw_proposal(viewer(info), proposal_arg(info, id, lock=True)),
        )

    @strawberry.mutation
    def support_proposal(self, info: Info, id: strawberry.ID) -> ProposalPayload:
        return supported_payload(
            lambda: services.support_proposal(viewer(info), proposal_arg(info, id, lock=True))
        )

    @strawberry.mutation
    def withdraw_support(self, info: Info, id: strawberry.ID) -> ProposalPayload:
        return proposal_payload(
            info, lambda: services.withdraw_support(viewer(info), proposal_arg(info, id, lock=True))
        )

    @strawberry.mutation(
        description="Comment on a proposal (proposalId), on the consultation itself "
        "(consultationId), or reply to a comment (parentId)."
    )
    def add_comment(
        self,
        info: Info,
        body: str,
        proposal_id: strawberry.ID | None = None,
        consultation_id: strawberry.ID | None = None,
        parent_id: strawberry.ID | None = None,
        alignment: Alignment | None = None,
    ) -> CommentPayload:
        def action() -> Comment:
            if proposal_id is None and consultation_id is None and parent_id is None:
                raise Refused(
                    Code.INVALID_INPUT,
                    "Say what you comment on: proposalId, consultationId or parentId.",
                    "proposalId",
                )
            return services.add_comment(
                viewer(info),
                body=body,
                consultation=consultation_arg(consultation_id, "consultationId")
                if consultation_id is not None
                else None,
                proposal=proposal_arg(info, proposal_id, "proposalId")
                if proposal_id is not None
                else None,
                parent=comment_arg(info, parent_id, "parentId") if parent_id is not None else None,
                alignment=alignment_value(alignment),
            )

        return comment_payload(info, argument_names(action, COMMENT_ARGUMENTS))

    @strawberry.mutation
    def edit_comment(
        self,
        info: Info,
        id: strawberry.ID,
        body: str,
        alignment: Alignment | None = strawberry.UNSET,
    ) -> CommentPayload:
        kept = UNCHANGED if alignment is strawberry.UNSET else alignment_value(alignment)
        return comment_payload(
            info,
            lambda: services.edit_comment(
                viewer(info), comment_arg(info, id, lock=True), body=body, alignment=kept
            ),
        )

    @strawberry.mutation(description="Delete a comment: the text is blanked, the thread kept.")
    def delete_comment(self, info: Info, id: strawberry.ID) -> CommentPayload:
        return comment_payload(
            info, lambda: services.delete_comment(viewer(info), comment_arg(info, id, lock=True))
        )

    @strawberry.mutation(description="Report a proposal or a comment to the agency's moderators.")
    def report_content(self, info: Info, id: strawberry.ID, reason: str) -> ReportPayload:
        report, errors = attempt(
            lambda: services.report_content(viewer(info), content_arg(info, id), reason=reason)
        )
        return ReportPayload(ok=report is not None, errors=errors)

    @strawberry.mutation(description="Hide a proposal or comment from the public (moderators).")
    def hide_content(self, info: Info, id: strawberry.ID, reason: str) -> ModerationPayload:
        return moderation_payload(
            info,
            lambda: services.hide_content(
                viewer(info), content_arg(info, id, lock=True), reason=reason
            ),
        )

    @strawberry.mutation(description="Show hidden content to the public again (moderators).")
    def unhide_content(self, info: Info, id: strawberry.ID) -> ModerationPayload:
        return moderation_payload(
            info, lambda: services.unhide_content(viewer(info), content_arg(info, id, lock=True))
        )

    @strawberry.mutation(description="Give an official response and set the proposal's status.")
    def respond_to_proposal(
        self, info: Info, id: strawberry.ID, status: ProposalStatus, text: str
    ) -> ProposalPayload:
        return proposal_payload(
            info,
            lambda: services.respond_to_proposal(
                viewer(info), proposal_arg(info, id, lock=True), status=status.value, text=text
            ),
        )


def moderation_payload(info: Info, action) -> ModerationPayload:
    row, errors = attempt(action)
    return ModerationPayload(
        proposal=reread_proposal(info, row) if isinstance(row, Proposal) else None,
        comment=reread_comment(info, row) if isinstance(row, Comment) else None,
        errors=errors,
    )
