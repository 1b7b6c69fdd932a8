"""Forms of the Responsiveness area: filters, schedules, SLA policies, requester rules."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django import forms

from teamalign.orgs.models import Department, Organisation, Team
from teamalign.web.params import TEXT_MAX, FilterDateField, not_in_organisation

from .models import WEEKDAYS, RequesterRule, Schedule, TicketKind, TicketState

DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
             "sat": "Saturday", "sun": "Sunday"}
_INTERVAL = re.compile(r"^\s*(\d{1,2}:\d\d)\s*[-–]\s*(\d{1,2}:\d\d)\s*$")
PRIORITY_CHOICES = [("", "All")] + [(str(p), f"P{p}") for p in range(1, 6)]


class ResponsivenessFilterForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False, empty_label="All",
                                        label="Requesting department",
                                        error_messages=not_in_organisation("department"))
    since = FilterDateField(required=False, label="Opened since")
    priority = forms.TypedChoiceField(choices=PRIORITY_CHOICES, required=False, coerce=int, empty_value=None)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organisation=organisation)


class TicketFilterForm(ResponsivenessFilterForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All",
                                  error_messages=not_in_organisation("team"))
    state = forms.ChoiceField(required=False, choices=[("", "All"), ("open", "Open (any)"), *TicketState.choices])
    kind = forms.ChoiceField(required=False, choices=[("", "All"), *TicketKind.choices])
    category = forms.CharField(required=False, max_length=TEXT_MAX)
    it_team = forms.CharField(required=False, max_length=TEXT_MAX, label="IT team")
    breached = forms.ChoiceField(required=False, label="Breached", choices=[
        ("", "—"), ("any", "Any target"), ("response", "Response"), ("resolution", "Resolution")])
    unresolved = forms.BooleanField(required=False, label="Requester in no department")
    source = forms.CharField(required=False, max_length=40, label="Source tool",
                             widget=forms.TextInput(attrs={"placeholder": "jira, zendesk…"}))
    verdict = forms.ChoiceField(required=False, label="Source's SLA verdict", choices=[
        ("", "any"), ("differs", "differs from teamalign's")])
    q = forms.CharField(required=False, max_length=TEXT_MAX, label="Search")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(organisation=organisation).select_related("department")


def _format_intervals(intervals) -> str:
    return ", ".join(f"{start}-{end}" for start, end in intervals or ())


def parse_intervals(text: str, day: str) -> list[list[str]]:
    """"09:00-12:00, 13:00-17:00" → [["09:00", "12:00"], ["13:00", "17:00"]]."""
    intervals = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _INTERVAL.match(part)
        if not match:
            raise forms.ValidationError(f"{DAY_NAMES[day]}: write intervals as 09:00-17:00, separated by commas")
        intervals.append([t.zfill(5) for t in match.groups()])
    return intervals


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=100)
    timezone = forms.CharField(max_length=64, help_text="IANA name, for example Europe/London.")
    holidays = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="Extra closed days, one date (YYYY-MM-DD) per line.")
    holiday_country = forms.CharField(required=False, max_length=8,
                                      help_text="Public holidays of a country (ISO code such as GB, US, DE).")
    holiday_subdivision = forms.CharField(required=False, max_length=16,
                                          help_text="Optional region of that country, e.g. ENG, SCT, CA, BY.")

    def __init__(self, *args, schedule: Schedule | None = None, **kwargs):
        if schedule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": schedule.name, "timezone": schedule.timezone,
                "holidays": "\n".join(schedule.holidays or ()), "holiday_country": schedule.holiday_country,
                "holiday_subdivision": schedule.holiday_subdivision,
                **{f"day_{d}": _format_intervals((schedule.weekly or {}).get(d)) for d in WEEKDAYS}}
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[f"day_{day}"] = forms.CharField(
                required=False, label=DAY_NAMES[day], max_length=200,
                help_text="Open hours such as 09:00-17:00; several separated by commas; an end before the "
                          "start runs past midnight; empty when closed." if day == "mon" else "")

    def clean_holidays(self) -> list[str]:
        days = []
        for line in self.cleaned_data["holidays"].split():
            try:
                days.append(date.fromisoformat(line.strip()).isoformat())
            except ValueError:
                raise forms.ValidationError(f"'{line}' is not a date written YYYY-MM-DD") from None
        return sorted(set(days))

    def clean(self):
        data = super().clean()
        weekly = {}
        for day in WEEKDAYS:
            try:
                weekly[day] = parse_intervals(data.get(f"day_{day}") or "", day)
            except forms.ValidationError as exc:
                self.add_error(f"day_{day}", exc)
        data["weekly"] = weekly
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"name": data["name"], "timezone": data["timezone"].strip(), "weekly": data["weekly"],
                "holidays": data["holidays"], "holiday_country": data["holiday_country"],
                "holiday_subdivision": data["holiday_subdivision"]}


def _hours(seconds: int | None) -> Decimal | None:
    return None if seconds is None else (Decimal(seconds) / 3600).quantize(Decimal("0.01")).normalize()


class SlaPolicyForm(forms.Form):
    kind = forms.ChoiceField(choices=TicketKind.choices)
    priority = forms.TypedChoiceField(choices=PRIORITY_CHOICES[1:], coerce=int)
    response_target_hours = forms.DecimalField(required=False, min_value=0, max_digits=8, decimal_places=2,
                                               label="Response target (business hours)",
                                               help_text="Empty: no response target.")
    resolution_target_hours = forms.DecimalField(required=False, min_value=0, max_digits=8, decimal_places=2,
                                                 label="Resolution target (business hours)",
                                                 help_text="Empty: no resolution target.")
    schedule = forms.ModelChoiceField(queryset=Schedule.objects.none())
    pause_states = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(s, label) for s, label in TicketState.choices if s in ("new", "in_progress", "on_hold")],
        help_text="While a ticket is in one of these states its clock stops.")

    def __init__(self, *args, organisation: Organisation, policy=None, **kwargs):
        if policy is not None and "initial" not in kwargs:
            kwargs["initial"] = {"kind": policy.kind, "priority": policy.priority,
                                 "response_target_hours": _hours(policy.response_target_seconds),
                                 "resolution_target_hours": _hours(policy.resolution_target_seconds),
                                 "schedule": policy.schedule_id, "pause_states": policy.pause_states}
        super().__init__(*args, **kwargs)
        self.fields["schedule"].queryset = Schedule.objects.filter(organisation=organisation)

    def service_arguments(self) -> dict:
        data = self.cleaned_data

        def seconds(hours):
            return None if hours is None else int(round(hours * 3600))

        return {"kind": data["kind"], "priority": data["priority"],
                "response_target_seconds": seconds(data["response_target_hours"]),
                "resolution_target_seconds": seconds(data["resolution_target_hours"]),
                "schedule": data["schedule"], "pause_states": list(data["pause_states"])}


class RequesterRuleForm(forms.Form):
    field = forms.ChoiceField(choices=RequesterRule.Field.choices, label="When the ticket's")
    value = forms.CharField(max_length=200, label="is", help_text="Matched in full, ignoring case.")
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label="the requester is in")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, label="team (optional)")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organisation=organisation)
        self.fields["team"].queryset = Team.objects.filter(organisation=organisation).select_related("department")
