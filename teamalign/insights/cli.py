"""``teamalign metrics findings``: the findings, as the Findings page and the API give them."""

from __future__ import annotations

import argparse
import json


def add_commands(sub) -> None:
    from teamalign.tickets.cli import area_subparsers

    metrics = area_subparsers(sub, "metrics", "print an area's figures (the numbers its page shows)")
    p = metrics.add_parser("findings", help="the findings, worst first, with their evidence and recommendations")
    p.add_argument("--org", required=True, help="organisation slug")
    p.add_argument("--area", help="only the findings an area's page leads with (e.g. responsiveness)")
    p.add_argument("--recompute", action="store_true",
                   help="compute the findings again first, even when the stored ones are current")
    p.add_argument("--json", action="store_true", help="print the findings as JSON (as the API returns them)")
    p.set_defaults(func=cmd_metrics_findings)


def cmd_metrics_findings(args: argparse.Namespace) -> int:
    from teamalign.cli import _console, _fail, _setup_django

    _setup_django()
    from teamalign.errors import ValidationError
    from teamalign.insights import selectors, services
    from teamalign.orgs.models import Organisation

    org = Organisation.objects.filter(slug=args.org).first()
    if org is None:
        return _fail(f"no organisation with the slug '{args.org}'")
    if args.recompute:
        services.findings_recompute(organisation=org, force=True)
    try:
        payload = selectors.findings_payload(org, area=args.area or None)
    except ValidationError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    _print_findings(_console(), org, payload, selectors.data_described(org))
    return 0


def _print_findings(console, org, payload: dict, looked_at: list[str]) -> None:
    from rich.markup import escape

    from .templatetags.insights import recommendation_label

    colour = {"high": "red", "medium": "yellow", "low": "blue", "info": "bright_black"}
    findings = payload["findings"]
    counts = ", ".join(f"{n} {severity}" for severity, n in payload["counts"].items() if n)
    where = ", ".join(looked_at) or "no data yet"
    console.print(f"[bold]{escape(org.name)}[/]: {len(findings)} finding{'s' if len(findings) != 1 else ''}"
                  + (f" ({counts})" if counts else "") + f", looked for in {escape(where)}", highlight=False)
    for f in findings:
        console.print()
        console.print(f"[{colour.get(f['severity'], 'white')}][{f['severity_label'].upper()}][/] "
                      f"[bold]{escape(f['title'])}[/]  [bright_black]{escape(f['key'])}[/]", highlight=False)
        for link in f["evidence"]["links"]:
            if link["url"]:
                console.print(f"  evidence: {escape(link['label'])}: {escape(link['url'])}", highlight=False)
        for r in f["recommendations"]:
            console.print(f"  → {recommendation_label(r['kind'])}: {escape(r['text'])}", highlight=False)
    for error in payload["errors"]:
        console.print(f"[yellow]rule {escape(error['rule'])} could not run: {escape(error['message'])}[/]",
                      highlight=False)
    if payload["resolved"]:
        console.print(f"\n{len(payload['resolved'])} finding(s) resolved by later data.", highlight=False)
