"""The Responsiveness findings (PRODUCT.md's playbook), read from the tickets' figures.

Every rule reads figures through this area's selectors (the page's ``responsiveness`` figures
and ``findings_figures``), never the database, and says nothing when the data cannot carry a
conclusion: a comparison needs ``comparison.min_tickets`` measured tickets in each group and a
significant test (docs/findings.md). Rules, thresholds and recommendations are documented in
docs/findings.md; a test checks that every rule is.
"""

from __future__ import annotations

from collections.abc import Iterator

from teamalign.calc import stats
from teamalign.insights.formatting import count, duration, percent, ratio
from teamalign.insights.registry import (
    Figure,
    Found,
    Link,
    Pillar,
    Recommendation,
    RecommendationKind,
    RuleContext,
    Severity,
    Threshold,
    register_data_source,
    rule,
)

from . import selectors

AREA = "responsiveness"
SOURCE_LABELS = {"servicenow": "ServiceNow", "jira": "Jira Service Management", "zendesk": "Zendesk",
                 "freshservice": "Freshservice", "csv": "a mapped CSV"}
#: Where each tool keeps the first-response time, for the recommendation of no_first_response.
FIRST_RESPONSE_HINTS = {
    "servicenow": "import the incident event log (audit history) beside the list export, or add the time the "
                  "ticket first left New to the export",
    "jira": "include the “Time to first response” SLA field (or a “Date of First Response” field) in the export",
    "zendesk": "export the ticket metrics (first reply time) with the tickets",
    "freshservice": "include “Initial Response Time” in the export",
    "csv": "map a “First response” column in the mapping file",
}

def _describe(organisation) -> str | None:
    tickets = selectors.ticket_count(organisation)
    return f"{count(tickets)} ticket{'s' if tickets != 1 else ''}" if tickets else None


register_data_source("tickets", lambda organisation: selectors.data_stamp(organisation)[1], _describe)


def _figures(ctx: RuleContext) -> dict:
    _extra(ctx)  # reads the tickets once and leaves the page's figures cached on the way
    return ctx.memo("tickets.responsiveness", lambda: selectors.responsiveness(ctx.organisation))


def _extra(ctx: RuleContext) -> dict:
    return ctx.memo("tickets.findings_figures", lambda: selectors.findings_figures(ctx.organisation))


def _operations_links(ctx: RuleContext, label: str, **params) -> list[Link]:
    """Ticket-list links for each Operations department (usually one)."""
    departments = _extra(ctx)["operations_departments"]
    return [Link(f"{label}" if len(departments) == 1 else f"{label} ({d['name']})", "responsiveness_ticket_list",
                 {"department": d["id"], **params}) for d in departments]


def _comparison_statistics(ctx: RuleContext, row: dict, what: str) -> dict:
    return {"test": "Mann–Whitney U (two-sided)", "p_value": row[f"{what}_p_value"],
            "ratio_interval": [row[f"{what}_ratio_low"], row[f"{what}_ratio_high"]],
            "interval": "bootstrap percentile, 95 %, seeded", "alpha": ctx.threshold("comparison.alpha"),
            "min_tickets": ctx.threshold("comparison.min_tickets")}


def _priority_severity(found_ratio: float | None, alert: float, priority: int) -> Severity:
    """Twice the alert ratio is high, else medium; one step up at P1–P2, one down at P4–P5."""
    level = Severity.HIGH if found_ratio is None or found_ratio >= 2 * alert else Severity.MEDIUM
    if priority <= 2:
        level = Severity.HIGH
    elif priority >= 4:
        level = Severity(max(int(level) - 1, int(Severity.LOW)))
    return level


def _waits(ctx: RuleContext, what: str) -> Iterator[tuple[dict, Severity]]:
    alert = ctx.threshold("comparison.alert_ratio")
    for row in _figures(ctx)["operations_vs_others"]:
        if row.get(f"{what}_alert"):
            yield row, _priority_severity(row[f"{what}_ratio"], alert, row["priority"])


def _ratio_text(value: float | None) -> str:
    return ratio(value) if value is not None else "far"


@rule("ops_waits_longer", area=AREA, pillar=Pillar.RESPONSIVENESS, order=10,
      name="Operations waits longer than other departments for a first response, at the same priority")
