from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "participation"
    verbose_name = "Participation"

    def ready(self) -> None:
        # Participation writes (and page publishing) orphan cached anonymous answers.
        from graph.engine.answer_cache import connect_signals

        connect_signals()
