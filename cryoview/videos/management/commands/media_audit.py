from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cryoview.videos.housekeeping import missing_files, orphan_grace, orphans_delete, stray_files


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    value = float(count)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


class Command(BaseCommand):
    help = (
        "List media rows without files and files without rows, in the private and public stores. "
        "Exits 1 when there is any, 0 when clean."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--delete-orphans",
            action="store_true",
            help="also delete files without rows that nothing changed for the grace period (as the sweeper does)",
        )
        parser.add_argument(
            "--grace-hours",
            type=int,
            default=None,
            help="grace period for --delete-orphans (default: CRYOVIEW_ORPHAN_GRACE_HOURS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        grace = orphan_grace() if options["grace_hours"] is None else timedelta(hours=options["grace_hours"])
        if grace < timedelta(0):
            raise CommandError("--grace-hours must not be negative")
        missing = missing_files()
        strays = stray_files()
        now = timezone.now()
        for item in missing:
            self.stdout.write(f"row without file: {item.row}: {item.what} {item.name}")
        for stray in strays:
            age_hours = (now - stray.modified).total_seconds() / 3600
            self.stdout.write(
                f"file without row: {stray.store}:{stray.name} {_size(stray.bytes)} ({stray.bytes} bytes), "
                f"changed {age_hours:.1f} h ago"
            )
        deleted = orphans_delete(strays=strays, grace=grace) if options["delete_orphans"] else []
        for stray in deleted:
            self.stdout.write(f"deleted: {stray.store}:{stray.name}")
        total = sum(s.bytes for s in strays)
        self.stdout.write(
            f"{len(missing)} rows without files, {len(strays)} files without rows ({_size(total)})"
            + (f", {len(deleted)} deleted" if options["delete_orphans"] else "")
        )
        if missing or len(strays) > len(deleted):
            raise CommandError("the media stores and the database disagree (listed above)", returncode=1)
