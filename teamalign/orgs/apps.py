from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "teamalign.orgs"
    label = "orgs"
    verbose_name = "Organisations and people"

    def ready(self) -> None:
        from . import services  # noqa: F401  registers the people import kind
