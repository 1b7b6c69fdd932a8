"""The Findings page and the thresholds page. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from teamalign.orgs.access import org_view
from teamalign.orgs.roles import Permission
from teamalign.web.forms import form_saved

from . import selectors, services
from .forms import ThresholdsForm


def counts_text(counts: dict[str, int]) -> str:
    """{"high": 4, "medium": 2, "low": 0, "info": 1} → "4 high, 2 medium and 1 note"."""
    parts = [f"{n} {'note' + ('s' if n != 1 else '') if severity == 'info' else severity}"
             for severity, n in counts.items() if n]
    return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)


@org_view(Permission.VIEW)
def findings(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    payload = selectors.findings_payload(org)
    return render(request, "insights/findings.html", {
        "payload": payload, "findings": payload["findings"], "resolved": payload["resolved"][:20],
        "counts_text": counts_text(payload["counts"]),
        "looked_at": selectors.data_described(org), "thresholds": selectors.thresholds(org),
    })


@org_view(Permission.MANAGE)
def thresholds(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    form = ThresholdsForm(request.POST or None, current=selectors.thresholds(org))
    if request.method == "POST" and form.is_valid() and form_saved(form, lambda: services.finding_settings_save(
            organisation=org, thresholds=form.values(), user=request.user)):
        messages.success(request, "Thresholds saved. The findings are being computed again with them.")
        return redirect("findings_thresholds", org.slug)
    return render(request, "insights/thresholds.html", {"form": form})


@org_view(Permission.MANAGE)
@require_POST
def thresholds_reset(request: HttpRequest) -> HttpResponse:
    services.finding_settings_reset(organisation=request.organisation, user=request.user)
    messages.success(request, "Every threshold is back to its default. The findings are being computed again.")
    return redirect("findings_thresholds", request.organisation.slug)
