"""Thin maintenance for the clinics app, run by every worker every few seconds (settings.CRYOVIEW_MAINTENANCE)."""

from __future__ import annotations

from django.core.cache import cache

from cryoview.clinics.documents import documents_sweep
from cryoview.clinics.services.credentials import credentials_expire
from cryoview.videos.housekeeping import orphan_grace

# Expiry is by date: looking once an hour (for all workers together, through the shared cache) takes a badge down
# within an hour of its licence's last day ending, which is what "a daily task" needs, without a scheduler.
EXPIRY_EVERY_SECONDS = 3600
EXPIRY_KEY = "clinics:credentials-expiry"
# Documents whose row never came: as rare as the crashes that leave them, so as often as the media sweep.
SWEEP_EVERY_SECONDS = 3600
SWEEP_KEY = "clinics:document-sweep"


def maintenance() -> dict[str, int]:
    done: dict[str, int] = {}
    if cache.add(EXPIRY_KEY, True, timeout=EXPIRY_EVERY_SECONDS):
        done["credentials_expired"] = credentials_expire()
    if cache.add(SWEEP_KEY, True, timeout=SWEEP_EVERY_SECONDS):
        done["orphaned_documents_deleted"] = documents_sweep(grace=orphan_grace())
    return done