def ops_waits_longer(ctx: RuleContext) -> Iterator[Found]:
    for row, severity in _waits(ctx, "response"):
        p = row["priority"]
        ops, others = row["operations_response_median"], row["others_response_median"]
        n_ops, n_others = row["operations_response_measured"], row["others_response_measured"]
        r = row["response_ratio"]
        yield Found(
            subject=f"P{p}", severity=severity, weight=r if r is not None else 1000.0,
            title=(f"Operations waits {_ratio_text(r)} longer than other departments for a first response at P{p}: "
                   f"{duration(ops)} vs {duration(others)}, {count(n_ops)} vs {count(n_others)} tickets"),
            figures=(
                Figure("Operations' median time to first response", ops, "seconds"),
                Figure("Other departments' median time to first response", others, "seconds"),
                Figure("Ratio (Operations ÷ others)", r, "ratio"),
                Figure("95 % interval of the ratio, low", row["response_ratio_low"], "ratio"),
                Figure("95 % interval of the ratio, high", row["response_ratio_high"], "ratio"),
                Figure("Operations' tickets measured", n_ops, "count"),
                Figure("Other departments' tickets measured", n_others, "count"),
                Figure("Operations' first responses within target", row["operations_response_attainment"], "fraction"),
                Figure("Other departments' first responses within target", row["others_response_attainment"],
                       "fraction"),
                Figure("p-value (Mann–Whitney U)", row["response_p_value"], "p_value"),
            ),
            links=(Link(f"Responsiveness at P{p}", "responsiveness", {"priority": p}, anchor="ops-vs-others"),
                   *_operations_links(ctx, f"Operations' P{p} tickets that missed the response target",
                                      priority=p, breached="response")),
            statistics=_comparison_statistics(ctx, row, "response"),
            recommendations=(
                Recommendation(RecommendationKind.PROCESS,
                               f"Route Operations' P{p} tickets straight to the team that resolves them and agree "
                               "a first-response target with Operations for that priority.",
                               f"At the same priority Operations waits {_ratio_text(r)} as long, so the queue it "
                               "lands in, not the urgency, decides the wait."),
                Recommendation(RecommendationKind.CROSS_FUNCTIONAL_MEETING,
                               f"Review the month's slowest Operations P{p} tickets in IT's weekly service review, "
                               "with an Operations lead in the room.",
                               "The people who feel the wait and the people who can change the queue look at the "
                               "same tickets and agree what changes."),
                Recommendation(RecommendationKind.ORG_DESIGN,
                               "Name a business relationship manager for Operations who follows its urgent tickets "
                               "until they are answered.",
                               "A named person on the IT side turns a place in a queue into a commitment to a "
                               "customer."),
            ),
        )


@rule("ops_resolved_later", area=AREA, pillar=Pillar.RESPONSIVENESS, order=50,
      name="Operations' tickets take longer to resolve than other departments', at the same priority")
def ops_resolved_later(ctx: RuleContext) -> Iterator[Found]:
    for row, severity in _waits(ctx, "resolution"):
        p = row["priority"]
        ops, others = row["operations_resolution_median"], row["others_resolution_median"]
        n_ops, n_others = row["operations_resolution_measured"], row["others_resolution_measured"]
        r = row["resolution_ratio"]
        yield Found(
            subject=f"P{p}", severity=severity, weight=r if r is not None else 1000.0,
            title=(f"Operations' P{p} tickets take {_ratio_text(r)} longer to resolve than other departments': "
                   f"{duration(ops)} vs {duration(others)}, {count(n_ops)} vs {count(n_others)} tickets"),
            figures=(
                Figure("Operations' median time to resolution", ops, "seconds"),
                Figure("Other departments' median time to resolution", others, "seconds"),
                Figure("Ratio (Operations ÷ others)", r, "ratio"),
                Figure("95 % interval of the ratio, low", row["resolution_ratio_low"], "ratio"),
                Figure("95 % interval of the ratio, high", row["resolution_ratio_high"], "ratio"),
                Figure("Operations' tickets measured", n_ops, "count"),
                Figure("Other departments' tickets measured", n_others, "count"),
                Figure("Operations' tickets resolved within target", row["operations_resolution_attainment"],
                       "fraction"),
                Figure("Other departments' tickets resolved within target", row["others_resolution_attainment"],
                       "fraction"),
                Figure("p-value (Mann–Whitney U)", row["resolution_p_value"], "p_value"),
            ),
            links=(Link(f"Responsiveness at P{p}", "responsiveness", {"priority": p}, anchor="ops-vs-others"),
                   *_operations_links(ctx, f"Operations' P{p} tickets that missed the resolution target",
                                      priority=p, breached="resolution")),
            statistics=_comparison_statistics(ctx, row, "resolution"),
            recommendations=(
                Recommendation(RecommendationKind.PROCESS,
                               f"Trace where Operations' P{p} tickets wait between the first response and the fix "
                               "(reassignments, pending states, approvals) and remove the longest wait first.",
                               f"Other departments' P{p} tickets are resolved {_ratio_text(r)} faster, so the delay "
                               "is in how Operations' tickets travel, not in the work itself."),
                Recommendation(RecommendationKind.CULTURAL_SHIFT,
                               "Report resolution times per requesting department to Operations every month, "
                               "beside the SLA figures.",
                               "An SLA report averaged over everyone hides that the focal customer waits longest."),
            ),
        )


