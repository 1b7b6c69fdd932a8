"""Background jobs of the tickets app, run by `teamalign worker`."""

from __future__ import annotations

from django_tasks import task

from teamalign.orgs.models import Organisation

from .services import tickets_recompute


@task()
def tickets_recompute_job(organisation_id: int) -> dict:
    """Measure every ticket of an organisation again (after a schedule, policy or rule change)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return {"tickets": 0, "updated": 0}
    return tickets_recompute(organisation)


@task()
def responsiveness_warm_job(organisation_id: int) -> int:
    """Compute the unfiltered Responsiveness figures after an import, so the first visitor does
    not wait for them. Returns the data version computed."""
    from .selectors import responsiveness

    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return 0
    return responsiveness(organisation)["data_version"]
