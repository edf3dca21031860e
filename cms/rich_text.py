"""Front-end rich text: image embeds fetched with their renditions in one batch.

Wagtail's own image embed handler looks up each image's rendition separately, so a body with
N embedded images costs N queries. This handler prefetches every rendition with the images.
"""

from __future__ import annotations

from wagtail import hooks
from wagtail.images import get_image_model
from wagtail.images.rich_text import ImageEmbedHandler


class PrefetchingImageEmbedHandler(ImageEmbedHandler):
    @classmethod
    def get_many(cls, attrs_list: list[dict]) -> list:
        ids = [attrs.get("id") for attrs in attrs_list]
        valid = [int(i) for i in ids if str(i).isdigit()]
        found = get_image_model().objects.filter(id__in=valid).prefetch_renditions()
        by_id = {str(image.id): image for image in found}
        return [by_id.get(str(i)) for i in ids]


@hooks.register("register_rich_text_features", order=100)
def use_prefetching_image_embeds(features) -> None:
    features.register_embed_type(PrefetchingImageEmbedHandler)
