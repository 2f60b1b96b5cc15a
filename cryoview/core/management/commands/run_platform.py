"""`make run`: the web server (gunicorn) and a task worker side by side; Ctrl-C stops both."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_GRACE_SECONDS = 15


class Command(BaseCommand):
    help = "Run gunicorn and the task worker until interrupted."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def commands(self, *, with_worker: bool) -> dict[str, list[str]]:
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            settings.CONFIG.bind,
            "--workers",
            str(settings.CONFIG.web_workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
        ]
        processes = {"web": web}
        if with_worker and settings.CRYOVIEW_WORKER_MODE == "db":
            processes["worker"] = [sys.executable, "manage.py", "run_worker"]
        return processes

    def handle(self, *args: Any, **options: Any) -> None:
        children = {
            name: subprocess.Popen(argv)  # noqa: S603 - fixed argv, no shell
            for name, argv in self.commands(with_worker=not options["no_worker"]).items()
        }
        self.stdout.write(f"Cryoview on http://{settings.CONFIG.bind}/ ({', '.join(children)}); Ctrl-C stops.")
        stopping = False

        def stop(signum: int, _frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            ended = [name for name, child in children.items() if child.poll() is not None]
            if ended:
                self.stderr.write(f"{ended[0]} stopped (exit {children[ended[0]].returncode}); stopping the rest")
                exit_code = 1
                break
            time.sleep(0.3)
        self.shutdown(children)
        if exit_code:
            raise SystemExit(exit_code)

    def shutdown(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        # Ctrl-C in a terminal already reached the children (same process group): give them a moment to
        # finish on their own, so a second signal does not cut a running task short.
        settle = time.monotonic() + 2
        while time.monotonic() < settle and any(child.poll() is None for child in children.values()):
            time.sleep(0.1)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("Cryoview stopped.")
