"""Helpers shared by the areas' form views."""

from __future__ import annotations

from collections.abc import Callable

from django import forms

from teamalign.errors import ValidationError


def form_saved(form: forms.Form, action: Callable[[], object]) -> bool:
    """Run a service; a ValidationError becomes a form error (shown above the form) instead of a crash."""
    try:
        action()
    except ValidationError as exc:
        form.add_error(None, str(exc))
        return False
    return True
