"""Trusted documents and Apollo's automatic persisted queries (issue 4, item 4)."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from graph.management.commands.register_documents import split_operations
from graph.models import TrustedDocument
from graph.trusted_documents import store

AGENCIES = "query Agencies { agencies { totalCount } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def post(client, query=None, digest=None, headers=None, **extra_payload):
    payload = dict(extra_payload)
    if query is not None:
        payload["query"] = query
    if digest is not None:
        payload["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    response = client.post(
        "/graphql/", json.dumps(payload), content_type="application/json", **extra
    )
    return response.status_code, json.loads(response.content)


def codes(body) -> list[str]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def mode(settings, value: str) -> None:
    settings.GRAPHQL = {**settings.GRAPHQL, "TRUSTED_DOCUMENTS": value}


def test_apq_round_trip(client, agency_a):
    digest = sha(AGENCIES)
    status, body = post(client, digest=digest)
    assert status == 200
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"
    assert codes(body) == ["PERSISTED_QUERY_NOT_FOUND"]
    status, body = post(client, AGENCIES, digest)
    assert (status, body["data"]) == (200, {"agencies": {"totalCount": 1}})
    row = TrustedDocument.objects.get(sha256=digest)
    assert (row.document, row.source, row.trusted) == (AGENCIES, "apq", False)
    status, body = post(client, digest=digest)
    assert (status, body.get("errors"), body["data"]) == (
        200,
        None,
        {"agencies": {"totalCount": 1}},
    )
    cache.clear()  # served from the database as well
    assert post(client, digest=digest)[1]["data"] == {"agencies": {"totalCount": 1}}


def test_apq_hash_in_upper_case_and_over_get(client, agency_a):
    post(client, AGENCIES, sha(AGENCIES))
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha(AGENCIES).upper()}})
    response = client.get("/graphql/", {"extensions": extensions}, HTTP_ACCEPT="application/json")
    assert json.loads(response.content)["data"] == {"agencies": {"totalCount": 1}}


def test_wrong_hash_is_refused_and_stores_nothing(client, agency_a):
    status, body = post(client, AGENCIES, sha("{ something { else } }"))
    assert (status, codes(body)) == (400, ["PERSISTED_QUERY_HASH_MISMATCH"])
    assert "sha256Hash must be the SHA-256" in body["errors"][0]["message"]
    assert not TrustedDocument.objects.exists()


@pytest.mark.parametrize(
    "persisted",
    [{"version": 2, "sha256Hash": "a" * 64}, {"version": 1, "sha256Hash": "xyz"}, "nope"],
)
def test_malformed_persisted_query_is_refused(client, db, persisted):
    payload = {"query": AGENCIES, "extensions": {"persistedQuery": persisted}}
    response = client.post("/graphql/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert codes(json.loads(response.content)) == ["INVALID_PERSISTED_QUERY"]


def test_invalid_documents_are_not_stored(client, db):
    document = "{ noSuchField }"
    status, body = post(client, document, sha(document))
    assert status == 200
    assert codes(body) != ["PERSISTED_QUERY_HASH_MISMATCH"] and body["errors"]
    assert not TrustedDocument.objects.exists()


def test_off_mode_does_not_do_apq(client, db, settings):
    mode(settings, "off")
    status, body = post(client, digest=sha(AGENCIES))
    assert (status, codes(body)) == (200, ["PERSISTED_QUERY_NOT_SUPPORTED"])


def test_required_mode_refuses_unregistered_text(client, agency_a, settings):
    mode(settings, "required")
    status, body = post(client, AGENCIES)
    assert (status, codes(body)) == (400, ["TRUSTED_DOCUMENT_REQUIRED"])
    # APQ cannot register on the fly, and hash-only of an unknown document is refused too.
    status, body = post(client, AGENCIES, sha(AGENCIES))
    assert codes(body) == ["TRUSTED_DOCUMENT_REQUIRED"]
    assert post(client, digest=sha(AGENCIES))[1]["errors"][0]["extensions"]["code"] == (
        "TRUSTED_DOCUMENT_REQUIRED"
    )
    assert not TrustedDocument.objects.exists()


def test_required_mode_runs_registered_documents_by_text_or_hash(client, agency_a, settings):
    store(AGENCIES, name="Agencies", trusted=True)
    mode(settings, "required")
    assert post(client, AGENCIES)[1]["data"] == {"agencies": {"totalCount": 1}}
    assert post(client, digest=sha(AGENCIES))[1]["data"] == {"agencies": {"totalCount": 1}}


def test_documents_stored_by_apq_are_not_trusted(client, agency_a, settings):
    post(client, AGENCIES, sha(AGENCIES))  # anyone can store this in "apq" mode
    assert TrustedDocument.objects.get().source == "apq"
    mode(settings, "required")
    assert codes(post(client, digest=sha(AGENCIES))[1]) == ["TRUSTED_DOCUMENT_REQUIRED"]
    assert codes(post(client, AGENCIES)[1]) == ["TRUSTED_DOCUMENT_REQUIRED"]


def test_agency_requirement(client, agency_a, agency_b):
    agency_a.require_trusted_documents = True
    agency_a.save()
    scoped_a, scoped_b = {"X-Agency": "agency-a"}, {"X-Agency": "agency-b"}
    # Agency B's scope: ad-hoc documents run as usual.
    assert post(client, AGENCIES, headers=scoped_b)[1]["data"] == {"agencies": {"totalCount": 1}}
    # Agency A's scope (header or its own host): unregistered text refused, no APQ registration.
    status, body = post(client, AGENCIES, headers=scoped_a)
    assert codes(body) == ["TRUSTED_DOCUMENT_REQUIRED"]
    assert body.get("data") is None
    status, body = post(client, AGENCIES, sha(AGENCIES), headers=scoped_a)
    assert (status, codes(body)) == (400, ["TRUSTED_DOCUMENT_REQUIRED"])
    assert not TrustedDocument.objects.exists()
    response = client.post(
        "/graphql/",
        json.dumps({"query": AGENCIES}),
        content_type="application/json",
        HTTP_HOST="agency-a.localhost",
    )
    assert codes(json.loads(response.content)) == ["TRUSTED_DOCUMENT_REQUIRED"]
    # Registered: runs by text and by hash.
    store(AGENCIES, name="Agencies", trusted=True)
    assert post(client, AGENCIES, headers=scoped_a)[1]["data"] == {"agencies": {"totalCount": 1}}
    assert post(client, digest=sha(AGENCIES), headers=scoped_a)[1]["data"]
    # The requirement can be lifted again; the cached policy follows the save.
    agency_a.require_trusted_documents = False
    agency_a.save()
    other = "{ agencies { edges { node { slug } } } }"
    assert post(client, other, headers=scoped_a)[1]["data"]


def test_agency_requirement_refuses_mutations_before_they_run(client, agency_a, monkeypatch):
    import graph.accounts.mutations as account_mutations

    calls = []
    monkeypatch.setattr(account_mutations.accounts, "authenticate", lambda *a: calls.append(a))
    agency_a.require_trusted_documents = True
    agency_a.save()
    mutation = 'mutation { signIn(email: "a@b.c", password: "x") { errors { code } } }'
    status, body = post(client, mutation, headers={"X-Agency": "agency-a"})
    assert (status, codes(body)) == (200, ["TRUSTED_DOCUMENT_REQUIRED"])
    assert calls == []


FRONTEND = """
fragment ProposalCard on Proposal { id title author { ...Author } }
fragment Author on Participant { displayName }
fragment Unused on Agency { slug }

