"""Thin maintenance for the comments app, run by every worker every few seconds."""

from __future__ import annotations

from django.tasks import task

from cryoview.comments.services import comments_forget_addresses, comments_purge_spam, review_comment_mail


@task()
def mail_review_author(comment_id: int) -> bool:
    """A comment under a review was approved: its author may get an e-mail (see review_comment_mail)."""
    return review_comment_mail(comment_id=comment_id)


def maintenance() -> dict[str, int]:
    return {"spam_purged": comments_purge_spam(), "comment_addresses_forgotten": comments_forget_addresses()}
