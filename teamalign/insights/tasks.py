"""Background jobs of the findings, run by `teamalign worker`."""

from __future__ import annotations

from django_tasks import task

from teamalign.orgs.models import Organisation


@task()
def findings_recompute_job(organisation_id: int) -> str:
    """Compute an organisation's findings after new data or new thresholds; returns the data
    version computed. A no-op when they are current already (jobs queued twice, a reader first)."""
    from .services import findings_recompute

    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return ""
    return findings_recompute(organisation=organisation).data_version
