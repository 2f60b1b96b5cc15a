from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from cryoview.accounts.models import User
from cryoview.comments.forms import pending_comment_ids, remembered_guest
from cryoview.comments.selectors import MAX_TEXT, MAX_TEXT_LABEL, CommentNode, Target, thread_page
from cryoview.core.markup import MARKUP_HELP
from cryoview.core.parsing import BIGINT_MAX, parse_int_or_none
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review

register = template.Library()


def _find(nodes: list[CommentNode], comment_id: int) -> CommentNode | None:
    for node in nodes:
        if node.comment.pk == comment_id:
            return node
        found = _find(node.children, comment_id)
        if found is not None:
            return found
    return None


def _int(value: str | None) -> int | None:
    return parse_int_or_none(value, max=BIGINT_MAX)


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comments_section(
    context: template.Context, procedure: Procedure | None = None, review: Review | None = None
) -> dict[str, Any]:
    """The thread and the "Leave a Reply" form under a guide or a review (three queries)."""
    request: HttpRequest = context["request"]
    user = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    target = Target(procedure=procedure if review is None else None, review=review)
    page = thread_page(
        target=target,
        viewer=user,
        after=_int(request.GET.get("comments_after")),
        pending=pending_comment_ids(request) if user is None else frozenset(),
    )
    reply_id = _int(request.GET.get("replytocom"))
    replying = _find(page.nodes, reply_id) if reply_id is not None else None
    if replying is not None and replying.shown != "full":
        replying = None
    return {
        "request": request,
        "user": user,
        "page": page,
        "target": target,
        "post_url": _post_url(target),
        "replying": replying,
        "guest": remembered_guest(request) if user is None else None,
        "max_text": MAX_TEXT,
        "max_text_label": MAX_TEXT_LABEL,
        "markup_help": MARKUP_HELP,
        "max_depth": settings.CONFIG.comments_max_depth,
    }


def _post_url(target: Target) -> str:
    if target.review is not None:
        return reverse("comments:review_post", kwargs={"review_id": target.review.pk})
    assert target.procedure is not None
    return reverse("comments:guide_post", kwargs={"slug": target.procedure.slug})
