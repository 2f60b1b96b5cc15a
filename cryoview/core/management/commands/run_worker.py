"""The task worker: django-tasks-db's db_worker, plus a heartbeat that /healthz reads."""

from __future__ import annotations

import logging
import os
import threading
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from cryoview.core.services import worker_heartbeat_forget, worker_heartbeat_record

logger = logging.getLogger(__name__)


class Maintenance(threading.Thread):
    """Periodic upkeep the apps declare in settings.CRYOVIEW_MAINTENANCE (e.g. re-queue stalled jobs)."""

    def __init__(self, *, interval: float) -> None:
        super().__init__(name="maintenance", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        self.main = threading.main_thread()
        self.jobs: list[Callable[[], object]] = [import_string(p) for p in settings.CRYOVIEW_MAINTENANCE]

    def run(self) -> None:
        while not self.stopping.wait(self.interval) and self.main.is_alive():
            for job in self.jobs:
                try:
                    close_old_connections()
                    job()
                except Exception:  # one failing upkeep job must not stop the others or the worker
                    logger.exception("maintenance job %s failed", job)
        connection.close()


class Heartbeat(threading.Thread):
    def __init__(self, *, worker_id: str, queues: str, interval: int) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.queues = queues
        self.interval = interval
        self.started_at = timezone.now()
        self.stopping = threading.Event()
        self.main = threading.main_thread()

    def beat(self) -> None:
        worker_heartbeat_record(
            worker_id=self.worker_id, pid=os.getpid(), queues=self.queues, started_at=self.started_at
        )

    def run(self) -> None:
        # Beats only while the worker's own loop (the main thread) is alive.
        while not self.stopping.is_set() and self.main.is_alive():
            try:
                close_old_connections()
                self.beat()
            except DatabaseError:
                pass  # The database is down: /healthz reports it; the next beat retries.
            self.stopping.wait(self.interval)
        connection.close()


class Command(BaseCommand):
    help = "Run the task worker (django-tasks-db db_worker) and record a heartbeat for /healthz."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = get_random_string(32)
        # Import the apps' upkeep jobs first: the worker is announced alive only once it is ready to work.
        maintenance = Maintenance(interval=settings.CRYOVIEW_MAINTENANCE_SECONDS)
        heartbeat = Heartbeat(
            worker_id=worker_id,
            queues=options["queue_name"],
            interval=settings.CRYOVIEW_WORKER_HEARTBEAT_SECONDS,
        )
        try:
            heartbeat.beat()
            heartbeat.start()
            maintenance.start()
            call_command(
                "db_worker",
                queue_name=options["queue_name"],
                interval=options["interval"],
                batch=options["batch"],
                worker_id=worker_id,
                reload=False,
                verbosity=options["verbosity"],
            )
        except KeyboardInterrupt:
            # Ctrl-C before db_worker installed its own signal handlers: still a clean stop.
            pass
        finally:
            heartbeat.stopping.set()
            maintenance.stopping.set()
            if heartbeat.ident is not None:  # started
                heartbeat.join(timeout=5)
            try:
                worker_heartbeat_forget(worker_id=worker_id)
            except DatabaseError:
                self.stderr.write("could not remove the heartbeat row; it expires by itself")
