"""Documentation is part of the product: these fail when a setting, command or endpoint is undocumented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_every_environment_variable_is_documented():
    source = (ROOT / "teamalign" / "settings.py").read_text() + (ROOT / "teamalign" / "cli.py").read_text()
    names = set(re.findall(r"""env(?:bool|int|list)?\(\s*["']([A-Z_]+)["']""", source))
    names |= set(re.findall(r"""os\.environ(?:\.get)?[\(\[]\s*["']([A-Z_]+)["']""", source))
    names -= {"DJANGO_SETTINGS_MODULE", "COLUMNS"}
    documented = (DOCS / "configuration.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in documented)
    assert names, "found no settings: the pattern above is out of date"
    assert not missing, f"undocumented in docs/configuration.md: {missing}"


def test_the_cli_reference_is_generated_from_the_current_parser():
    from teamalign.web.management.commands.clidocs import cli_reference

    assert (DOCS / "cli.md").read_text() == cli_reference(), \
        "docs/cli.md is out of date: run `teamalign manage clidocs`"


def test_every_api_endpoint_is_documented():
    from teamalign.api.urls import api

    documented = (DOCS / "api.md").read_text()
    missing = []
    for router_prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    full = "/api" + (router_prefix + path).replace("//", "/")
                    full = re.sub(r"\{(?:\w+:)?(\w+)\}", r"{\1}", full)
                    if f"| {method} | `{full}` |" not in documented:
                        missing.append(f"{method} {full}")
    assert not missing, f"undocumented in docs/api.md: {missing}"


def test_every_api_parameter_and_error_status_is_documented():
    from teamalign.api.urls import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    documented = (DOCS / "api.md").read_text()
    names, statuses = set(), set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            names |= {parameter["name"] for parameter in operation.get("parameters", [])}
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names |= set(content.get("schema", {}).get("properties", {}))
            statuses |= {int(status) for status in operation["responses"] if int(status) >= 400}
    missing = sorted(n for n in names if f"`{n}`" not in documented)
    assert not missing, f"parameters undocumented in docs/api.md: {missing}"
    errors = documented[documented.index("## Errors"):]
    missing_statuses = sorted(s for s in statuses if f"\n| {s} |" not in errors)
    assert not missing_statuses, f"statuses undocumented in docs/api.md's Errors: {missing_statuses}"


def test_the_readme_starts_with_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text().splitlines()
    block = readme[readme.index("```bash") + 1: readme.index("```", readme.index("```bash") + 1)]
    assert block == ["python3 -m pip install -e . && python3 -m teamalign demo",
                     "python3 -m pip install -e '.[test]' && scripts/test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_no_page_loads_anything_from_the_internet():
    offenders = []
    for path in (ROOT / "teamalign").rglob("*.html"):
        for match in re.finditer(r"""(?:src|href)=["'](https?://[^"']+)""", path.read_text()):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(1)}")
    assert not offenders, offenders
