from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Consultation content"

    def ready(self) -> None:
        from cms import rich_text, signals  # noqa: F401
