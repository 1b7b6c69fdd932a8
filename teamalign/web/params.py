"""Query parameters: what the pages and the API accept, and the one way pages read them.

A query parameter is typed by whoever holds the address bar, so every page reads its
parameters through a Django form (``read_query``): a value that does not validate is left
out, its error is shown above the results, and the page shows what the other filters give.
Nothing a query string holds reaches the database unchecked — a number past 64 bits, a date
whose midnight falls outside what ``datetime`` can hold, a NUL that PostgreSQL refuses.

The bounds here are shared with the API (``teamalign/api/params.py``), so that a page and
its endpoint accept the same values; docs/api.md lists them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from django import forms
from django.http import HttpRequest

# Database ids are 64-bit signed integers: a larger number can name nothing, and SQLite
# refuses to even compare with it.
ID_MAX = 2**63 - 1
# Far more rows than any organisation holds, and far below what OFFSET can take.
OFFSET_MAX = 1_000_000_000
# Dates a filter accepts. Midnight of 0001-01-01 or 9999-12-31 in a zone far from UTC is
# outside what datetime can represent; no ticket predates 1900 or postdates 2999 either.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)
DATE_PATTERN = re.compile(r"^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$")
# Free text in filters and searches.
TEXT_MAX = 200


def date_in_range(value: date) -> None:
    if not DATE_MIN <= value <= DATE_MAX:
        raise forms.ValidationError(
            f"Enter a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}.", code="out_of_range")


class FilterDateField(forms.DateField):
    """A date as YYYY-MM-DD (what the browser's date input sends), within DATE_MIN…DATE_MAX."""

    input_formats = ["%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "date", "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})
    default_error_messages = {"invalid": "Enter a date as YYYY-MM-DD."}
    default_validators = [date_in_range]


def not_in_organisation(what: str) -> dict:
    """``error_messages`` for a filter's ModelChoiceField: the id names nothing of this organisation."""
    return {"invalid_choice": f"This organisation has no such {what}."}


def query_form(form_class: type[forms.Form]) -> Callable:
    """Declare the form a view reads its query parameters with (``read_query``).

    The attribute lets the hostile-parameter test (tests/web/test_parameters.py) try every
    field of every page's form without a list kept by hand.
    """

    def decorator(view: Callable) -> Callable:
        view.query_form = form_class
        return view

    return decorator


def read_query(request: HttpRequest, form_class: type[forms.Form], **form_kwargs) -> tuple[forms.Form, dict]:
    """Bind the request's query string to a filter form; return the form and the values to apply.

    The values are those of the fields that validated (a field that did not is None or
    empty), so one bad parameter drops that filter alone; the form carries the errors the
    page shows (``web/_query_errors.html``).
    """
    form = form_class(request.GET or None, **form_kwargs)
    # Every filter field is optional, so cleaning "nothing" gives the field's own empty value.
    values = {name: field.clean(None) for name, field in form.fields.items()}
    if form.is_bound:
        form.is_valid()
        values.update(form.cleaned_data)
    return form, values