@rule("sla_calendar_mismatch", area=AREA, pillar=Pillar.RESPONSIVENESS, order=40,
      name="Operations opens many tickets outside the SLA schedule's hours",
      thresholds=(Threshold("min_share", 0.20, "Share opened outside the schedule",
                            "The share of Operations' tickets opened while their SLA schedule is closed from which "
                            "the calendar is a finding, when that share is also significantly above the other "
                            "departments' (at twice this share, whatever the others').", unit="fraction",
                            minimum=0.01, maximum=0.5),))
def sla_calendar_mismatch(ctx: RuleContext) -> Iterator[Found]:
    figures = _extra(ctx)["outside_hours"]
    ops, others = figures["operations"], figures["others"]
    min_share = ctx.threshold("min_share")
    if ops["tickets"] < ctx.threshold("comparison.min_tickets") or ops["share"] is None or ops["share"] < min_share:
        return
    above_others = bool(figures["comparable"] and figures["p_value"] is not None
                        and figures["p_value"] < ctx.threshold("comparison.alpha")
                        and others["share"] is not None and ops["share"] >= 1.25 * others["share"])
    if not above_others and ops["share"] < 2 * min_share:
        return  # a share every department has is the schedule's, not a mismatch with Operations
    far_above = above_others and ops["share"] >= 1.5 * others["share"]
    severity = Severity.HIGH if far_above or ops["share"] >= 2 * min_share else Severity.MEDIUM
    others_text = f" (other departments {percent(others['share'])})" if others["tickets"] else ""
    yield Found(
        subject="", severity=severity, weight=ops["share"],
        title=(f"{percent(ops['share'])} of Operations' tickets are opened outside the SLA schedule's hours"
               f"{others_text}: for {count(ops['outside'])} of {count(ops['tickets'])} tickets the SLA clock waits "
               "while Operations works"),
        figures=(
            Figure("Operations' tickets opened outside the schedule", ops["outside"], "count"),
            Figure("Operations' tickets", ops["tickets"], "count"),
            Figure("Share of Operations' tickets", ops["share"], "fraction"),
            Figure("Other departments' tickets opened outside the schedule", others["outside"], "count"),
            Figure("Other departments' tickets", others["tickets"], "count"),
            Figure("Share of the other departments' tickets", others["share"], "fraction"),
            Figure("p-value (two proportions)", figures["p_value"], "p_value"),
        ),
        links=(*_operations_links(ctx, "Operations' tickets"),
               Link("Responsiveness", "responsiveness")),
        statistics={"test": "two proportions (Fisher's exact test when a cell is small, else z)",
                    "p_value": figures["p_value"], "alpha": ctx.threshold("comparison.alpha"),
                    "above_other_departments": above_others},
        recommendations=(
            Recommendation(RecommendationKind.PROCESS,
                           "Measure Operations' tickets against a schedule that matches its shifts: extend the "
                           "business hours of its SLA policies, or put its P1–P2 tickets on a 24×7 schedule.",
                           "While the schedule is closed the SLA clock stands still, so the report says “met” "
                           "while Operations is waiting."),
            Recommendation(RecommendationKind.ORG_DESIGN,
                           "Arrange out-of-hours cover (on-call or a follow-the-sun rota) for the systems Operations "
                           "works on at night and at weekends.",
                           "Operations' working day is longer than IT's; cover is what makes the longer clock "
                           "achievable."),
        ),
    )


