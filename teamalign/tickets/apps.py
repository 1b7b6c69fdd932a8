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
        try:
            from . import demo  # noqa: F401  registers the demo planter
        except ImportError:  # the demo package is optional in slim installs
            pass

    @staticmethod
    def _watch_the_directory() -> None:
        """Department and team names and kinds, and the organisation's time zone, are part of the
        cached figures: any change to them makes the figures out of date."""
        from django.db.models.signals import post_delete, post_save

        from teamalign.orgs.models import Department, Organisation, Team

        def changed(sender, instance, **kwargs) -> None:
            from .models import TicketDataVersion
            from .services import data_version_bump

            organisation = instance if sender is Organisation else instance.organisation
            if kwargs.get("created") and sender is Organisation:
                return
            if sender is Organisation and kwargs.get("signal") is post_delete:
                return
            if TicketDataVersion.objects.filter(organisation_id=organisation.pk).exists() or sender is not Organisation:
                data_version_bump(organisation)

        for model in (Department, Team):
            post_save.connect(changed, sender=model, dispatch_uid=f"tickets-version-{model.__name__}-save")
            post_delete.connect(changed, sender=model, dispatch_uid=f"tickets-version-{model.__name__}-delete")
        post_save.connect(changed, sender=Organisation, dispatch_uid="tickets-version-organisation-save")
