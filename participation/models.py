"""What citizens say about a consultation: proposals, comments, supports, reports, responses.

Every row carries a non-null `agency`, copied from its consultation by the services (never taken
from input), so visibility and rights can be decided from the row alone. Rows are only written by
`participation.services`, which keeps the counter columns exact in the writing transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from perf.db.row_loading import BuiltFromColumns, ListAware
from perf.db.statement_cache import CompiledOnce

# Replies nest at most this deep: 0 = top-level, 1 = reply, 2 = reply to a reply (3 levels).
MAX_COMMENT_DEPTH = 2


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IMPLEMENTED = "implemented", _("Implemented")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Alignment(models.TextChoices):
    IN_FAVOUR = "in_favour", _("In favour")
    NEUTRAL = "neutral", _("Neutral")
    AGAINST = "against", _("Against")


class Moderated(BuiltFromColumns):
    """Moderation state shared by proposals and comments: hidden rows vanish for the public."""

    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_reason = models.CharField(max_length=500, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ProposalQuerySet(CompiledOnce, ListAware, models.QuerySet):
    """Proposals know the list they were loaded with (a page's comments load for all of it);
    their selects are compiled once per query shape (perf.db.statement_cache)."""


class CommentQuerySet(CompiledOnce, models.QuerySet):
    """Comment selects are compiled once per query shape (perf.db.statement_cache)."""


class Proposal(Moderated):
    """A citizen's idea for a consultation; agencies answer it with official responses."""

    objects = ProposalQuerySet.as_manager()

    agency = models.ForeignKey(
        "permissions.Agency", on_delete=models.CASCADE, editable=False, related_name="proposals"
    )
    consultation = models.ForeignKey(
        "cms.ConsultationPage",
        on_delete=models.CASCADE,
        related_name="proposals",
        db_index=False,  # covered by the proposal_by_* indexes
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    # Not auto_now(_add): the benchmark loader and imports must be able to set them.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Counter columns, kept exact by the services with F() updates in the writing transaction.
    support_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                F("consultation"),
                F("support_count").desc(),
                F("created_at"),
                F("id"),
                name="proposal_by_supports",
            ),
            models.Index(
                F("consultation"),
                F("created_at").desc(),
                F("id").desc(),
                name="proposal_by_newest",
            ),
            models.Index(
                F("consultation"),
                F("comment_count").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="proposal_by_comments",
            ),
            models.Index(
                F("consultation"), F("status"), F("created_at").desc(), name="proposal_by_status"
            ),
            models.Index(F("agency"), F("created_at").desc(), name="proposal_by_agency"),
            # The public total of a consultation's page (totalCount) as an index-only count.
            models.Index(
                F("consultation"), condition=Q(is_hidden=False), name="proposal_public_count"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Comment(Moderated):
    """A comment on a proposal, or on the consultation itself when `proposal` is null.

    Deleting is soft: the body is blanked and the row kept, so replies keep their thread.
    """

    objects = CommentQuerySet.as_manager()

    agency = models.ForeignKey(
        "permissions.Agency", on_delete=models.CASCADE, editable=False, related_name="comments"
    )
    consultation = models.ForeignKey(
        "cms.ConsultationPage",
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,  # covered by comment_by_consultation
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        db_index=False,  # covered by comment_by_proposal
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        db_index=False,  # covered by comment_by_parent
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(blank=True)
    # Null = the author took no side (distinct from an explicit "neutral").
    alignment = models.CharField(  # noqa: DJ001
        max_length=10, choices=Alignment.choices, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(F("proposal"), F("created_at"), F("id"), name="comment_by_proposal"),
            models.Index(F("parent"), F("created_at"), F("id"), name="comment_by_parent"),
            models.Index(
                F("consultation"), F("created_at"), F("id"), name="comment_by_consultation"
            ),
            models.Index(F("agency"), F("created_at").desc(), name="comment_by_agency"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(depth__gte=0) & Q(depth__lte=MAX_COMMENT_DEPTH),
                name="comment_depth_bounded",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0),
                name="comment_depth_matches_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60] if not self.is_deleted else "(deleted)"


class Support(models.Model):
    """One citizen backing one proposal; the unique constraint is the rule, not a check."""

    agency = models.ForeignKey(
        "permissions.Agency", on_delete=models.CASCADE, editable=False, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="supports",
        db_index=False,  # covered by support_once_per_user
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="supports",
        db_index=False,  # covered by support_by_user
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="support_once_per_user")
        ]
        indexes = [models.Index(fields=["user", "proposal"], name="support_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class OfficialResponse(models.Model):
    """An agency's answer to a proposal; all are kept, the latest is the current one."""

    agency = models.ForeignKey(
        "permissions.Agency", on_delete=models.CASCADE, editable=False, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="responses",
        db_index=False,  # covered by response_latest
    )
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    responding_agency = models.ForeignKey(
        "permissions.Agency", on_delete=models.PROTECT, related_name="official_responses"
    )
    previous_status = models.CharField(max_length=20, choices=ProposalStatus.choices)
    new_status = models.CharField(max_length=20, choices=ProposalStatus.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                F("proposal"), F("created_at").desc(), F("id").desc(), name="response_latest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.new_status}"


class Report(models.Model):
    """A signed-in user flagging a proposal or a comment for moderators of its agency."""

    agency = models.ForeignKey(
        "permissions.Agency", on_delete=models.CASCADE, editable=False, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        indexes = [
            models.Index(F("agency"), F("resolved_at"), F("created_at").desc(), name="report_queue")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, comment__isnull=True)
                | Q(proposal__isnull=True, comment__isnull=False),
                name="report_one_target",
            ),
            # One open report per reporter and target: repeating a report changes nothing.
            models.UniqueConstraint(
                fields=["reporter", "proposal"],
                condition=Q(resolved_at__isnull=True, proposal__isnull=False),
                name="report_open_once_proposal",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(resolved_at__isnull=True, comment__isnull=False),
                name="report_open_once_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({'resolved' if self.resolved_at else 'open'})"

    @property
    def target(self) -> Proposal | Comment:
        return self.proposal if self.proposal_id else self.comment