BACKLOG_EDGES = {3: 2, 7: 3, 30: 4}  # age in days → index of the first backlog bucket at least that old


@rule("ops_aged_backlog", area=AREA, pillar=Pillar.RESPONSIVENESS, order=60,
      name="Operations has an aged backlog of open tickets",
      thresholds=(Threshold("age_days", 30, "Age that counts as aged (days)",
                            "Open tickets older than this, in calendar days as of their export, are aged.",
                            unit="days", choices=(3, 7, 30), integer=True),
                  Threshold("min_tickets", 10, "Aged tickets",
                            "The number of aged Operations tickets from which the backlog is a finding.",
                            unit="count", minimum=1, maximum=100_000, integer=True),
                  Threshold("min_share", 0.10, "Share of the open backlog",
                            "The share of Operations' open tickets that are aged from which the backlog is a finding.",
                            unit="fraction", minimum=0.01, maximum=1)))
def ops_aged_backlog(ctx: RuleContext) -> Iterator[Found]:
    figures = _figures(ctx)
    days = int(ctx.threshold("age_days"))
    first = BACKLOG_EDGES[days]
    ops, others = figures["operations"], figures["others"]
    aged, open_ = sum(ops["backlog"][first:]), ops["open"]
    if not open_ or aged < ctx.threshold("min_tickets") or aged / open_ < ctx.threshold("min_share"):
        return
    share = aged / open_
    others_aged, others_open = sum(others["backlog"][first:]), others["open"]
    others_share = others_aged / others_open if others_open else None
    test = stats.two_proportions(aged, open_, others_aged, others_open) if others_open else None
    worse = bool(test and others_open >= ctx.threshold("comparison.min_tickets")
                 and test.p_value < ctx.threshold("comparison.alpha") and share > (others_share or 0))
    severity = Severity.HIGH if worse else Severity.MEDIUM
    others_text = f" (other departments {percent(others_share)})" if others_share is not None else ""
    yield Found(
        subject="", severity=severity, weight=aged,
        title=(f"Operations has {count(aged)} tickets open longer than {days} days: {percent(share)} of its "
               f"open backlog{others_text}"),
        figures=(
            Figure(f"Operations' tickets open longer than {days} days", aged, "count"),
            Figure("Operations' open tickets", open_, "count"),
            Figure("Aged share of Operations' open tickets", share, "fraction"),
            Figure(f"Other departments' tickets open longer than {days} days", others_aged, "count"),
            Figure("Aged share of the other departments' open tickets", others_share, "fraction"),
            Figure("p-value (two proportions)", test.p_value if test else None, "p_value"),
        ),
        links=(*_operations_links(ctx, "Operations' open tickets", state="open"),
               Link("Open backlog by age", "responsiveness", anchor="backlog")),
        statistics={"test": "two proportions", "p_value": test.p_value if test else None,
                    "alpha": ctx.threshold("comparison.alpha"), "worse_than_other_departments": worse},
        recommendations=(
            Recommendation(RecommendationKind.PROCESS,
                           f"Go through Operations' tickets open longer than {days} days with an Operations lead: "
                           "close what is no longer needed and give every other one an owner and a date.",
                           "An old open ticket is a promise nobody is keeping, and an Operations team still "
                           "waiting."),
            Recommendation(RecommendationKind.CROSS_FUNCTIONAL_MEETING,
                           "Make the aged Operations backlog a standing item of the weekly IT–Operations call until "
                           f"it is below {count(ctx.threshold('min_tickets'))} tickets.",
                           "What is reviewed together every week gets closed; what sits in a queue does not."),
        ),
    )


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _it_team_links(team: str) -> tuple[Link, ...]:
    return (Link(f"{_possessive(team)} tickets", "responsiveness_ticket_list", {"it_team": team}),
            Link("Responsiveness by IT team", "responsiveness", anchor="by-it_team"))


@rule("reopen_outlier", area=AREA, pillar=Pillar.RESPONSIVENESS, order=20,
      name="An IT team's tickets are reopened far more often than the other teams'",
      thresholds=(Threshold("min_rate", 0.15, "Reopen rate",
                            "The share of a team's tickets reopened at least once from which it is a finding.",
                            unit="fraction", minimum=0.01, maximum=1),
                  Threshold("min_ratio", 2.0, "Times the other teams' rate",
                            "How many times the other IT teams' reopen rate a team's rate must reach.",
                            unit="ratio", minimum=1.05, maximum=50),
                  Threshold("green_attainment", 0.90, "Green resolution attainment",
                            "A team meeting at least this share of its resolution targets while its tickets come "
                            "back is the “green SLA, unhappy customer” pattern (watermelon), and ranks high.",
                            unit="fraction", minimum=0.5, maximum=1)))
