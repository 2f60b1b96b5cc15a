"""Thin tasks: ids in, one service call (DESIGN rule 4)."""

from __future__ import annotations

from typing import cast

from django.tasks import task

from cryoview.core.visibility import Kind
from cryoview.search.services import search_index_item, search_reconcile

KINDS = ("guide", "review", "comment", "video")


@task()
def index_item(kind: str, pk: str) -> int:
    """Write an item's rows as it is now (nothing if it is gone or no longer public)."""
    if kind not in KINDS:
        return 0
    return search_index_item(kind=cast(Kind, kind), pk=pk)


def maintenance() -> dict[str, int]:
    """Run by every worker every few seconds: remove what a lost task left, index what it missed."""
    return search_reconcile()
