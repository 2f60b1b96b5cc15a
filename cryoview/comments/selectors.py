"""Reads of the comments app: threads (a fixed number of queries however long), the rules, the queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment, CommentRules
from cryoview.comments.permissions import comment_editable, is_comment_author, is_trusted_commenter
from cryoview.comments.rules import RuleSet, parse_word_list
from cryoview.core.pagecache import per_generation
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import procedure_scope
from cryoview.reviews.models import Review

SPAM_KEEP_DAYS = 30
MAX_TEXT = 5000
MAX_TEXT_LABEL = f"{MAX_TEXT:,}"
THREAD_PAGE_SIZE = 50  # top-level comments per page of a thread


@dataclass(frozen=True)
class Target:
    """Where a thread lives: under a guide or under a published review."""

    procedure: Procedure | None = None
    review: Review | None = None

    def filter(self) -> Q:
        if self.review is not None:
            return Q(review=self.review)
        return Q(procedure=self.procedure)

    def holds(self, comment: Comment) -> bool:
        if self.review is not None:
            return comment.review_id == self.review.pk
        return self.procedure is not None and comment.procedure_id == self.procedure.pk

    @property
    def is_open(self) -> bool:
        if self.review is not None:
            return self.review.is_visible and self.review.procedure.is_published
        return self.procedure is not None and self.procedure.is_published

    @property
    def cache_scope(self) -> str | None:
        """The visitors' page cache to expire when the thread changes (guide pages are cached)."""
        return procedure_scope(self.procedure.slug) if self.procedure is not None else None

    @property
    def url(self) -> str:
        owner = self.review if self.review is not None else self.procedure
        assert owner is not None
        return owner.get_absolute_url()


def target_of(comment: Comment) -> Target:
    return Target(procedure=comment.procedure, review=comment.review)


@dataclass
class CommentNode:
    comment: Comment
    children: list[CommentNode] = field(default_factory=list)
    replying_to: str = ""  # the name answered, when the reply attached higher up (depth limit)
    own: bool = False  # the viewer wrote it (their account, or a guest's signed list of pending comments)
    by_review_author: bool = False  # written by the author of the review the thread is under

    @property
    def shown(self) -> str:
        """full, deleted (a placeholder kept for its replies) or held (the author's own, or hidden).
        The sender's own spam is shown exactly as their held comment: a bot learns nothing from the page."""
        status = self.comment.status
        if status == CommentStatus.APPROVED:
            return "full"
        if status in (CommentStatus.HELD, CommentStatus.SPAM) and self.own:
            return "own-held"
        return "deleted" if status == CommentStatus.DELETED else "hidden"

    @property
    def can_edit(self) -> bool:
        return self.own and self.comment.author_id is not None and comment_editable(self.comment)

    @property
    def can_delete(self) -> bool:
        return self.own and self.comment.author_id is not None


@dataclass
class ThreadPage:
    nodes: list[CommentNode]
    count: int
    next_cursor: int | None


def comment_rules() -> RuleSet:
    row = CommentRules.objects.filter(pk=1).first()
    min_seconds = settings.CONFIG.comments_min_seconds
    if row is None:
        return RuleSet(min_seconds=min_seconds)
    return RuleSet(
        hold_words=parse_word_list(row.hold_words),
        block_words=parse_word_list(row.block_words),
        max_links=row.max_links,
        min_seconds=min_seconds,
    )


def author_is_known(*, user: User | None, name: str, email: str) -> bool:
    """Approved before (a member by account; a guest by the same name and e-mail), or a moderator.
    A guest without an e-mail cannot be recognised, so their comments are always held."""
    approved = Comment.objects.filter(status=CommentStatus.APPROVED)
    if user is not None:
        return is_trusted_commenter(user) or approved.filter(author=user).exists()
    if not email:
        return False
    return approved.filter(author__isnull=True, guest_name__iexact=name, guest_email__iexact=email).exists()


def threads_with_same_text(*, fingerprint: str, target: Target) -> int:
    """Other threads where the same text was posted in the last hour (a copy-paste campaign)."""
    since = timezone.now() - timedelta(hours=1)
    rows = (
        Comment.objects.filter(fingerprint=fingerprint, created_at__gte=since)
        .exclude(target.filter())
        .values_list("procedure_id", "review_id")
        .distinct()
    )
    return len(set(rows))


def _not_spam_unless_own(viewer: User | None, pending: frozenset[int]) -> Q:
    mine = Q(pk__in=sorted(pending)) if pending else Q(pk__in=[])
    if viewer is not None:
        mine |= Q(author=viewer)
    return ~Q(status=CommentStatus.SPAM) | mine


def thread_page(
    *,
    target: Target,
    viewer: User | None = None,
    after: int | None = None,
    limit: int = THREAD_PAGE_SIZE,
    pending: frozenset[int] = frozenset(),
) -> ThreadPage:
    """A page of top-level comments (oldest first) with all their replies, nested. Two queries (three when
    the thread has more than one page, to count it all).

    Deleted comments stay as a "deleted" placeholder while they have visible replies; a comment hidden
    after reports keeps its visible replies in the same way. The viewer's own comments that wait for a
    moderator (a member's by account, a guest's by the ids in `pending`) are shown to them in place."""
    shown = _not_spam_unless_own(viewer, pending)
    tops = Comment.objects.filter(shown, target.filter(), root__isnull=True)
    if after is not None:
        tops = tops.filter(pk__gt=after)
    top_rows = list(tops.select_related("author").order_by("pk")[: limit + 1])
    more = len(top_rows) > limit
    top_rows = top_rows[:limit]
    replies = (
        Comment.objects.filter(shown, target.filter(), root__in=[c.pk for c in top_rows])
        .select_related("author")
        .order_by("pk")
    )
    # No thread yet (most pages): the replies' query would be built only to be found empty.
    rows = [*top_rows, *replies] if top_rows else []
    review_author = target.review.author_id if target.review is not None else None
    nodes = _build_tree(rows, viewer, pending, review_author)
    if after is None and not more:  # the whole thread is here: count it without another query
        count = sum(1 for c in rows if c.status == CommentStatus.APPROVED)
    else:
        count = Comment.objects.filter(target.filter(), status=CommentStatus.APPROVED).count()
    return ThreadPage(nodes=nodes, count=count, next_cursor=top_rows[-1].pk if more else None)


