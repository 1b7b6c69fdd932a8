"""The web shell: signing in and out, choosing an organisation, the overview, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.validators import slug_re
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from teamalign.orgs.access import SESSION_ORG_KEY, membership_for, org_view
from teamalign.orgs.models import ApiToken
from teamalign.orgs.roles import Permission
from teamalign.orgs.selectors import directory_summary, import_runs, user_memberships
from teamalign.orgs.services import api_token_create

from . import charts
from .throttle import login_blocked, login_failed, login_succeeded, remember_device


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "").strip()
        if login_blocked(request, username):
            # An unbound form: while locked, the password is not even checked.
            form = self.get_form_class()(request, initial={"username": username})
            return render(request, self.template_name, {
                "form": form, "blocked": True,
            }, status=429)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "data" in kwargs:
            # Emails are stored lower-cased; people type them as they like.
            data = kwargs["data"].copy()
            data["username"] = data.get("username", "").strip().lower()
            kwargs["data"] = data
        return kwargs

    def form_invalid(self, form):
        login_failed(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        email = form.get_user().email
        login_succeeded(self.request, email)
        response = super().form_valid(form)
        remember_device(self.request, response, email)
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(user_memberships(request.user))
    if not memberships:
        return render(request, "web/no_organisation.html")
    wanted = request.session.get(SESSION_ORG_KEY)
    slug = next((m.organisation.slug for m in memberships if m.organisation.slug == wanted),
                memberships[0].organisation.slug)
    return redirect("overview", slug)


@login_required
def switch(request: HttpRequest) -> HttpResponse:
    """The organisation switcher (a plain GET form, so it works without JavaScript)."""
    slug = request.GET.get("org", "")
    if not slug_re.fullmatch(slug):
        raise Http404("No such organisation.")  # not even looked up (PostgreSQL refuses a NUL, for one)
    membership_for(request.user, slug)
    return redirect("overview", slug)


@org_view(Permission.VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    summary = directory_summary(org)
    chart = charts.people_by_department(summary["departments"]) if summary["people"] else None
    return render(request, "web/overview.html", {
        "summary": summary,
        "people_chart": chart,
        "recent_imports": import_runs(org)[:5],
    })


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    new_secret = None
    if request.method == "POST":
        token, new_secret = api_token_create(user=request.user, name=request.POST.get("name", ""))
        messages.success(request, f"Token '{token.name}' created. Copy it now: it is not shown again.")
    return render(request, "web/tokens.html", {
        "tokens": ApiToken.objects.filter(user=request.user), "new_secret": new_secret,
    })


@login_required
@require_POST
def token_delete(request: HttpRequest, token_id: int) -> HttpResponse:
    deleted, _ = ApiToken.objects.filter(user=request.user, pk=token_id).delete()
    if not deleted:
        raise Http404
    messages.success(request, "Token revoked.")
    return redirect("tokens")
