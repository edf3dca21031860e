from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from graph.health import healthz
from graph.schema import schema
from graph.views import GraphQLView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "graphql/",
        GraphQLView.as_view(schema=schema, graphql_ide="graphiql"),
        name="graphql",
    ),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

# Wagtail's own page serving is last: the service is headless, but page URLs stay resolvable.
urlpatterns.append(path("", include(wagtail_urls)))
