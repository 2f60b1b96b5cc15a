"""Thin maintenance for the comments app, run by every worker every few seconds."""

from __future__ import annotations

from cryoview.comments.services import comments_forget_addresses, comments_purge_spam


def maintenance() -> dict[str, int]:
    return {"spam_purged": comments_purge_spam(), "comment_addresses_forgotten": comments_forget_addresses()}
