"""Rebuild the vendored front-end files: the offline Vega bundle (from vl-convert-python).

htmx is vendored from npm (`npm pack htmx.org@2`, dist/htmx.min.js); see docs/architecture.md.
Run once when upgrading vl-convert-python; the result is committed, so the app never needs a CDN.
"""

from __future__ import annotations

from pathlib import Path

import vl_convert
from django.core.management.base import BaseCommand

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"


class Command(BaseCommand):
    help = "Rebuild static/vendor/vega-bundle.js (Vega, Vega-Lite, Vega-Embed) for offline use."

    def handle(self, *args, **options):
        bundle = vl_convert.javascript_bundle()
        (VENDOR / "vega-bundle.js").write_text(bundle)
        self.stdout.write(f"vega-bundle.js: Vega {vl_convert.get_vega_version()}, "
                          f"Vega-Embed {vl_convert.get_vega_embed_version()}, {len(bundle):,} bytes")
