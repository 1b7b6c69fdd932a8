from django.urls import include, path

from teamalign.api.urls import api
from teamalign.orgs import views as orgs
from teamalign.web import account_views as account
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
    path("users/<int:membership_id>/reset-password/", orgs.member_password_reset, name="member_password_reset"),
    path("users/invitations/<int:invitation_id>/revoke/", orgs.invitation_revoke, name="invitation_revoke"),
    path("settings/", orgs.organisation_settings, name="organisation_settings"),
    path("responsiveness/", include("teamalign.tickets.urls")),
    path("findings/", include("teamalign.insights.urls")),
]

urlpatterns = [
    path("", web.home, name="home"),
    path("login/", web.LoginView.as_view(), name="login"),
    path("logout/", web.auth_views.LogoutView.as_view(), name="logout"),
    path("switch/", web.switch, name="switch"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="password_change"),
    path("account/reset/<uidb64>/<token>/", account.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("account/invitations/<int:invitation_id>/accept/", account.invitation_accept, name="invitation_accept"),
    path("account/invitations/<int:invitation_id>/decline/", account.invitation_decline, name="invitation_decline"),
    path("invitations/<str:secret>/", account.invitation, name="invitation"),
    path("account/tokens/", web.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/delete/", web.token_delete, name="token_delete"),
    path("api/", api.urls),
    path("o/<slug:org_slug>/", include(org_patterns)),
]

handler500 = "teamalign.web.errors.server_error"
