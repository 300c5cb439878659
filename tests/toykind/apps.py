from django.apps import AppConfig


class ToyKindConfig(AppConfig):
    name = "tests.toykind"
    label = "toykind"
    verbose_name = "Toy kind (tests only)"

    def ready(self) -> None:
        # Django's place for work that needs the models: they can't be imported before apps load.
        from apps.jobs.kinds import job_kind_register

        from .kind import TOY

        job_kind_register(TOY)
