"""Rate limits per mutation field, per user (or client IP when anonymous), across workers.

settings.GRAPHQL["RATE_LIMITS"] maps a mutation field name to "N/s|m|h|d" ("10/h"); "*" is a
budget every mutation field draws from as well. Each field of the operation counts, so five
aliased `addComment` count five. Counters are fixed windows in the configured Django cache
(`cache.add` then `cache.incr`: atomic in Redis, shared by every worker process). The check runs
before execution: when any counter is over its limit, no field of the document runs and the error
has code RATE_LIMITED and `retryAfter` seconds.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

ANY = "*"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Refusal:
    field: str
    limit: str
    retry_after: int

    @property
    def message(self) -> str:
        what = "mutations" if self.field == ANY else f"`{self.field}`"
        return (
            f"Too many {what}: the limit is {self.limit}. Try again in {self.retry_after} seconds."
        )


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/h" -> (10, 3600); "5/30s" -> (5, 30)."""
    try:
        count, _, period = rate.partition("/")
        unit = period[-1]
        multiple = int(period[:-1]) if period[:-1] else 1
        return int(count), multiple * _PERIODS[unit]
    except (KeyError, ValueError, IndexError) as exc:
        raise ImproperlyConfigured(
            f"Bad GraphQL rate limit {rate!r}: use N/s, N/m, N/h or N/d."
        ) from exc


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the address the outermost
    trusted proxy saw (X-Forwarded-For entries left of it are the client's to forge)."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            return hops[-proxies] if len(hops) >= proxies else hops[0]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def identity(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def mutation_fields(document: DocumentNode, operation: OperationDefinitionNode) -> Counter[str]:
    """Root field names of an operation, fragments expanded, one count per occurrence."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    counts: Counter[str] = Counter()

    def walk(selection_set: SelectionSetNode, seen: frozenset[str]) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    counts[selection.name.value] += 1
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    walk(fragments[name].selection_set, seen | {name})

    walk(operation.selection_set, frozenset())
    return counts


def _hit(key: str, amount: int, period: int) -> int:
    cache.add(key, 0, timeout=period + 1)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.add(key, amount, timeout=period + 1)
        return amount


def check(who: str, counts: Counter[str], limits: dict[str, str] | None = None) -> Refusal | None:
    """Count this document's fields against every applicable limit; the worst refusal or None."""
    limits = settings.GRAPHQL.get("RATE_LIMITS", {}) if limits is None else limits
    if not counts or not limits:
        return None
    wanted = dict(counts)
    wanted[ANY] = sum(counts.values())
    now = time.time()
    refusals = []
    for field, amount in wanted.items():
        rate = limits.get(field)
        if not rate:
            continue
        allowed, period = parse_rate(rate)
        window = int(now // period)
        used = _hit(f"ratelimit:{field}:{who}:{period}:{window}", amount, period)
        if used > allowed:
            retry = max(1, math.ceil((window + 1) * period - now))
            refusals.append(Refusal(field, rate, retry))
    return max(refusals, key=lambda r: r.retry_after) if refusals else None
