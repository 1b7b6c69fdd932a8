"""Write docs/cli.md from the CLI's own help, so the reference cannot drift from the code."""

from __future__ import annotations

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand


def cli_reference() -> str:
    import os

    from teamalign.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; the file must not depend on it
    parser = build_parser()
    parts = ["# Command line reference", "",
             "Generated from `teamalign --help` by `teamalign manage clidocs`; do not edit by hand.", ""]

    def walk(p: argparse.ArgumentParser, name: str) -> None:
        parts.extend([f"## `{name}`", "", "```", p.format_help().rstrip(), "```", ""])
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    walk(sub, f"{name} {sub_name}")

    walk(parser, "teamalign")
    return "\n".join(parts)


class Command(BaseCommand):
    help = "Write the CLI reference (docs/cli.md) from the parser's help."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="docs/cli.md")

    def handle(self, *args, **options):
        Path(options["out"]).write_text(cli_reference())
        self.stdout.write(f"wrote {options['out']}")
