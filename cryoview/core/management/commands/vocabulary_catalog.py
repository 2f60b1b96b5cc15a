"""Write cryoview/locale/en: django-allauth's strings in the house vocabulary ("e-mail", "Sign in").

Run it after upgrading django-allauth (tests/test_vocabulary.py fails until then); it needs gettext's msgfmt.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import allauth
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cryoview.core.vocabulary import PoEntry, catalog_text, read_po

CATALOG = Path(settings.BASE_DIR) / "cryoview" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def allauth_source_strings() -> list[PoEntry]:
    """Every string allauth translates, from the catalogs it ships (each lists the English originals)."""
    entries: list[PoEntry] = []
    seen: set[tuple[str | None, str]] = set()
    for path in sorted((Path(allauth.__file__).parent / "locale").glob("*/LC_MESSAGES/django.po")):
        for entry in read_po(path):
            if (entry.context, entry.msgid) not in seen:
                seen.add((entry.context, entry.msgid))
                entries.append(entry)
    return entries


class Command(BaseCommand):
    help = "Write the English catalog that gives django-allauth's strings in the house vocabulary."

    def handle(self, *args: Any, **options: Any) -> None:
        msgfmt = shutil.which("msgfmt")
        if msgfmt is None:
            raise CommandError("msgfmt (GNU gettext) is needed: apt-get install gettext")
        CATALOG.parent.mkdir(parents=True, exist_ok=True)
        CATALOG.write_text(catalog_text(allauth_source_strings()), encoding="utf-8")
        argv = [msgfmt, "--check", "-o", str(CATALOG.with_suffix(".mo")), str(CATALOG)]
        subprocess.run(argv, check=True)  # noqa: S603 - a fixed argv of our own paths, no shell
        self.stdout.write(f"wrote {CATALOG} and its .mo")
