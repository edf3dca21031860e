"""The schema, assembled from per-domain query and mutation classes."""

from __future__ import annotations

import strawberry
from django.conf import settings
from strawberry.schema.config import StrawberryConfig
from strawberry_django.optimizer import DjangoOptimizerExtension

from graph.accounts.mutations import AccountMutation, AccountQuery
from graph.answer_cache import AnswerCacheExtension
from graph.cms.queries import CmsQuery
from graph.cms.types import PAGE_TYPES
from graph.document_cache import DocumentCache
from graph.execution import FastExecutionContext
from graph.node import NodeQuery
from graph.optimizer_cache import install as install_optimizer_cache
from graph.participation.mutations import ParticipationMutation
from graph.security import security_extensions


@strawberry.type
class Query(NodeQuery, CmsQuery, AccountQuery):
    pass


@strawberry.type
class Mutation(ParticipationMutation, AccountMutation):
    pass


# The optimizer's hints for a selection are worked out once (graph/optimizer_cache.py).
install_optimizer_cache()

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    # Page types reachable only through the Page interface (page(), node(), pagePreview).
    types=list(PAGE_TYPES.values()),
    config=StrawberryConfig(
        auto_camel_case=True, relay_max_results=settings.GRAPHQL["MAX_PAGE_SIZE"]
    ),
    extensions=[
        DocumentCache,  # first: a cached clean validation skips the limit rules' work too
        *security_extensions(),
        DjangoOptimizerExtension,
        AnswerCacheExtension,
    ],
    # Trivial fields (a row's column, a resolver of the row alone) skip the per-field stack.
    execution_context_class=FastExecutionContext,
)
