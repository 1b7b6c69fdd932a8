"""A user's own account: the account page, changing the password, answering invitations, and the
one-time links (invitation, password reset) that an admin passes on. Thin: services write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from teamalign.errors import ValidationError
from teamalign.orgs import selectors, services
from teamalign.orgs.forms import JoinForm
from teamalign.orgs.models import ApiToken, Invitation, User

from .throttle import login_blocked, login_failed, login_succeeded, remember_device


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "web/account.html", {
        "invitations": selectors.invitations_for_user(request.user),
        "token_count": ApiToken.objects.filter(user=request.user).count(),
    })


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password, knowing the current one. Wrong guesses of the current password
    count as failed sign-ins, so a borrowed session cannot be used to guess it."""
    email = request.user.email
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if login_blocked(request, email):
            return render(request, "web/password_change.html", {"form": PasswordChangeForm(request.user),
                                                                "blocked": True}, status=429)
        if form.is_valid():
            form.save()
            update_session_auth_hash(request, form.user)  # this session stays; the others end
            login_succeeded(request, email)
            messages.success(request, "Your password is changed. Other browsers signed in as you are signed out.")
            return redirect("account")
        if "old_password" in form.errors:
            login_failed(request, email)
    return render(request, "web/password_change.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The one-time link an admin (web) or the operator (CLI) hands over. Django's view moves the
    token out of the address bar into the session before showing the form."""

    template_name = "web/password_reset.html"
    post_reset_login = True
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your new password is set, and you are signed in.")
        remember_device(self.request, response, form.user.email)
        return response


def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """Where an invitation link leads: accept (signed in as the invited address), sign in first,
    or — for an address without a login — choose a password, which creates the login."""
    found = selectors.invitation_for_secret(secret)
    if found is None:
        return render(request, "web/invitation.html", {"invalid": True}, status=404)
    context = {"invitation": found}
    if request.user.is_authenticated:
        context["for_someone_else"] = request.user.email.lower() != found.email
        return render(request, "web/invitation.html", context)
    if User.objects.filter(email=found.email).exists():
        context["sign_in_url"] = f"{reverse('login')}?next={request.path}"
        return render(request, "web/invitation.html", context)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_join(invitation=found, name=form.cleaned_data["name"],
                                            password=form.cleaned_data["password1"])
        except ValidationError as exc:
            form.add_error(None, str(exc))
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {found.organisation.name}.")
            response = redirect("overview", found.organisation.slug)
            remember_device(request, response, user.email)
            return response
    context["form"] = form
    return render(request, "web/invitation.html", context, status=400 if form.errors else 200)


def _own_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    # Only invitations to one's own address: anybody else's id is a 404.
    return get_object_or_404(Invitation.objects.select_related("organisation"), pk=invitation_id,
                             email=request.user.email.lower())


@login_required
@require_POST
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    found = _own_invitation(request, invitation_id)
    try:
        services.invitation_accept(invitation=found, user=request.user)
    except ValidationError as exc:
        messages.error(request, str(exc))
        return redirect("account")
    messages.success(request, f"You joined {found.organisation.name} as {found.get_role_display()}.")
    return redirect("overview", found.organisation.slug)


@login_required
@require_POST
def invitation_decline(request: HttpRequest, invitation_id: int) -> HttpResponse:
    found = _own_invitation(request, invitation_id)
    try:
        services.invitation_decline(invitation=found, user=request.user)
        messages.success(request, f"You declined the invitation to {found.organisation.name}.")
    except ValidationError as exc:
        messages.error(request, str(exc))
    return redirect("account")
