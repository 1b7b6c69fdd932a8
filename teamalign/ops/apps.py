from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "teamalign.ops"
    label = "ops"
    verbose_name = "Operations: leases, retention, backups"

    def ready(self) -> None:
        from . import leases, tasks  # noqa: F401  tasks registers the periodic retention job

        leases.connect_task_signals()
