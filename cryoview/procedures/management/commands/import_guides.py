from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cryoview.procedures.importer import ContentInvalid, guides_import


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
