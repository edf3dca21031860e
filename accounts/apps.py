from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # The first installed app: connection set-up every other app relies on.
        from config import db_loaders

        db_loaders.install()
