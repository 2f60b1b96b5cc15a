from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cryoview.videos.ffmpeg import MediaRejected, MediaToolError
from cryoview.videos.pipeline import process_local_file


class Command(BaseCommand):
    help = "Run the video pipeline on a local file, without the web app, and print each stage's time."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--out", type=Path, required=True, help="folder for the outputs")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["file"]
        if not source.is_file():
            raise CommandError(f"{source} is not a file")
        started = time.perf_counter()
        try:
            timings = process_local_file(source, options["out"])
        except MediaRejected as rejected:
            raise CommandError(f"rejected ({rejected.code}): {rejected.message}") from None
        except MediaToolError as error:
            raise CommandError(f"processing failed: {error}") from None
        for stage, seconds in timings.items():
            self.stdout.write(f"{stage:10} {seconds:8.2f} s")
        self.stdout.write(f"{'total':10} {time.perf_counter() - started:8.2f} s")
        for path in sorted(options["out"].iterdir()):
            self.stdout.write(f"  {path.name:22} {path.stat().st_size:>12,} bytes")
