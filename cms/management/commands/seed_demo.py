"""`manage.py seed_demo`: demo agencies, consultations and users for a first run (cms.demo)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import override

from cms import demo
from cms.models import ConsultationPage
from participation import demo as participation_demo
from participation.refusals import Refused


class Command(BaseCommand):
    help = (
        "Create (or refresh) idempotent demo content: two agencies, consultations in every "
        "status, a draft, a private page, one user per role, and proposals, comments, supports "
        "and an official response on the consultations open for them. Development only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (the demo users share a published password).",
        )

    def handle(self, *args, **opts) -> None:
        if not settings.DEBUG and not opts["force"]:
            raise CommandError(
                "DEBUG is off: refusing to create demo users with a published password. "
                "Use --force if this really is a development or demo instance."
            )
        if not settings.DEBUG:
            self.stderr.write(self.style.WARNING("DEBUG is off: seeding anyway (--force)."))
        try:
            result = demo.seed()
            participation = participation_demo.seed()
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except Refused as exc:
            raise CommandError(f"demo participation refused: {exc.code.value}: {exc}") from exc
        self._summary(result)
        made = ", ".join(f"{n} {kind}" for kind, n in participation.items()) or "nothing new"
        self.stdout.write(f"Participation (proposals, comments, supports, responses): {made}")

    def _summary(self, result: demo.SeedResult) -> None:
        out = self.stdout.write
        tally = result.tally
        created = ", ".join(f"{n} {k}" for k, n in tally.created.items()) or "nothing"
        updated = ", ".join(f"{n} {k}" for k, n in tally.updated.items()) or "nothing"
        out(self.style.SUCCESS("Demo content is ready."))
        out(f"  created: {created}; updated: {updated}")
        out("")
        out("Agencies:")
        port = demo.BASE_URL.rsplit(":", 1)[-1]
        for agency in result.agencies:
            with override("en"):
                out(f"  {agency.slug:<6} {agency.name_th} / {agency.name_en}")
            out(f"         site http://{agency.site.hostname}:{port}/  (X-Agency: {agency.slug})")
            pages = ConsultationPage.objects.filter(agency=agency).order_by("path")
            for page in pages:
                state = page.status if page.live else "draft"
                if page.live and page.get_view_restrictions().exists():
                    state += ", private"
                out(f"         - {page.slug} [{state}]")
        out("")
        out(f"Wagtail admin: {demo.BASE_URL}/admin/")
        out(f"GraphiQL:      {demo.BASE_URL}/graphql/")
        out("")
        out(f"Users (DEVELOPMENT password for all: {demo.DEMO_PASSWORD}):")
        for user in result.users:
            out(f"  {user.username:<16} {user.first_name} {user.last_name} ({user.note})")
        out(f"Password of the password-protected page: {demo.PRIVATE_PAGE_PASSWORD}")
        out("Existing users keep their password. See docs/DEMO.md.")
