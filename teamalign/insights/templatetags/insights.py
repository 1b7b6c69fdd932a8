"""Formatting of findings on pages: figures in their unit, labels of kinds, anchors."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.text import slugify

from .. import formatting
from ..registry import RECOMMENDATION_LABELS, RecommendationKind

register = template.Library()


@register.filter
def figure(item: dict) -> str:
    """A figure of a finding's evidence ({"value", "unit"}) as people read it."""
    return formatting.figure(item.get("value"), item.get("unit", "number"))


@register.filter
def recommendation_label(kind: str) -> str:
    try:
        return RECOMMENDATION_LABELS[RecommendationKind(kind)]
    except ValueError:
        return kind.replace("_", " ").capitalize()


@register.filter
def finding_anchor(key: str) -> str:
    return "finding-" + slugify(key.replace(":", "-"))


@register.filter
def p_value(value) -> str:
    return formatting.p_value(value)


@register.filter
def instant(text: str | None):
    """An ISO 8601 instant of the JSON (UTC) as a datetime in the current (organisation's) zone,
    for Django's ``date`` filter."""
    if not text:
        return None
    try:
        return timezone.localtime(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return None


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if isinstance(mapping, dict) else None
