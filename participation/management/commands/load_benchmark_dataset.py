"""`manage.py load_benchmark_dataset PATH.json`: the benchmark data (BENCHMARK.md)."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from participation import dataset_loader


class Command(BaseCommand):
    help = (
        "Load the benchmark dataset (JSON written by the benchmark's dataset.py --json) through "
        "the project's models: agencies a/b, their climate-plan consultations, citizens, "
        "proposals, supports and comments with exact counters."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the dataset JSON file")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the dataset's agencies (and benchmark citizens) first, if present",
        )
        parser.add_argument(
            "--open-now",
            action="store_true",
            help="shift the phases by whole days so that the last one (support) runs now, "
            "so the benchmark's supports and comments are accepted",
        )
        parser.add_argument(
            "--password", help="a password for every citizen (default: none, unusable)"
        )
        parser.add_argument(
            "--tokens-out",
            metavar="PATH",
            help="create one API token per citizen and write {citizen number: token} here",
        )

    def handle(self, *args, **opts) -> None:
        started = time.monotonic()
        try:
            data = dataset_loader.read(opts["path"])
            summary = dataset_loader.load(
                data,
                replace=opts["replace"],
                open_now=opts["open_now"],
                password=opts["password"],
                tokens=bool(opts["tokens_out"]),
            )
        except dataset_loader.DatasetError as exc:
            raise CommandError(str(exc)) from exc
        if opts["tokens_out"]:
            with open(opts["tokens_out"], "w", encoding="utf-8") as handle:
                json.dump(summary.tokens, handle)
        for line in dataset_loader.summary_lines(summary):
            self.stdout.write(line)
        if connection.vendor == "postgresql":
            # A bulk load leaves the planner's statistics describing the empty tables, and the
            # visibility map unset (no index-only counts), until autovacuum gets round to them;
            # measured at once, every plan would be a guess. VACUUM cannot run in a transaction
            # (inside tests, say): ANALYZE alone there.
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                cursor.execute(statement)
            self.stdout.write("analyzed (planner statistics refreshed)")
        self.stdout.write(self.style.SUCCESS(f"loaded in {time.monotonic() - started:.1f}s"))