def reopen_outlier(ctx: RuleContext) -> Iterator[Found]:
    alpha, min_rate, min_ratio = ctx.threshold("comparison.alpha"), ctx.threshold("min_rate"), ctx.threshold("min_ratio")
    green = ctx.threshold("green_attainment")
    for team in _extra(ctx)["it_teams"]:
        rate, rest = team["reopen_rate"], team["others_reopen_rate"]
        if not team["comparable"] or rate is None or rate < min_rate or team["reopen_p_value"] is None:
            continue
        if team["reopen_p_value"] >= alpha or (rest and rate < min_ratio * rest):
            continue
        attainment = team["resolution_attainment"]
        watermelon = attainment is not None and attainment >= green and team["resolution_measured"] >= \
            ctx.threshold("comparison.min_tickets")
        severity = Severity.HIGH if watermelon or rate >= 2 * min_rate else Severity.MEDIUM
        name = team["team"]
        if watermelon:
            title = (f"{name} meets {percent(attainment)} of its resolution targets, yet {percent(rate)} of its "
                     f"{count(team['tickets'])} tickets are reopened (other IT teams {percent(rest)}): a green SLA "
                     "over work that comes back")
        else:
            compared = f"{_ratio_text(rate / rest)} the other IT teams' {percent(rest)}" if rest else \
                "while the other IT teams' tickets are never reopened"
            title = f"{_possessive(name)} tickets are reopened {percent(rate)} of the time, {compared}, {count(team['tickets'])} tickets"
        recommendations = [
            Recommendation(RecommendationKind.PROCESS,
                           f"Count a {name} ticket as resolved only when the requester confirms the fix, and report "
                           "its first-time resolution rate beside its SLA attainment.",
                           "A target met by closing tickets that come back measures speed, not service."),
            Recommendation(RecommendationKind.CULTURAL_SHIFT,
                           f"Review {_possessive(name)} reopened tickets with the Operations users who reopened them, monthly.",
                           "Hearing why the fix did not hold is how the team learns what done means to its "
                           "customer."),
        ]
        if watermelon:
            recommendations.append(Recommendation(
                RecommendationKind.PROCESS,
                f"Add an experience-level target for {name} (reopen rate, requester rating) to its SLA.",
                f"Its SLA is {percent(attainment)} green while {percent(rate)} of its work comes back: the SLA "
                "alone tells IT it is doing well when its customers say otherwise."))
        yield Found(
            subject=name, severity=severity, weight=rate,
            title=title,
            figures=(
                Figure("Tickets reopened at least once", team["reopened"], "count"),
                Figure("Tickets", team["tickets"], "count"),
                Figure("Reopen rate", rate, "fraction"),
                Figure("Other IT teams' reopen rate", rest, "fraction"),
                Figure("Resolved within target", attainment, "fraction"),
                Figure("p-value (two proportions)", team["reopen_p_value"], "p_value"),
            ),
            links=_it_team_links(name),
            statistics={"test": "two proportions", "p_value": team["reopen_p_value"], "alpha": alpha,
                        "watermelon": watermelon},
            recommendations=tuple(recommendations),
        )


@rule("reassignment_ping_pong", area=AREA, pillar=Pillar.RESPONSIVENESS, order=30,
      name="An IT team's tickets are passed from group to group (reassignment ping-pong)",
      thresholds=(Threshold("min_mean", 2.0, "Reassignments per ticket",
                            "The mean number of reassignments per ticket from which a team is a finding.",
                            unit="number", minimum=0.5, maximum=50),
                  Threshold("min_ratio", 2.0, "Times the other teams' mean",
                            "How many times the other IT teams' mean a team's mean must reach.",
                            unit="ratio", minimum=1.05, maximum=50)))
