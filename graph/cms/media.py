"""Images, renditions and documents as GraphQL types."""

from __future__ import annotations

from urllib.parse import urljoin

import strawberry
from django.conf import settings
from wagtail.images.exceptions import InvalidFilterSpecError
from wagtail.images.models import Filter

from graph.errors import InvalidInput


def absolute_url(url: str) -> str:
    """Media and document URLs for frontends on other origins."""
    return urljoin(settings.WAGTAILADMIN_BASE_URL, url)


def checked_filter(spec: str) -> Filter:
    """A rendition filter from a client's spec, refused when malformed, too large or not allowed.

    Each new spec makes the server resize an image, so specs are bounded in size and, when the
    RENDITION_SPECS setting lists any, limited to that list.
    """
    spec = spec.strip()
    allowed = settings.GRAPHQL["RENDITION_SPECS"]
    if allowed and spec not in allowed:
        raise InvalidInput(
            f"Rendition spec {spec!r} is not allowed; use one of: {', '.join(allowed)}.",
            code="INVALID_RENDITION_SPEC",
        )
    if not spec or len(spec) > 100:
        raise InvalidInput("A rendition spec is 1-100 characters.", code="INVALID_RENDITION_SPEC")
    limit = settings.GRAPHQL["MAX_RENDITION_SIZE"]
    try:
        image_filter = Filter(spec=spec)
        operations = image_filter.operations
    except (InvalidFilterSpecError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise InvalidInput(
            f"Invalid rendition spec {spec!r} (examples: 'fill-800x450', 'width-640', "
            "'max-1200x1200|format-webp').",
            code="INVALID_RENDITION_SPEC",
        ) from exc
    for operation in operations:
        for attr in ("width", "height", "size"):
            value = getattr(operation, attr, None)
            if isinstance(value, int) and value > limit:
                raise InvalidInput(
                    f"Rendition dimensions are limited to {limit} pixels.",
                    code="INVALID_RENDITION_SPEC",
                )
    return image_filter


@strawberry.type(description="A resized version of an image.")
class Rendition:
    url: str
    width: int
    height: int


@strawberry.type(description="An image from the agency's media library.")
class Image:
    _image: strawberry.Private[object]
    _alt: strawberry.Private[str | None] = None

    @strawberry.field(description="Alternative text: the block's, else the image's description.")
    def alt(self) -> str:
        return self._alt or self._image.default_alt_text

    @strawberry.field
    def title(self) -> str:
        return self._image.title

    @strawberry.field(description="Width of the original, in pixels.")
    def width(self) -> int:
        return self._image.width

    @strawberry.field(description="Height of the original, in pixels.")
    def height(self) -> int:
        return self._image.height

    @strawberry.field(description="URL of a rendition, e.g. spec 'fill-800x450' or 'width-640'.")
    def url(self, spec: str) -> str:
        return absolute_url(self._image.get_rendition(checked_filter(spec)).url)

    @strawberry.field(description="A rendition with its actual dimensions.")
    def rendition(self, spec: str) -> Rendition:
        rendition = self._image.get_rendition(checked_filter(spec))
        return Rendition(
            url=absolute_url(rendition.url), width=rendition.width, height=rendition.height
        )


@strawberry.type(description="A document from the agency's media library.")
class Document:
    _document: strawberry.Private[object]

    @strawberry.field
    def title(self) -> str:
        return self._document.title

    @strawberry.field
    def url(self) -> str:
        return absolute_url(self._document.url)

    @strawberry.field(description="Size in bytes, when known.")
    def file_size(self) -> int | None:
        if self._document.file_size is not None:
            return self._document.file_size
        try:  # not recorded at upload (documents created in code): ask the storage
            return self._document.file.size
        except (OSError, ValueError):
            return None

    @strawberry.field(description="File extension without the dot, e.g. 'pdf'.")
    def file_extension(self) -> str:
        return self._document.file_extension
