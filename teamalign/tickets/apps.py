from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "teamalign.tickets"
    label = "tickets"
    verbose_name = "Tickets, schedules and SLA policies"

    def ready(self) -> None:
        from teamalign.web.navigation import Area, register_area

        from . import services  # noqa: F401  registers the "tickets" import kind

        register_area(Area("responsiveness", "Responsiveness", "responsiveness"))
        self._watch_the_directory()
        from . import demo  # noqa: F401  registers the demo planter

    @staticmethod
    def _watch_the_directory() -> None:
        """Department and team names and kinds, and the organisation's time zone, are part of the
        cached figures: any change to them makes the figures out of date."""
        from django.db.models.signals import post_delete, post_save

        from teamalign.orgs.models import Department, Organisation, Team

        def saved(sender, instance, created=False, **kwargs) -> None:
            from .services import data_version_bump

            if sender is Organisation and created:
                return
            data_version_bump(instance if sender is Organisation else instance.organisation)

        def deleted(sender, instance, **kwargs) -> None:
            # Only an existing version is bumped: the whole organisation may be being deleted.
            from django.db.models import F
            from django.utils import timezone

            from .models import TicketDataVersion

            TicketDataVersion.objects.filter(organisation_id=instance.organisation_id).update(
                version=F("version") + 1, changed_at=timezone.now())

        for model in (Department, Team):
            post_save.connect(saved, sender=model, dispatch_uid=f"tickets-version-{model.__name__}-save", weak=False)
            post_delete.connect(deleted, sender=model, dispatch_uid=f"tickets-version-{model.__name__}-delete", weak=False)
        post_save.connect(saved, sender=Organisation, dispatch_uid="tickets-version-organisation-save", weak=False)
