"""The schema, assembled from per-domain query and mutation classes."""

from __future__ import annotations

import strawberry
from django.conf import settings
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry_django.optimizer import DjangoOptimizerExtension

from graph.accounts.mutations import AccountMutation, AccountQuery
from graph.cms.queries import CmsQuery
from graph.cms.types import PAGE_TYPES
from graph.engine.answer_cache import AnswerCacheExtension
from graph.engine.document_cache import DocumentCache
from graph.engine.executor import FastExecutionContext
from graph.node import NodeQuery
from graph.participation.mutations import ParticipationMutation
from graph.security import security_extensions
from perf.switches import ENGINE, layer_on


@strawberry.type
class Query(NodeQuery, CmsQuery, AccountQuery):
    pass


@strawberry.type
class Mutation(ParticipationMutation, AccountMutation):
    pass


def build_schema(engine: bool) -> strawberry.Schema:
    """The API's schema; `engine` adds graph/engine/'s executor and document cache, which
    answer exactly as the plain strawberry path does (tests/graph/test_differential.py)."""
    extensions: list[type[SchemaExtension]] = [
        *([DocumentCache] if engine else []),  # first: a cached clean validation skips the rest
        *security_extensions(),
        DjangoOptimizerExtension,
        AnswerCacheExtension,
    ]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        # Page types reachable only through the Page interface (page(), node(), pagePreview).
        types=list(PAGE_TYPES.values()),
        config=StrawberryConfig(
            auto_camel_case=True, relay_max_results=settings.GRAPHQL["MAX_PAGE_SIZE"]
        ),
        extensions=extensions,
        execution_context_class=FastExecutionContext if engine else None,
    )


schema = build_schema(engine=layer_on(ENGINE))