def reassignment_ping_pong(ctx: RuleContext) -> Iterator[Found]:
    alpha, min_mean, min_ratio = ctx.threshold("comparison.alpha"), ctx.threshold("min_mean"), ctx.threshold("min_ratio")
    green = ctx.threshold("reopen_outlier.green_attainment")
    for team in _extra(ctx)["it_teams"]:
        mean, rest = team["mean_reassignments"], team["others_mean_reassignments"]
        if not team["comparable"] or mean < min_mean or team["reassignment_p_value"] is None:
            continue
        if team["reassignment_p_value"] >= alpha or (rest and mean < min_ratio * rest):
            continue
        attainment = team["resolution_attainment"]
        hidden = attainment is not None and attainment >= green
        severity = Severity.HIGH if hidden or mean >= 2 * min_mean else Severity.MEDIUM
        name = team["team"]
        compared = f"{_ratio_text(mean / rest)} the other IT teams' {rest:.1f}" if rest else \
            "while the other IT teams' tickets are not reassigned at all"
        yield Found(
            subject=name, severity=severity, weight=mean,
            title=(f"{_possessive(name)} tickets are reassigned {mean:.1f} times each on average, {compared} "
                   f"({count(team['tickets'])} tickets)"
                   + (f", although it meets {percent(attainment)} of its resolution targets" if hidden else "")),
            figures=(
                Figure("Mean reassignments per ticket", mean, "number"),
                Figure("Other IT teams' mean", rest, "number"),
                Figure("Tickets", team["tickets"], "count"),
                Figure("Resolved within target", attainment, "fraction"),
                Figure("p-value (Mann–Whitney U)", team["reassignment_p_value"], "p_value"),
            ),
            links=_it_team_links(name),
            statistics={"test": "Mann–Whitney U on reassignments per ticket (two-sided)",
                        "p_value": team["reassignment_p_value"], "alpha": alpha},
            recommendations=(
                Recommendation(RecommendationKind.ORG_DESIGN,
                               f"Give {_possessive(name)} tickets one accountable owner from triage to resolution, with a clear "
                               "scope per application or service.",
                               "Every reassignment restarts the work and the requester's wait; an owner ends the "
                               "ping-pong."),
                Recommendation(RecommendationKind.PROCESS,
                               f"Find where {_possessive(name)} tickets are first assigned wrongly (categories, routing rules, "
                               "the service desk's scripts) and fix the first assignment.",
                               f"Its tickets move {mean:.1f} times on average against {rest or 0:.1f} elsewhere: most of "
                               "that is routing, not work."),
            ),
        )


@rule("no_first_response", area=AREA, pillar=Pillar.RESPONSIVENESS, order=90,
      name="A ticket source carries no first-response data",
      thresholds=(Threshold("min_coverage", 0.5, "Tickets with a first response",
                            "Below this share of answered tickets carrying a first-response time, a source is "
                            "reported as one whose first-response times cannot be known.",
                            unit="fraction", minimum=0.01, maximum=1),))
def no_first_response(ctx: RuleContext) -> Iterator[Found]:
    for source in _extra(ctx)["response_coverage"]:
        coverage = source["coverage"]
        if coverage is None or coverage >= ctx.threshold("min_coverage"):
            continue
        label = SOURCE_LABELS.get(source["source"], source["source"])
        missing = source["answered"] - source["with_first_response"]
        what = "carry no first-response time" if not source["with_first_response"] else \
            f"carry a first-response time for only {percent(coverage)} of them"
        yield Found(
            subject=source["source"], severity=Severity.INFO, weight=missing,
            title=(f"Time to first response cannot be known for {count(missing)} of the {count(source['answered'])} "
                   f"answered tickets from {label}: its exports {what}, so first-response figures rest on the "
                   "other tickets or are not measured"),
            figures=(
                Figure("Answered tickets (in progress, on hold, resolved or closed)", source["answered"], "count"),
                Figure("With a first-response time", source["with_first_response"], "count"),
                Figure("Share with a first-response time", coverage, "fraction"),
                Figure("Tickets from the source", source["tickets"], "count"),
            ),
            links=(Link("Responsiveness", "responsiveness"), Link("Imports", "data")),
            recommendations=(
                Recommendation(RecommendationKind.PROCESS,
                               f"Bring the first-response time with the tickets: "
                               f"{FIRST_RESPONSE_HINTS.get(source['source'], 'add a first-response column')}.",
                               "How long Operations waits before anyone picks its ticket up is the wait it feels "
                               "most; without the time it cannot be measured, only guessed."),
            ),
        )