def _build_tree(
    rows: list[Comment], viewer: User | None, pending: frozenset[int], review_author: int | None
) -> list[CommentNode]:
    by_id = {
        c.pk: CommentNode(
            c,
            own=is_comment_author(viewer, c) or (c.author_id is None and c.pk in pending),
            by_review_author=review_author is not None and c.author_id == review_author,
        )
        for c in rows
    }
    top: list[CommentNode] = []
    for node in by_id.values():  # rows come in id order, so parents precede their replies
        comment = node.comment
        answered = by_id.get(comment.in_reply_to_id) if comment.in_reply_to_id else None
        if answered is not None:
            node.replying_to = answered.comment.author_name
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        (parent.children if parent is not None else top).append(node)
    return _prune(top)


def _prune(nodes: list[CommentNode]) -> list[CommentNode]:
    """Drop what may not be shown, unless it has replies that may (then it stays as a placeholder)."""
    kept = []
    for node in nodes:
        node.children = _prune(node.children)
        if node.shown in ("full", "own-held") or node.children:
            kept.append(node)
    return kept


def thread_url_of(comment: Comment) -> str:
    """The address of the thread page that shows `comment`, with its anchor: the first page, or, when the
    thread has a full page of older top-level comments, the page that starts with the comment's own thread."""
    target = target_of(comment)
    top = comment.root_id or comment.pk
    older = (
        Comment.objects.filter(target.filter(), root__isnull=True, pk__lt=top)
        .exclude(status=CommentStatus.SPAM)
        .count()
    )
    page = f"?comments_after={top - 1}" if older >= THREAD_PAGE_SIZE else ""
    return f"{target.url}{page}#comment-{comment.pk}"


def comment_get(*, comment_id: int) -> Comment | None:
    return (
        Comment.objects.select_related("author", "procedure", "review", "review__procedure", "parent")
        .filter(pk=comment_id)
        .first()
    )


def queue_comments(*, reported: QuerySet[Any] | None = None) -> QuerySet[Comment]:
    """Held comments (new, edited or hidden after reports) and the shown ones whose ids `reported` lists
    (the moderation app knows which have open reports), oldest first."""
    waiting = Q(status=CommentStatus.HELD)
    if reported is not None:
        waiting |= Q(status=CommentStatus.APPROVED, pk__in=reported)
    return (
        Comment.objects.filter(waiting)
        .select_related("author", "procedure", "review", "review__procedure", "parent", "parent__author")
        .order_by("created_at", "pk")
    )


def spam_folder() -> QuerySet[Comment]:
    return (
        Comment.objects.filter(status=CommentStatus.SPAM)
        .select_related("author", "procedure", "review", "review__procedure")
        .order_by("-status_changed_at", "-pk")
    )


def comments_of(*, user: User) -> QuerySet[Comment]:
    return Comment.objects.filter(author=user).select_related("procedure", "review").order_by("pk")


def thread_authors_scope(scope: str) -> str:
    """The page-cache scope of who has commented in the guide thread of `scope` (bumped by each member's
    comment there, whatever its status): apart from the page's own, so that a held comment does not expire
    the page everyone else is served."""
    return f"comment-authors:{scope}"


def has_comments_in_scope(request: Any, scope: str) -> bool:
    """Whether the signed-in member has any comment (shown, held, spam, deleted) in the guide thread of the page
    cache's `scope`: their page then shows what only they may see (their held comments, their edit links), so
    it cannot be the members' shared rendering. Any other scope counts as personal.

    Asked on every member's request for a guide page: the thread's authors are read once per generation of
    `thread_authors_scope` (`pagecache.per_generation`; for_members reads that generation with the page's in
    one round trip), not with a query per request, which on PostgreSQL was a round trip of its own. Every
    member's comment in a guide thread bumps it (`comment_post`), so a stale set can only hold an author who
    no longer has a comment there (they get their own rendering, as before), never miss one."""
    slug = scope.removeprefix("procedure:")
    if slug == scope or procedure_scope(slug) != scope:
        return True
    authors = per_generation(thread_authors_scope(scope), "authors", lambda: _guide_thread_authors(slug))
    return request.user.pk in authors


def _guide_thread_authors(slug: str) -> frozenset[int]:
    # Plain SQL, as the per-request check it replaces: one indexed pass over the guide's thread.
    comments, procedures = Comment._meta.db_table, Procedure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT c.author_id FROM {comments} c JOIN {procedures} p ON p.id = c.procedure_id"  # noqa: S608
            " WHERE p.slug = %s AND c.author_id IS NOT NULL",
            [slug],
        )
        return frozenset(row[0] for row in cursor.fetchall())
