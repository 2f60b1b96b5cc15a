"""manage.py import_guides: the guides from content/, then the related reading that depends on them. It spans
procedures and related, so it lives on the top floor (procedures never imports related)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cryoview.procedures.importer import ContentInvalid, guides_import
from cryoview.related.services import related_refresh_guides


class Command(BaseCommand):
    help = "Load the guides from content/ (idempotent, all or nothing)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--folder", type=Path, default=settings.CONTENT_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = guides_import(folder=options["folder"])
        except ContentInvalid as error:
            raise CommandError(
                f"nothing was imported; {len(error.problems)} problem(s) in {options['folder']}:\n{error}"
            ) from None
        for label, slugs in (
            ("created", report.created),
            ("updated", report.updated),
            ("unchanged", report.unchanged),
            ("unpublished", report.unpublished),
        ):
            if slugs:
                self.stdout.write(f"{label}: {', '.join(slugs)}")
        if not report.changed:
            self.stdout.write("Guides are up to date; nothing changed.")
        # Here and not only in the worker's upkeep: `make run` imports before anything serves a page, and in
        # the "immediate" worker mode no worker (so no upkeep) runs at all. Guides are few: this is cheap.
        changed = related_refresh_guides()
        if changed:
            self.stdout.write(f"related reading: {changed} guide list(s) updated")
