"""Keep the derived agency of pages right when a subtree moves to another agency."""

from __future__ import annotations

from django.dispatch import receiver
from wagtail.signals import post_page_move


@receiver(post_page_move)
def rederive_agency_after_move(sender, instance, **kwargs) -> None:
    from cms.models import AgencyOwnedPage, agency_id_for_path

    agency_id = agency_id_for_path(instance.path)
    for page in instance.get_descendants(inclusive=True).specific(defer=True):
        if isinstance(page, AgencyOwnedPage) and page.agency_id != agency_id:
            type(page).objects.filter(pk=page.pk).update(agency_id=agency_id)
            if hasattr(page, "phases"):
                page.phases.model.objects.filter(page_id=page.pk).update(agency_id=agency_id)
