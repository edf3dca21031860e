from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cms.agencies import AgencySpec, create_agency


class Command(BaseCommand):
    help = "Create an agency with its Wagtail site, page tree, collection and editor group."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name-th", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--hostname", required=True)
        parser.add_argument("--port", type=int, default=80)

    def handle(self, *args, **opts) -> None:
        spec = AgencySpec(
            slug=opts["slug"],
            name_th=opts["name_th"],
            name_en=opts["name_en"],
            hostname=opts["hostname"],
            port=opts["port"],
        )
        try:
            agency = create_agency(spec)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Created agency {agency.slug} at {spec.hostname}:{spec.port}")
