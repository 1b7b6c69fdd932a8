from django.urls import include, path

from teamalign.api.urls import api
from teamalign.orgs import views as orgs
from teamalign.web import views as web

org_patterns = [
    path("", web.overview, name="overview"),
    path("data/", orgs.data, name="data"),
    path("data/upload/", orgs.upload, name="upload"),
    path("data/imports/<int:run_id>/", orgs.import_run, name="import_run"),
    path("data/imports/<int:run_id>/rerun/", orgs.import_run_retry, name="import_run_retry"),
    path("departments/", orgs.departments, name="departments"),
    path("departments/new/", orgs.department_edit, name="department_new"),
    path("departments/<int:department_id>/edit/", orgs.department_edit, name="department_edit"),
    path("departments/<int:department_id>/delete/", orgs.department_delete, name="department_delete"),
    path("teams/", orgs.teams, name="teams"),
    path("teams/new/", orgs.team_edit, name="team_new"),
    path("teams/<int:team_id>/edit/", orgs.team_edit, name="team_edit"),
    path("teams/<int:team_id>/delete/", orgs.team_delete, name="team_delete"),
    path("people/", orgs.people, name="people"),
    path("people/new/", orgs.person_edit, name="person_new"),
    path("people/<int:person_id>/edit/", orgs.person_edit, name="person_edit"),
    path("people/<int:person_id>/delete/", orgs.person_delete, name="person_delete"),
    path("users/", orgs.members, name="members"),
    path("users/<int:membership_id>/role/", orgs.member_role, name="member_role"),
    path("users/<int:membership_id>/remove/", orgs.member_remove, name="member_remove"),
    path("settings/", orgs.organisation_settings, name="organisation_settings"),
    path("responsiveness/", include("teamalign.tickets.urls")),
]

urlpatterns = [
    path("", web.home, name="home"),
    path("login/", web.LoginView.as_view(), name="login"),
    path("logout/", web.auth_views.LogoutView.as_view(), name="logout"),
    path("switch/", web.switch, name="switch"),
    path("account/tokens/", web.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/delete/", web.token_delete, name="token_delete"),
    path("api/", api.urls),
    path("o/<slug:org_slug>/", include(org_patterns)),
]
