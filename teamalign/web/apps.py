from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "teamalign.web"
    label = "web"
    verbose_name = "Web interface"
