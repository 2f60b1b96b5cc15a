"""Thin maintenance for the moderation app, run by every worker every few seconds."""

from __future__ import annotations

from cryoview.moderation.services import reports_forget_addresses


def maintenance() -> dict[str, int]:
    return {"report_addresses_forgotten": reports_forget_addresses()}
