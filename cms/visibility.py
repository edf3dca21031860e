"""What the public may read of the page tree: live pages with no view restriction above them.

One rule, in one place: page lists (`public_pages`), participation rows through their
consultation (`public_q("consultation__")`) and the participation rules (`is_public_page`) all
use it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import BooleanField, F, Q
from wagtail.models import Page, PageQuerySet, PageViewRestriction

from perf.db.sql_expressions import AroundColumn


class Unrestricted(AroundColumn):
    """No view restriction on the page whose `path` column is given, nor on an ancestor.

    The same condition as `~Exists(PageViewRestriction ... page__path = SUBSTR(path, 1,
    LENGTH(page__path)))` (an ancestor's path is a prefix of the page's path in Wagtail's
    materialised tree), written out as SQL: Django resolves a subquery into each query that
    uses it by cloning and relabelling the whole inner query (≈ 0.13 ms, three to five times
    per request, before the statement cache can answer; bench/PROFILE.md, session 7), where
    this resolves one column. The inner aliases are its own, so no outer alias can shadow them.
    """

    conditional = True
    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        path_sql, params = compiler.compile(self.column)
        quote = connection.ops.quote_name
        restriction = PageViewRestriction._meta
        page = Page._meta
        page_fk = restriction.get_field("page").column
        page_path = quote(page.get_field("path").column)
        sql = (
            f"NOT EXISTS (SELECT 1 FROM {quote(restriction.db_table)} ruamkhid_vr "
            f"INNER JOIN {quote(page.db_table)} ruamkhid_vp "
            f"ON ruamkhid_vp.{quote(page.pk.column)} = ruamkhid_vr.{quote(page_fk)} "
            f"WHERE ruamkhid_vp.{page_path} = "
            f"SUBSTR({path_sql}, 1, LENGTH(ruamkhid_vp.{page_path})))"
        )
        return sql, list(params)


@cache
def public_q(prefix: str = "") -> Q:
    """Live and not restricted, for the page at `prefix` (e.g. "consultation__").

    Built once per prefix and shared: Django copies an expression before resolving it into a
    query, so the same Q serves every query."""
    return Q(**{f"{prefix}live": True}) & Unrestricted(F(f"{prefix}path"))


def public_pages(queryset: PageQuerySet) -> PageQuerySet:
    """Live and not restricted (private, password or group) by itself or an ancestor.

    One SQL condition, no query of its own, so it can run in every list, count and prefetch.
    Drafts reach editors only through a preview token (`cms.preview`), never through lists.
    """
    return queryset.filter(public_q())


def is_public_page(page: Page) -> bool:
    """The same rule for one page in memory: one query (none for a page that is not live)."""
    if not page.live or page.pk is None:
        return False
    return Page.objects.filter(public_q(), pk=page.pk).exists()
