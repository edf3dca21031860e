"""Registration, sign-in (one generic error) and personal API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services, tokens
from accounts.models import ApiToken, User
from accounts.services import AccountError

pytestmark = pytest.mark.django_db
PASSWORD = "ลองคิดดูนะ-correct-horse-42"


def test_register_normalises_email_and_derives_username():
    user = services.register("  Somchai@Example.ORG ", PASSWORD, "  สมชาย   ใจดี ")
    assert user.email == "somchai@example.org"
    assert user.username == "somchai@example.org"
    assert user.display_name == "สมชาย ใจดี"
    assert user.check_password(PASSWORD)
    assert user.public_name() == "สมชาย ใจดี"


@pytest.mark.parametrize("email", ["somchai@example.org", "SOMCHAI@example.org"])
def test_duplicate_email_is_refused_case_insensitively(email):
    services.register("Somchai@example.org", PASSWORD, "A")
    with pytest.raises(AccountError) as exc:
        services.register(email, PASSWORD, "B")
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "email")
    assert User.objects.count() == 1


def test_database_index_backs_email_uniqueness():
    """Even a write that skips the service cannot duplicate an address (races)."""
    from django.db import IntegrityError, transaction

    User.objects.create(username="x", email="dup@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="y", email="DUP@example.org")


@pytest.mark.parametrize(
    ("email", "password", "name", "field"),
    [
        ("not-an-address", PASSWORD, "A", "email"),
        ("a@example.org", "short", "A", "password"),
        ("a@example.org", "password", "A", "password"),
        ("a@example.org", PASSWORD, "   ", "displayName"),
        ("a@example.org", PASSWORD, "ก" * 101, "displayName"),
    ],
)
def test_register_validates(email, password, name, field):
    with pytest.raises(AccountError) as exc:
        services.register(email, password, name)
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", field)
    assert not User.objects.exists()


def test_authenticate_and_one_generic_error():
    user = services.register("malee@example.org", PASSWORD, "Malee")
    assert services.authenticate("MALEE@example.org ", PASSWORD) == user
    errors = []
    for email, password in [
        ("malee@example.org", "wrong password"),
        ("nobody@example.org", PASSWORD),
        ("", ""),
    ]:
        with pytest.raises(AccountError) as exc:
            services.authenticate(email, password)
        errors.append((exc.value.code, exc.value.message, exc.value.field))
    user.is_active = False
    user.save()
    with pytest.raises(AccountError) as exc:
        services.authenticate("malee@example.org", PASSWORD)
    errors.append((exc.value.code, exc.value.message, exc.value.field))
    assert len(set(errors)) == 1
    assert errors[0][0] == "INVALID_CREDENTIALS"


def test_every_token_is_looked_up_with_one_compiled_statement():
    """Each signed-in request looks its token up; the token is a parameter, not a new compile."""
    from perf.db.statement_cache import statements

    owners = [services.register(f"t{i}@example.org", PASSWORD, f"ผู้ใช้ {i}") for i in range(3)]
    raws = [tokens.create_token(owner, "แล็ปท็อป")[1] for owner in owners]
    tokens.user_for_token(raws[0])
    hits, misses = statements.hits, statements.misses
    assert [tokens.user_for_token(raw) for raw in raws[1:]] == owners[1:]
    assert (statements.hits - hits, statements.misses - misses) == (2, 0)


def test_token_is_stored_hashed_and_authenticates():
    user = services.register("t@example.org", PASSWORD, "T")
    _token, raw = tokens.create_token(user, "my laptop")
    assert raw.startswith("rk_") and len(raw) > 40
    stored = ApiToken.objects.get()
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.key_hash == tokens.hash_token(raw)
    assert tokens.user_for_token(raw) == user
    assert ApiToken.objects.get().last_used_at is not None
    assert tokens.user_for_token(raw + "x") is None
    assert tokens.user_for_token("") is None
    assert tokens.token_from_header(f"Bearer {raw}") == raw
    assert tokens.token_from_header(f"Basic {raw}") is None


def test_token_revoke_by_owner_only_and_expiry():
    owner = services.register("o@example.org", PASSWORD, "O")
    other = services.register("p@example.org", PASSWORD, "P")
    token, raw = tokens.create_token(owner)
    with pytest.raises(AccountError) as exc:
        tokens.revoke_token(other, token.pk)
    assert exc.value.code == "NOT_FOUND"
    assert tokens.user_for_token(raw) == owner
    tokens.revoke_token(owner, token.pk)
    assert tokens.user_for_token(raw) is None

    expiring, raw2 = tokens.create_token(owner, expires_at=timezone.now() + timedelta(hours=1))
    assert tokens.user_for_token(raw2) == owner
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tokens.user_for_token(raw2) is None
    with pytest.raises(AccountError):
        tokens.create_token(owner, expires_at=timezone.now() - timedelta(days=1))


def test_token_of_inactive_user_is_refused():
    user = services.register("i@example.org", PASSWORD, "I")
    _, raw = tokens.create_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert tokens.user_for_token(raw) is None
