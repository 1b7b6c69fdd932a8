"""The Responsiveness area's pages, mounted under /o/<org_slug>/responsiveness/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.responsiveness, name="responsiveness"),
    path("tickets/", views.ticket_list, name="responsiveness_ticket_list"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="responsiveness_ticket_detail"),
    path("settings/", views.settings, name="responsiveness_settings"),
    path("settings/recompute/", views.recompute, name="responsiveness_tickets_recompute"),
    path("settings/schedules/new/", views.schedule_edit, name="responsiveness_schedule_new"),
    path("settings/schedules/<int:schedule_id>/edit/", views.schedule_edit, name="responsiveness_schedule_edit"),
    path("settings/schedules/<int:schedule_id>/delete/", views.schedule_delete, name="responsiveness_schedule_delete"),
    path("settings/policies/new/", views.sla_policy_edit, name="responsiveness_sla_policy_new"),
    path("settings/policies/<int:sla_policy_id>/edit/", views.sla_policy_edit, name="responsiveness_sla_policy_edit"),
    path("settings/policies/<int:sla_policy_id>/delete/", views.sla_policy_delete, name="responsiveness_sla_policy_delete"),
    path("settings/rules/", views.requester_rule_add, name="responsiveness_requester_rule_add"),
    path("settings/rules/<int:requester_rule_id>/delete/", views.requester_rule_delete,
         name="responsiveness_requester_rule_delete"),
]
