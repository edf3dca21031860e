"""StreamField blocks as a GraphQL union: one precise type per block of `cms.blocks`.

Blocks are built from the stored raw data plus the batch-loaded assets, so a body costs no
query of its own (see `graph.cms.assets`).
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry
from django.utils.html import format_html

from graph.cms.assets import StreamAssets, raw_blocks
from graph.cms.media import Document, Image


@strawberry.enum
class CalloutTone(Enum):
    INFO = "info"
    WARNING = "warning"
    SUCCESS = "success"


@strawberry.type
class HeadingBlock:
    id: str
    text: str
    level: int


@strawberry.type(
    description="Rich text as HTML; internal links and embedded images resolved to real URLs."
)
class RichTextBlock:
    id: str
    html: str


@strawberry.type
class ImageBlock:
    id: str
    image: Image | None = strawberry.field(description="Null when the image was deleted.")
    alt: str
    caption: str | None


@strawberry.type
class QuoteBlock:
    id: str
    text: str
    attribution: str | None


@strawberry.type
class DocumentBlock:
    id: str
    document: Document | None = strawberry.field(description="Null when the document was deleted.")
    title: str | None = strawberry.field(description="The block's title, else the document's.")


@strawberry.type(description="An embedded video or post.")
class EmbedBlock:
    id: str
    url: str
    html: str = strawberry.field(
        description="The provider's embed HTML once Wagtail has fetched it (when the editor "
        "saved the block); until then a plain link to `url` (see `fetched`)."
    )
    fetched: bool
    title: str | None
    provider_name: str | None
    thumbnail_url: str | None


@strawberry.type
class CalloutBlock:
    id: str
    tone: CalloutTone
    title: str | None
    html: str


Block = Annotated[
    HeadingBlock
    | RichTextBlock
    | ImageBlock
    | QuoteBlock
    | DocumentBlock
    | EmbedBlock
    | CalloutBlock,
    strawberry.union("Block"),
]

BLOCK_TYPES = (
    HeadingBlock,
    RichTextBlock,
    ImageBlock,
    QuoteBlock,
    DocumentBlock,
    EmbedBlock,
    CalloutBlock,
)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _heading(bid: str, v: dict, assets: StreamAssets) -> HeadingBlock:
    try:
        level = int(v.get("level") or 2)
    except (TypeError, ValueError):
        level = 2
    return HeadingBlock(id=bid, text=_text(v.get("text")), level=level)


def _image(bid: str, v: dict, assets: StreamAssets) -> ImageBlock:
    image = assets.image(v.get("image"))
    alt = _text(v.get("alt")) or (image.default_alt_text if image else "")
    return ImageBlock(
        id=bid,
        image=Image(_image=image, _alt=alt) if image else None,
        alt=alt,
        caption=_optional(v.get("caption")),
    )


def _quote(bid: str, v: dict, assets: StreamAssets) -> QuoteBlock:
    return QuoteBlock(
        id=bid, text=_text(v.get("text")), attribution=_optional(v.get("attribution"))
    )


def _document(bid: str, v: dict, assets: StreamAssets) -> DocumentBlock:
    document = assets.document(v.get("document"))
    title = _optional(v.get("title")) or (document.title if document else None)
    return DocumentBlock(
        id=bid, document=Document(_document=document) if document else None, title=title
    )


def _callout(bid: str, v: dict, assets: StreamAssets) -> CalloutBlock:
    tone = v.get("tone") if v.get("tone") in {t.value for t in CalloutTone} else "info"
    return CalloutBlock(
        id=bid,
        tone=CalloutTone(tone),
        title=_optional(v.get("title")),
        html=assets.html(_text(v.get("text"))),
    )


STRUCT_BUILDERS = {
    "heading": _heading,
    "image": _image,
    "quote": _quote,
    "document": _document,
    "callout": _callout,
}


def build_blocks(page: Any, assets: StreamAssets) -> list[Block]:
    """The page body as typed blocks; unknown or malformed stored blocks are skipped."""
    built: list[Block] = []
    for raw in raw_blocks(page):
        kind, value, bid = raw.get("type"), raw.get("value"), str(raw.get("id") or "")
        if kind == "rich_text":
            built.append(RichTextBlock(id=bid, html=assets.html(_text(value))))
        elif kind == "embed" and isinstance(value, str):
            embed = assets.embeds.get(value)
            fetched = bool(embed and embed.html)
            built.append(
                EmbedBlock(
                    id=bid,
                    url=value,
                    html=embed.html if fetched else format_html('<a href="{0}">{0}</a>', value),
                    fetched=fetched,
                    title=_optional(embed.title) if embed else None,
                    provider_name=_optional(embed.provider_name) if embed else None,
                    thumbnail_url=_optional(embed.thumbnail_url) if embed else None,
                )
            )
        elif kind in STRUCT_BUILDERS and isinstance(value, dict):
            built.append(STRUCT_BUILDERS[kind](bid, value, assets))
    return built
