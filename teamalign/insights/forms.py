"""The thresholds form, built from the registered thresholds (registry.threshold_groups)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from .registry import Threshold, threshold_groups


def field_name(key: str) -> str:
    return key.replace(".", "__")


def _shown(threshold: Threshold, value: float) -> Decimal | int:
    """A stored value as the form shows it: fractions as percentages."""
    if threshold.unit == "fraction":
        return Decimal(str(round(100 * value, 4))).normalize()
    if threshold.integer:
        return int(value)
    return Decimal(str(value)).normalize()


UNIT_SUFFIX = {"fraction": "%", "days": "days", "ratio": "×", "count": "tickets"}


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
                default = _shown(threshold, threshold.default)
                help_text = f"{threshold.help} Default: {default}{' ' + UNIT_SUFFIX[threshold.unit] if threshold.unit in UNIT_SUFFIX else ''}."
                if threshold.choices:
                    field = forms.TypedChoiceField(
                        label=threshold.label, help_text=help_text, coerce=float,
                        choices=[(f"{c:g}", f"{c:g}") for c in threshold.choices])
                    initial = f"{current[key]:g}"
                else:
                    field = forms.DecimalField(label=threshold.label, help_text=help_text, max_digits=12,
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
