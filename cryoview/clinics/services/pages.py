"""Visitors' cached guide pages show, on each review card, its clinic (and whether it is listed) and its
practitioner (name, profession, credentials badge): whoever changes those expires them here."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q

from cryoview.core.pagecache import bump
from cryoview.procedures.selectors import procedure_scope
from cryoview.reviews.models import Review


def attribution_pages_changed(*, clinic_ids: Sequence[int] = (), practitioner_ids: Sequence[int] = ()) -> int:
    """Review cards show a clinic's name and whether it is listed, and a practitioner's name, profession and
    credentials badge, in pages kept per guide until its reviews change. Whoever changes those (the directory,
    a credentials decision, the daily expiry) calls this inside its transaction. Side effects, after commit:
    visitors' cached pages of every guide with a review naming them expire. Returns how many guides."""
    names = Q(attribution__clinic_id__in=list(clinic_ids)) | Q(attribution__practitioner_id__in=list(practitioner_ids))
    slugs = set(Review.objects.filter(names).values_list("procedure__slug", flat=True))

    def expire() -> None:
        for slug in sorted(slugs):
            bump(procedure_scope(slug))

    transaction.on_commit(expire)
    return len(slugs)
