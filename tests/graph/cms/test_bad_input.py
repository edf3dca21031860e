"""Bad input is a clear GraphQL error or null, never a server error."""

from __future__ import annotations

import pytest
from strawberry.relay import to_base64

from tests.factories import make_consultation, make_image

pytestmark = pytest.mark.django_db


def test_unknown_agency_is_a_typed_error(gql, agency_a):
    for query in (
        '{ consultations(agency: "nope") { totalCount } }',
        '{ consultation(agency: "nope", slug: "x") { slug } }',
        '{ page(agency: "nope", path: "/") { slug } }',
        '{ consultation(agency: "%s", slug: "x") { slug } }' % ("ก" * 500),
    ):
        result = gql.execute(query)
        assert result.status == 200
        assert result.codes == ["UNKNOWN_AGENCY"], result.body
        assert "agency" in result.errors[0]["message"].lower()


def test_unknown_scope_header_is_a_typed_error(gql, agency_a):
    result = gql.execute("{ consultations { totalCount } }", headers={"X-Agency": "ghost"})
    assert result.codes == ["UNKNOWN_AGENCY"]
    assert "ghost" in result.errors[0]["message"]


def test_unknown_slug_and_path_are_null(gql, agency_a):
    assert gql.ok('{ consultation(agency: "agency-a", slug: "ไม่มี") { slug } }') == {
        "consultation": None
    }
    assert gql.ok('{ page(agency: "agency-a", path: "/no/such/page/") { slug } }') == {"page": None}


@pytest.mark.parametrize(
    "bad_id",
    ["", "not-base64!", "Zm9v", to_base64("Consultation", "abc"), to_base64("Nope", 1), "ก" * 300],
)
def test_malformed_or_foreign_ids(gql, agency_a, bad_id):
    result = gql.execute("query ($id: ID!) { node(id: $id) { id } }", {"id": bad_id})
    assert result.status == 200
    assert result.data == {"node": None}
    assert set(result.codes) <= {"INVALID_ID"}


def test_node_id_of_unknown_row_is_null(gql, agency_a):
    missing = to_base64("Consultation", 999999)
    assert gql.ok(f'query {{ node(id: "{missing}") {{ id }} }}') == {"node": None}


def test_bad_path_is_refused(gql, agency_a):
    result = gql.execute('{ page(agency: "agency-a", path: "a//b") { slug } }')
    assert result.codes == ["INVALID_INPUT"]


@pytest.mark.parametrize(
    "spec",
    ["", "bogus", "fill-axb", "width-99999", "fill-5000x10", "max-10x10|bogus-1", "x" * 200],
)
def test_invalid_rendition_spec(gql, agency_a, spec):
    image = make_image(agency_a)
    make_consultation(agency_a, "ภาพ", slug="img", hero_image=image)
    result = gql.execute(
        'query ($spec: String!) { consultation(agency: "agency-a", slug: "img") '
        "{ heroImage { url(spec: $spec) } } }",
        {"spec": spec},
    )
    assert result.status == 200
    assert result.codes == ["INVALID_RENDITION_SPEC"], result.body
    assert result.data == {"consultation": {"heroImage": None}} or result.data == {
        "consultation": None
    }


def test_rendition_allow_list(gql, agency_a, settings):
    settings.GRAPHQL = {**settings.GRAPHQL, "RENDITION_SPECS": ["width-320"]}
    image = make_image(agency_a)
    make_consultation(agency_a, "ภาพ", slug="img", hero_image=image)
    query = (
        'query ($s: String!) { consultation(agency: "agency-a", slug: "img") '
        "{ heroImage { url(spec: $s) } } }"
    )
    assert "width-320" in gql.ok(query, {"s": "width-320"})["consultation"]["heroImage"]["url"]
    assert gql.execute(query, {"s": "width-321"}).codes == ["INVALID_RENDITION_SPEC"]


def test_wrong_argument_types_are_validation_errors(gql, agency_a):
    result = gql.execute('{ consultations(status: "OPEN") { totalCount } }')
    assert result.status in (200, 400)
    assert len(result.errors) == 1
    assert "ConsultationStatus" in result.errors[0]["message"]
    result = gql.execute("{ consultations(first: -1) { totalCount } }")
    assert result.status == 200 and result.errors
