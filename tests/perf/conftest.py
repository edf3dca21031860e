"""Participation rows for the tests of how rows are loaded and statements compiled."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.participation.conftest import (  # noqa: F401  (fixtures)
    consultation,
    consultation_in,
    make_comment,
    make_proposal,
)


@pytest.fixture
def rows(request) -> dict:
    """Two proposals of one author, each with one comment (Thai text throughout)."""
    page = request.getfixturevalue("consultation")
    author = User.objects.create_user("row@example.org", "row@example.org", display_name="แถว")
    first = make_proposal(page, author, title="ข้อเสนอแรก")
    second = make_proposal(page, author, title="ข้อเสนอที่สอง")
    comments = {
        "first": make_comment(page, author, first, body="ความเห็นของข้อแรก"),
        "second": make_comment(page, author, second, body="ความเห็นของข้อสอง"),
    }
    return {"first": first, "second": second, "comments": comments}
