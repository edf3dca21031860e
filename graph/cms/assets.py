"""Everything a list of pages' bodies refers to, loaded once for the whole list.

A StreamField body stores ids (images, documents) and raw rich text. Resolving those per page
would make the query count grow with the list; instead, the first body resolved in a list loads
the assets of every page loaded with it (see `perf.db.row_loading.loaded_with`), in a fixed
number of queries, and the other pages reuse the result.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from wagtail.documents import get_document_model
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images import get_image_model
from wagtail.rich_text import expand_db_html

from graph.context import Info
from perf.db.row_loading import loaded_with

IMAGE_BLOCKS = {"image": "image"}
DOCUMENT_BLOCKS = {"document": "document"}
RICH_TEXT_IN_STRUCTS = {"callout": "text"}


@dataclass
class StreamAssets:
    images: dict[int, Any] = field(default_factory=dict)
    documents: dict[int, Any] = field(default_factory=dict)
    embeds: dict[str, Embed] = field(default_factory=dict)
    rich_text: dict[str, str] = field(default_factory=dict)

    def image(self, image_id: Any) -> Any | None:
        return self.images.get(_as_int(image_id))

    def document(self, document_id: Any) -> Any | None:
        return self.documents.get(_as_int(document_id))

    def html(self, raw: str) -> str:
        return self.rich_text.get(raw, raw)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def raw_blocks(page: Any) -> list[dict[str, Any]]:
    """The body's stored blocks as dicts (type, value, id), without touching the database."""
    body = getattr(page, "body", None)
    if body is None:
        return []
    return [dict(block) for block in body.raw_data]


def _walk(pages: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    """(kind, value) for every asset reference in the pages: image/document ids, html, urls."""
    for page in pages:
        hero = getattr(page, "hero_image_id", None)
        if hero:
            yield "image", hero
        for block in raw_blocks(page):
            kind, value = block.get("type"), block.get("value")
            if kind == "rich_text" and isinstance(value, str):
                yield "html", value
            elif kind == "embed" and isinstance(value, str):
                yield "embed", value
            elif isinstance(value, dict):
                if kind in IMAGE_BLOCKS:
                    yield "image", value.get(IMAGE_BLOCKS[kind])
                if kind in DOCUMENT_BLOCKS:
                    yield "document", value.get(DOCUMENT_BLOCKS[kind])
                if kind in RICH_TEXT_IN_STRUCTS and isinstance(
                    value.get(RICH_TEXT_IN_STRUCTS[kind]), str
                ):
                    yield "html", value[RICH_TEXT_IN_STRUCTS[kind]]


def expand_rich_text_batch(fragments: list[str]) -> dict[str, str]:
    """Expand many rich-text fragments with one pass of Wagtail's rewriter.

    Joining them lets Wagtail's bulk link and embed handlers fetch all linked pages, documents
    and images at once; a random marker that no stored text can contain splits them again.
    """
    unique = list(dict.fromkeys(fragments))
    if not unique:
        return {}
    marker = f"<!--ruamkhid-split-{secrets.token_hex(8)}-->"
    expanded = expand_db_html(marker.join(unique)).split(marker)
    if len(expanded) != len(unique):  # a handler swallowed a marker: fall back, stay correct
        return {raw: expand_db_html(raw) for raw in unique}
    return dict(zip(unique, expanded, strict=True))


def load_assets(pages: list[Any]) -> StreamAssets:
    wanted: dict[str, list[Any]] = {"image": [], "document": [], "html": [], "embed": []}
    for kind, value in _walk(pages):
        wanted[kind].append(value)
    assets = StreamAssets()
    image_ids = {i for i in map(_as_int, wanted["image"]) if i is not None}
    if image_ids:
        images = get_image_model().objects.filter(id__in=image_ids).prefetch_renditions()
        assets.images = {image.id: image for image in images}
    document_ids = {i for i in map(_as_int, wanted["document"]) if i is not None}
    if document_ids:
        documents = get_document_model().objects.filter(id__in=document_ids)
        assets.documents = {document.id: document for document in documents}
    if wanted["embed"]:
        hashes = {get_embed_hash(url): url for url in wanted["embed"]}
        assets.embeds = {
            hashes[embed.hash]: embed for embed in Embed.objects.filter(hash__in=list(hashes))
        }
    assets.rich_text = expand_rich_text_batch(wanted["html"])
    return assets


def assets_for(page: Any, info: Info) -> StreamAssets:
    """The assets of `page` and the pages loaded with it, loaded on first use per request."""
    batch = loaded_with(page)
    cache = info.context.cache.setdefault("stream-assets", {})
    entry = cache.get(id(batch))
    if entry is None or entry[0] is not batch:
        entry = (batch, load_assets(batch))
        cache[id(batch)] = entry
    return entry[1]
