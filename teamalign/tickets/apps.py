from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "teamalign.tickets"
    label = "tickets"
    verbose_name = "Tickets, schedules and SLA policies"
