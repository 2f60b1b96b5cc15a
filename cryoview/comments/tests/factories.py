"""Comments made through the real service, with the evidence a person's browser would send."""

from __future__ import annotations

import time
from typing import Any

from django.core import signing

from cryoview.accounts.models import User
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment
from cryoview.comments.selectors import Target
from cryoview.comments.services import FormEvidence, comment_approve, comment_post
from cryoview.core.formstamp import SALT


def human_stamp(seconds_ago: float = 20) -> str:
    """A form stamp as the page would have made it `seconds_ago`."""
    return signing.dumps(round(time.time() - seconds_ago, 3), salt=SALT)


HUMAN = FormEvidence(honeypot="", seconds_on_form=20)


def posted(target: Target, author: User | None = None, text: str = "Was it cold?", **kwargs: Any) -> Comment:
    """A comment as the service judges it (a guest unless `author` is given)."""
    if author is None:
        kwargs.setdefault("guest_name", "Anna")
    kwargs.setdefault("ip_hash", "test-address")
    return comment_post(target=target, author=author, text=text, form=kwargs.pop("form", HUMAN), **kwargs)


def approved(target: Target, author: User | None = None, text: str = "Was it cold?", **kwargs: Any) -> Comment:
    """A shown comment: posted, then approved by a moderator when the rules held it."""
    comment = posted(target, author, text, **kwargs)
    if comment.status != CommentStatus.APPROVED:
        comment_approve(comment=comment)
    comment.refresh_from_db()
    return comment
