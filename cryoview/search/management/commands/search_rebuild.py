from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cryoview.search.services import search_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from every public guide, review, transcript and comment (safe to re-run)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = search_rebuild()
        self.stdout.write(f"Indexed {count} documents.")
