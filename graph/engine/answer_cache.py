"""Whole-answer cache for anonymous read operations.

An anonymous query's answer depends only on the document, its variables, the agency scope (the
X-Agency header or the host) and the active language, so the serialized JSON response is stored
in the configured Django cache (Redis in production, shared by every worker) under

    sha256(document text or persisted-query hash, operation name, canonical variables,
           scheme, host, X-Agency, language)

together with the version it was computed under. The version is one cache key replaced by every
write that can change an answer: every GraphQL mutation (AnswerCacheExtension), any save or
delete of a participation / cms / permissions / accounts / Wagtail core row (post_save,
post_delete), and Wagtail's publish, unpublish and move signals. An answer is served only while
its version is the current one, so a write is visible on the very next read; a lookup reads the
version and the answer in one round trip (`get_many`). The version is replaced both at once and
after the commit: a read that raced the transaction can only have stored its stale answer with
the old version, which no later lookup accepts.

Bypassed (header `X-Answer-Cache: bypass`) for signed-in viewers (session or Bearer: answers
carry viewerCan and viewerHasSupported), for anything but a single JSON POST, for mutations, and
when settings.GRAPHQL["ANSWER_CACHE_SECONDS"] is 0. Answers with errors are never stored.
Time-dependent fields (phase status, anonymous viewerCan) may lag a phase boundary by at most
the TTL.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterator

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

logger = logging.getLogger(__name__)

VERSION_KEY = "graphql-answer:version"
HEADER = "X-Answer-Cache"
# Apps whose rows can show up in an answer. Over-invalidating is only a cost; missing one is a bug.
WATCHED_APPS = frozenset({"participation", "cms", "permissions", "accounts", "wagtailcore"})
# Rows written on reads or sign-ins that no answer shows.
IGNORED_MODELS = frozenset({"accounts.apitoken"})
_CACHEABLE = "_answer_cache_storable"


def ttl() -> int:
    return int(settings.GRAPHQL.get("ANSWER_CACHE_SECONDS", 0) or 0)


def _new_version() -> str:
    """The first version (no write has replaced one yet, or the cache lost it)."""
    version = secrets.token_hex(8)
    if not cache.add(VERSION_KEY, version, timeout=None):
        version = cache.get(VERSION_KEY) or version
    return version


def lookup(key: str) -> tuple[str, bytes | None]:
    """The current version and the answer stored under `key` if it was computed under that
    version (else None), in one round trip."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        return _new_version(), None
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        return version, entry[1]
    return version, None


def _replace_version() -> None:
    try:
        cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:  # the cache being down must not fail a write
        logger.exception("answer cache: could not invalidate")


def invalidate() -> None:
    """Orphan every stored answer now, and again once the current transaction commits."""
    _replace_version()
    transaction.on_commit(_replace_version)


def _key(request: HttpRequest) -> str | None:
    """The cache key of an anonymous single-operation JSON POST, else None (bypass)."""
    if request.method != "POST" or request.content_type != "application/json":
        return None
    try:
        payload = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None  # batches (and garbage, which the view refuses anyway)
    document = payload.get("query")
    if not isinstance(document, str):
        extensions = payload.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str):
            return None
        document = f"persisted:{digest}"
    try:
        variables = orjson.dumps(payload.get("variables") or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    parts = (
        document,
        str(payload.get("operationName") or ""),
        variables.decode(),
        request.scheme or "",
        request.get_host(),
        request.headers.get("X-Agency", ""),
        translation.get_language() or "",
    )
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"graphql-answer:{digest}"


def serve(request: HttpRequest, execute: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """Answer from the cache, or execute and store a clean anonymous query's answer."""
    seconds = ttl()
    key = version = None
    if seconds > 0 and not request.user.is_authenticated:
        cached = None
        try:
            key = _key(request)
            if key:
                version, cached = lookup(key)
        except Exception:
            logger.exception("answer cache: lookup failed")
            key = cached = None
        if cached is not None:
            response = HttpResponse(cached, content_type="application/json")
            response[HEADER] = "hit"
            return response
    response = execute()
    storable = getattr(request, _CACHEABLE, False)
    if key and storable and response.status_code == 200:
        try:
            # Under the version read before executing: a write meanwhile has replaced it.
            cache.set(key, (version, response.content), timeout=seconds)
        except Exception:
            logger.exception("answer cache: store failed")
        response[HEADER] = "miss"
    else:
        response[HEADER] = "bypass"
    return response


class AnswerCacheExtension(SchemaExtension):
    """Marks clean query answers as storable; every mutation invalidates the cache."""

    def on_operation(self) -> Iterator[None]:
        yield
        ctx = self.execution_context
        try:
            operation_type = ctx.operation_type
        except Exception:  # no parsable document: nothing ran, nothing to store
            return
        if operation_type is OperationType.MUTATION:
            invalidate()
            return
        request = getattr(ctx.context, "request", None)
        if (
            request is not None
            and operation_type is OperationType.QUERY
            and ctx.result is not None
            and not ctx.result.errors
        ):
            setattr(request, _CACHEABLE, True)


def _on_row_change(sender, instance=None, **kwargs) -> None:
    meta = sender._meta
    if meta.app_label not in WATCHED_APPS or meta.label_lower in IGNORED_MODELS:
        return
    if kwargs.get("update_fields") and set(kwargs["update_fields"]) <= {"last_login"}:
        return
    invalidate()


def _on_page_event(sender=None, **kwargs) -> None:
    invalidate()


def connect_signals() -> None:
    """Called once from an AppConfig.ready()."""
    from wagtail.signals import page_published, page_unpublished, post_page_move

    post_save.connect(_on_row_change, dispatch_uid="answer-cache-save")
    post_delete.connect(_on_row_change, dispatch_uid="answer-cache-delete")
    page_published.connect(_on_page_event, dispatch_uid="answer-cache-publish")
    page_unpublished.connect(_on_page_event, dispatch_uid="answer-cache-unpublish")
    post_page_move.connect(_on_page_event, dispatch_uid="answer-cache-move")
