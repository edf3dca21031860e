from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

SDL_PATH = Path(settings.BASE_DIR) / "schema.graphql"


def current_sdl() -> str:
    from graph.schema import schema

    return schema.as_str().rstrip() + "\n"


class Command(BaseCommand):
    help = "Write the GraphQL schema (SDL) to schema.graphql, the checked-in contract."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the file is stale.")

    def handle(self, *args, **options) -> None:
        sdl = current_sdl()
        if options["check"]:
            if not SDL_PATH.exists() or SDL_PATH.read_text(encoding="utf-8") != sdl:
                raise SystemExit("schema.graphql is stale: run `python manage.py export_schema`.")
            self.stdout.write("schema.graphql is up to date")
            return
        SDL_PATH.write_text(sdl, encoding="utf-8")
        self.stdout.write(f"Wrote {SDL_PATH}")
