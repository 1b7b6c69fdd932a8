"""The thresholds form, built from the registered thresholds (registry.threshold_groups)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from .registry import Threshold, threshold_groups


def field_name(key: str) -> str:
    return key.replace(".", "__")


def _shown(threshold: Threshold, value: float) -> str:
    """A stored value as the form shows it: fractions as percentages, never in exponent form."""
    if threshold.unit == "fraction":
        value = round(100 * value, 4)
    if threshold.integer:
        return str(int(value))
    return format(Decimal(repr(float(value))).normalize(), "f")


UNIT_SUFFIX = {"fraction": " %", "days": " days", "ratio": "×", "count": " tickets"}


class ThresholdsForm(forms.Form):
    """One number per threshold, grouped as the registry groups them; ``values()`` gives the
    numbers as the service takes them (fractions back to 0..1)."""

    def __init__(self, *args, current: dict[str, float], **kwargs):
        super().__init__(*args, **kwargs)
        self.thresholds: dict[str, Threshold] = {}
        self.groups: list[tuple[str, list]] = []
        for group, label, items in threshold_groups():
            fields = []
            for threshold in items:
                key = f"{group}.{threshold.name}"
                name = field_name(key)
                label = f"{threshold.label} (%)" if threshold.unit == "fraction" else threshold.label
                default = _shown(threshold, threshold.default)
                help_text = f"{threshold.help} Default: {default}{UNIT_SUFFIX.get(threshold.unit, '')}."
                if threshold.choices:
                    field = forms.TypedChoiceField(
                        label=label, help_text=help_text, coerce=float,
                        choices=[(f"{c:g}", f"{c:g}") for c in threshold.choices])
                    initial = f"{current[key]:g}"
                else:
                    field = forms.DecimalField(label=label, help_text=help_text, max_digits=12,
                                               decimal_places=6)
                    field.widget.attrs["step"] = "any"
                    initial = _shown(threshold, current[key])
                field.initial = initial
                field.widget.attrs["inputmode"] = "decimal"
                self.fields[name] = field
                self.thresholds[name] = threshold
                fields.append((name, threshold))
            self.groups.append((label, [self[name] for name, _t in fields]))

    def values(self) -> dict[str, float]:
        out = {}
        for name, threshold in self.thresholds.items():
            value = float(self.cleaned_data[name])
            out[name.replace("__", ".")] = value / 100 if threshold.unit == "fraction" else value
        return out
