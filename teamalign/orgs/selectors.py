"""Reads for organisations and people, always scoped to one organisation."""

from __future__ import annotations

import hashlib

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Department, ImportRun, Invitation, Membership, Organisation, Person, Team, User


def user_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def departments_with_counts(organisation: Organisation) -> QuerySet[Department]:
    return Department.objects.filter(organisation=organisation).annotate(
        people_count=Count("people", distinct=True), team_count=Count("teams", distinct=True))


def teams_with_counts(organisation: Organisation) -> QuerySet[Team]:
    return Team.objects.filter(organisation=organisation).select_related("department").annotate(
        people_count=Count("people"))


def people_search(organisation: Organisation, query: str = "", department_id: int | None = None) -> QuerySet[Person]:
    people = Person.objects.filter(organisation=organisation).select_related("department", "team")
    if query:
        people = people.filter(Q(name__icontains=query) | Q(email__icontains=query) | Q(title__icontains=query))
    if department_id:
        people = people.filter(department_id=department_id)
    return people


def import_runs(organisation: Organisation) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(organisation=organisation).select_related("created_by")


def directory_summary(organisation: Organisation) -> dict:
    departments = list(departments_with_counts(organisation).order_by("kind", "name"))
    return {
        "people": Person.objects.filter(organisation=organisation).count(),
        "leaders": Person.objects.filter(organisation=organisation, is_leader=True).count(),
        "departments": departments,
        "teams": Team.objects.filter(organisation=organisation).count(),
    }


def token_digest(secret: str) -> str:
    """How link and API secrets are stored: their SHA-256, never the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def invitation_for_secret(secret: str) -> Invitation | None:
    """The open (pending, unexpired) invitation a link's secret names, or None."""
    if not secret or len(secret) > 200:
        return None
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=token_digest(secret)).first()
    return invitation if invitation is not None and invitation.is_open else None


def open_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """The organisation's invitations that still wait for an answer."""
    return Invitation.objects.filter(organisation=organisation, status=Invitation.Status.PENDING,
                                     expires_at__gt=timezone.now()).select_related("invited_by")


def invitations_for_user(user: User) -> QuerySet[Invitation]:
    """Open invitations to the user's own address (what they may accept or decline)."""
    return Invitation.objects.filter(email=user.email.lower(), status=Invitation.Status.PENDING,
                                     expires_at__gt=timezone.now()).select_related("organisation", "invited_by")
