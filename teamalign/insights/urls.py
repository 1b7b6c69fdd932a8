"""The Findings pages, mounted under /o/<org_slug>/findings/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.findings, name="findings"),
    path("thresholds/", views.thresholds, name="findings_thresholds"),
    path("thresholds/reset/", views.thresholds_reset, name="findings_thresholds_reset"),
]
