"""Trusted documents, compatible with Apollo's automatic persisted queries (APQ).

A request may carry `extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}`:

- hash only, known → the stored document runs; unknown → `PersistedQueryNotFound` (code
  PERSISTED_QUERY_NOT_FOUND, HTTP 200 as Apollo clients expect), so the client retries with text;
- text and hash → the hash must be the text's SHA-256 (else PERSISTED_QUERY_HASH_MISMATCH); the
  document runs and, once it has parsed and validated, is stored (source "apq").

settings.GRAPHQL["TRUSTED_DOCUMENTS"]: "off" (no APQ: PERSISTED_QUERY_NOT_SUPPORTED), "apq" (the
default), "required" (only documents registered with `manage.py register_documents` run, by text
or by hash; nothing is registered on the fly). An agency with `require_trusted_documents` makes
"required" apply to every request scoped to it (X-Agency or the Site of the host). Documents stored
by APQ never count as trusted: any client can add them.

Lookups go through the Django cache (shared Redis in production) before the database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from graphql import GraphQLError

from graph.errors import UnknownAgency

if TYPE_CHECKING:
    from graph.context import Context

OFF, APQ, REQUIRED = "off", "apq", "required"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CACHE_PREFIX = "trusted-doc:"
_FOUND_SECONDS = 3600
_MISSING_SECONDS = 30  # bounds how long another process's fresh registration stays unseen
_MISSING = "-"
POLICY_KEY = "trusted-doc:requiring-agencies"
_POLICY_SECONDS = 60
_PENDING = "apq_pending"
_DECIDED = "trusted_document_decided"


class DocumentRefused(Exception):
    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass(frozen=True)
class Stored:
    document: str
    trusted: bool


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def mode() -> str:
    return settings.GRAPHQL.get("TRUSTED_DOCUMENTS", APQ)


def lookup(digest: str) -> Stored | None:
    from graph.models import TrustedDocument

    key = _CACHE_PREFIX + digest
    cached = cache.get(key)
    if cached == _MISSING:
        return None
    if cached is not None:
        return Stored(cached["document"], cached["trusted"])
    row = TrustedDocument.objects.filter(sha256=digest).only("document", "source").first()
    if row is None:
        cache.set(key, _MISSING, _MISSING_SECONDS)
        return None
    cache.set(key, {"document": row.document, "trusted": row.trusted}, _FOUND_SECONDS)
    return Stored(row.document, row.trusted)


def store(document: str, *, name: str = "", trusted: bool) -> tuple[Any, bool]:
    """Store a document (idempotent); registering upgrades an APQ row to trusted.

    Returns (row, created).
    """
    from graph.models import TrustedDocument

    source = TrustedDocument.Source.REGISTERED if trusted else TrustedDocument.Source.APQ
    digest = sha256_hex(document)
    row, created = TrustedDocument.objects.get_or_create(
        sha256=digest, defaults={"document": document, "name": name, "source": source}
    )
    if not created and trusted and (not row.trusted or (name and row.name != name)):
        row.source = source
        row.name = name or row.name
        row.save(update_fields=["source", "name"])
    cache.set(
        _CACHE_PREFIX + digest, {"document": row.document, "trusted": row.trusted}, _FOUND_SECONDS
    )
    return row, created


def requiring_agencies() -> frozenset[str]:
    """Slugs of the agencies requiring trusted documents: one cached query, usually empty, so
    most requests never resolve their agency scope for this (graph/models.py clears it when an
    agency is saved or deleted)."""
    from permissions.models import Agency

    slugs = cache.get(POLICY_KEY)
    if slugs is None:
        slugs = list(
            Agency.objects.filter(require_trusted_documents=True).values_list("slug", flat=True)
        )
        cache.set(POLICY_KEY, slugs, _POLICY_SECONDS)
    return frozenset(slugs)


def _required(context: Context | None) -> bool:
    if mode() == REQUIRED:
        return True
    if context is None or not requiring_agencies():
        return False
    try:
        scope = context.scope
    except UnknownAgency:
        return False  # the resolvers reading the scope report the unknown agency
    return bool(scope is not None and scope.require_trusted_documents)


def _not_trusted() -> DocumentRefused:
    return DocumentRefused(
        400,
        "Only registered (trusted) documents may run here: register this operation with "
        "`manage.py register_documents` and send its sha256Hash.",
        "TRUSTED_DOCUMENT_REQUIRED",
    )


def resolve_document(
    query: str | None, extensions: dict[str, Any] | None, context: Context | None
) -> str | None:
    """The document to run for a request, or a DocumentRefused."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        # A plain document: refused here in "required" mode; an agency's requirement needs the
        # scope (a query or two), so agency_requirement() checks it after validation instead,
        # and documents refused by the limits still cost no database query.
        if query is not None and mode() == REQUIRED:
            _check_registered(query)
        return query
    if context is not None:
        context.cache[_DECIDED] = True
    if mode() == OFF:
        raise DocumentRefused(200, "PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(digest, str)
        or not _HEX64.match(digest.lower())
    ):
        raise DocumentRefused(
            400,
            "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}.",
            "INVALID_PERSISTED_QUERY",
        )
    digest = digest.lower()
    required = _required(context)
    if query is None:
        stored = lookup(digest)
        if stored is not None and (stored.trusted or not required):
            return stored.document
        if required:
            raise _not_trusted()
        raise DocumentRefused(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
    if sha256_hex(query) != digest:
        raise DocumentRefused(
            400,
            "provided sha does not match query: sha256Hash must be the SHA-256 of the "
            "document's UTF-8 text.",
            "PERSISTED_QUERY_HASH_MISMATCH",
        )
    if required:
        stored = lookup(digest)
        if stored is None or not stored.trusted:
            raise _not_trusted()
        return query
    if context is not None and lookup(digest) is None:
        context.cache[_PENDING] = query  # stored once it has parsed and validated
    return query


def _check_registered(query: str) -> None:
    stored = lookup(sha256_hex(query))
    if stored is None or not stored.trusted:
        raise _not_trusted()


def agency_requirement(
    context: Context | None, query: str | None, *, reads_data: bool = True
) -> GraphQLError | None:
    """After validation, before execution: the error refusing a plain unregistered document
    in the scope of an agency that requires trusted documents, else None.

    Documents selecting only `__typename` (or introspection, gated by its own setting) read no
    agency's data and are not checked: they pay no database query for the scope.
    """
    if context is None or query is None or context.cache.get(_DECIDED) or mode() != APQ:
        return None
    if not reads_data:
        return None
    if not _required(context):
        return None
    try:
        _check_registered(query)
    except DocumentRefused as exc:
        return GraphQLError(exc.message, extensions={"code": exc.code})
    return None


def register_pending(context: Context | None) -> None:
    """Store the APQ document of this request, now known to be a valid operation."""
    document = context.cache.pop(_PENDING, None) if context is not None else None
    if document is not None:
        store(document, trusted=False)