query Proposals($agency: String!, $slug: String!) {
  consultation(agency: $agency, slug: $slug) {
    proposals(first: 10) { edges { node { ...ProposalCard } } }
  }
}

query Agencies { agencies { totalCount } }

mutation Support($id: ID!) { supportProposal(id: $id) { errors { code } } }
"""


def test_operations_are_split_with_the_fragments_they_use():
    operations = dict(split_operations(FRONTEND))
    assert set(operations) == {"Proposals", "Agencies", "Support"}
    assert "fragment ProposalCard" in operations["Proposals"]
    assert "fragment Author" in operations["Proposals"]  # used through ProposalCard
    assert "Unused" not in operations["Proposals"]
    assert "fragment" not in operations["Agencies"]


def test_register_documents_command(tmp_path, client, agency_a, settings, capsys):
    source = tmp_path / "src" / "operations.graphql"
    source.parent.mkdir()
    source.write_text(FRONTEND)
    with pytest.raises(CommandError, match="not registered"):
        call_command("register_documents", "--check", str(tmp_path))
    call_command("register_documents", str(tmp_path))
    printed = capsys.readouterr().out
    operations = dict(split_operations(FRONTEND))
    for name, text in operations.items():
        assert f"{sha(text)}  {name}" in printed
    assert TrustedDocument.objects.filter(source="registered").count() == 3
    call_command("register_documents", "--check", str(source))  # CI passes now
    call_command("register_documents", "--list")
    assert sha(operations["Agencies"]) in capsys.readouterr().out
    # What a frontend then sends: the registered text's hash, in "required" mode.
    mode(settings, "required")
    status, body = post(client, digest=sha(operations["Agencies"]))
    assert status == 200
    assert body["data"] == {"agencies": {"totalCount": 1}}


def test_register_documents_upgrades_an_apq_row(tmp_path, client, agency_a):
    # The command registers each operation as graphql-core prints it: that exact text is what
    # a frontend sends (its build step prints the same way).
    ((_name, printed),) = split_operations(AGENCIES)
    post(client, printed, sha(printed))
    assert TrustedDocument.objects.get().source == "apq"
    (tmp_path / "a.graphql").write_text(AGENCIES)
    call_command("register_documents", str(tmp_path / "a.graphql"))
    row = TrustedDocument.objects.get()
    assert row.trusted and row.name == "Agencies"


def test_register_documents_reports_syntax_errors(tmp_path, db):
    (tmp_path / "bad.graphql").write_text("query { oops ")
    with pytest.raises(CommandError, match=r"bad\.graphql"):
        call_command("register_documents", str(tmp_path))
