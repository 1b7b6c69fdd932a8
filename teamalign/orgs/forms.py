from __future__ import annotations

from django import forms

from teamalign.web.params import TEXT_MAX, not_in_organisation

from .models import Department, Organisation, Role, Team


class PeopleFilterForm(forms.Form):
    """The People page's query parameters."""

    q = forms.CharField(required=False, max_length=TEXT_MAX, label="Search", widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "name, email or title"}))
    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False, empty_label="All",
                                        error_messages=not_in_organisation("department"))

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organisation=organisation)


class DepartmentForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Department.Kind.choices)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=200)
    department = forms.ModelChoiceField(queryset=Department.objects.none())

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organisation=organisation)


class PersonForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    title = forms.CharField(max_length=200, required=False)
    is_leader = forms.BooleanField(required=False, label="Leader")
    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False,
                                  help_text="The team sets the department.")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organisation=organisation)
        self.fields["team"].queryset = Team.objects.filter(organisation=organisation).select_related("department")


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices)


class JoinForm(forms.Form):
    """An invited address without a login chooses its name and password."""

    name = forms.CharField(max_length=200, required=False, label="Your name")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                strip=False, help_text="At least 10 characters, not a common password.")
    password2 = forms.CharField(label="The same password again", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200)
    timezone = forms.CharField(max_length=64, help_text="IANA name, for example Europe/London.")
    currency = forms.CharField(max_length=3, help_text="ISO 4217 code, for example EUR.")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=[])
    file = forms.FileField()
    format = forms.ChoiceField(choices=[], required=False, help_text="Leave on “detect” unless detection fails.")
    timezone = forms.CharField(max_length=64, required=False, label="Time zone of times without one",
                               help_text="IANA name, e.g. Europe/London. Default: the organisation's.")
    as_of = forms.CharField(max_length=40, required=False, label="As of (when the export was taken)",
                            widget=forms.TextInput(attrs={"placeholder": "2026-03-01 12:00"}),
                            help_text="Ticket exports: the date, or date and time, the export was taken, in the "
                                      "organisation's time zone unless it has an offset. Open tickets' ages are "
                                      "measured then. Default: the export's last-update column, else the import.")

    def __init__(self, *args, kinds: list[str], formats: dict[str, list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, k.capitalize()) for k in kinds]
        self.fields["format"].choices = [("", "detect from the file")] + [
            (kind.capitalize(), [(f, f) for f in names]) for kind, names in formats.items()]
