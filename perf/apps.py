from django.apps import AppConfig


class PerfConfig(AppConfig):
    """The speed layer: checked and installed before any other app opens a connection."""

    name = "perf"
    verbose_name = "Speed layer"

    def ready(self) -> None:
        from perf import switches
        from perf.db import timestamps

        switches.check_settings()
        timestamps.install()
