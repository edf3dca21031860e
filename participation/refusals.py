"""Why an action was refused: one exception with stable, machine-readable codes.

Services raise `Refused`; the GraphQL layer turns it into a typed error (code, message, field)
and the Wagtail admin into a message. The codes are part of the API contract: never rename one.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Code(StrEnum):
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    PHASE_CLOSED = "PHASE_CLOSED"
    ALREADY_SUPPORTED = "ALREADY_SUPPORTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    NOT_AUTHOR = "NOT_AUTHOR"
    ROLE_REQUIRED = "ROLE_REQUIRED"
    HIDDEN = "HIDDEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    DEPTH_LIMIT = "DEPTH_LIMIT"
    DELETED = "DELETED"
    WITHDRAWN = "WITHDRAWN"
    CONSULTATION_NOT_PUBLIC = "CONSULTATION_NOT_PUBLIC"


DEFAULT_MESSAGES: dict[Code, str] = {
    Code.NOT_SIGNED_IN: _("Sign in to do this."),
    Code.PHASE_CLOSED: _("The consultation's current phase does not allow this."),
    Code.ALREADY_SUPPORTED: _("You already support this proposal."),
    Code.NOT_SUPPORTED: _("You do not support this proposal."),
    Code.NOT_AUTHOR: _("Only the author may do this."),
    Code.ROLE_REQUIRED: _("Your role in this agency does not allow this."),
    Code.HIDDEN: _("This content has been hidden by a moderator."),
    Code.NOT_FOUND: _("Not found."),
    Code.INVALID_INPUT: _("Invalid input."),
    Code.DEPTH_LIMIT: _("Replies cannot be nested any deeper."),
    Code.DELETED: _("This comment has been deleted."),
    Code.WITHDRAWN: _("This proposal has been withdrawn."),
    Code.CONSULTATION_NOT_PUBLIC: _("This consultation is not open to the public."),
}


class Refused(Exception):
    """An action the rules do not allow, or input they do not accept; nothing was written."""

    def __init__(self, code: Code | str, message: str | None = None, field: str | None = None):
        self.code = Code(code)
        self.message = str(message if message is not None else DEFAULT_MESSAGES[self.code])
        self.field = field
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"Refused({self.code.value!r}, {self.message!r}, field={self.field!r})"
