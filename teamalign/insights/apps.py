from __future__ import annotations

import importlib
import importlib.util

from django.apps import AppConfig, apps


class InsightsConfig(AppConfig):
    name = "teamalign.insights"
    label = "insights"
    verbose_name = "Findings"

    def ready(self) -> None:
        from teamalign.web.navigation import Area, register_area

        from . import thresholds  # noqa: F401  the thresholds every comparison shares

        register_area(Area("findings", "Findings", "findings"))
        discover_rules()


def discover_rules() -> list[str]:
    """Import ``findings.py`` of every teamalign app (where areas register their rules), as the
    ticket importers are found: adding a rule is adding a function, nothing else changes."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("teamalign."):
            continue
        module = f"{config.name}.findings"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
            found.append(module)
    return found
