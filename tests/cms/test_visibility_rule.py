"""The one public-page rule: lists, participation rows and the participation checks agree."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from cms.models import ConsultationPage
from cms.visibility import is_public_page, public_pages
from participation.abilities import is_public
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db


def restrict(page, kind: str = "login") -> None:
    PageViewRestriction.objects.create(page=page, restriction_type=kind, password="x")


@pytest.mark.parametrize(
    "case, public",
    [("open", True), ("own", False), ("ancestor", False), ("draft", False)],
)
def test_the_rule_for_one_page_agrees_with_the_lists(agency_a, case, public):
    page = make_consultation(agency_a, "ร่างแผน", slug=f"rule-{case}", live=case != "draft")
    if case == "own":
        restrict(page)
    if case == "ancestor":
        restrict(page.get_parent(), "groups")
    listed = public_pages(ConsultationPage.objects.filter(pk=page.pk)).exists()
    fresh = ConsultationPage.objects.get(pk=page.pk)
    assert listed is public
    assert is_public_page(fresh) is public
    assert is_public(ConsultationPage.objects.get(pk=page.pk)) is public


def test_one_query_and_none_for_a_draft(agency_a):
    page = ConsultationPage.objects.get(pk=make_consultation(agency_a, slug="q").pk)
    with CaptureQueriesContext(connection) as captured:
        assert is_public(page) is True
        assert is_public(page) is True  # memoised on the instance
    assert len(captured) == 1
    draft = make_consultation(agency_a, slug="d", live=False)
    with CaptureQueriesContext(connection) as captured:
        assert is_public_page(draft) is False
    assert len(captured) == 0


def test_the_shared_rule_is_unchanged_by_the_queries_that_use_it(agency_a):
    """public_q is built once per prefix and shared: using it in differently shaped queries
    (a join through a relation, a subquery, a count) must leave it as it was."""
    from cms.visibility import public_q
    from participation.models import Proposal

    rule, through = public_q(), public_q("consultation__")
    before = (str(rule), str(through))
    open_page = make_consultation(agency_a, "เปิด", slug="shared-open")
    closed = make_consultation(agency_a, "ปิด", slug="shared-closed")
    restrict(closed)
    for _ in range(2):
        assert list(public_pages(ConsultationPage.objects.all())) == [open_page]
        assert Proposal.objects.filter(through).count() == 0
        assert ConsultationPage.objects.filter(rule, pk__in=[closed.pk]).exists() is False
    assert (str(rule), str(through)) == before
    assert public_q() is rule
