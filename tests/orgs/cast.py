"""Objects of the accounts area for the cast: an open invitation in each organisation, so that the
isolation tests try the invitation pages with a real one."""

from __future__ import annotations


def plant(cast) -> None:
    from teamalign.orgs.services import invitation_create

    for slug, org, admin in (("acme", cast.acme, cast.alice), ("globex", cast.globex, cast.gary)):
        invitation, secret = invitation_create(organisation=org, email=f"newcomer@{slug}.example", role="viewer",
                                               invited_by=admin)
        cast.objects[slug]["invitation"] = invitation
        cast.objects[slug]["invitation_secret"] = secret
