"""What the index holds, read from the apps: the rows of each public item, and whether an item is public now.

An item is what an app announces (core.visibility): a guide, a review, a comment or a video. Its rows:
- a guide: one row (name; summary, claims, conditions with their synonyms) and its shown comments;
- a review: one row (title; text, city, clinic, published follow-ups), one row per cue of its published video's
  transcript, and its shown comments;
- a comment: one row; a video: the rows of the reviews that show it.
Rows are built only from visible items (published guide; published, not hidden review; approved comment under
one of those; a ready, published video of such a review), and never carry an e-mail, an IP hash or an account.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, Q, QuerySet
from django.utils.html import strip_tags

from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment
from cryoview.core.visibility import Kind
from cryoview.procedures.models import Procedure
from cryoview.reviews.enums import FollowUpStatus, ReviewStatus
from cryoview.reviews.models import FollowUp, Review
from cryoview.search.enums import DocumentKind, Language
from cryoview.search.models import SearchDocument
from cryoview.search.text import MARK_END, MARK_START, language_of
from cryoview.videos.enums import VideoStatus
from cryoview.videos.models import Video

TRANSCRIPT_LANGUAGES = {"ru": Language.RUSSIAN}  # anything else is read as English for now

VISIBLE_REVIEW = Q(status=ReviewStatus.PUBLISHED, hidden_at__isnull=True, procedure__is_published=True)


def _plain(html_text: str) -> str:
    """Rendered Markdown as words (what a reader sees), without the marks snippets use."""
    return html.unescape(strip_tags(html_text)).replace(MARK_START, "").replace(MARK_END, "")


def visible_reviews() -> QuerySet[Review]:
    return Review.objects.filter(VISIBLE_REVIEW)


def shown_comments() -> QuerySet[Comment]:
    on_guide = Q(procedure__isnull=False, procedure__is_published=True)
    on_review = Q(review__isnull=False) & Q(
        review__status=ReviewStatus.PUBLISHED, review__hidden_at__isnull=True, review__procedure__is_published=True
    )
    return Comment.objects.filter(on_guide | on_review, status=CommentStatus.APPROVED)


def item_is_public(kind: Kind, pk: str) -> bool:
    """Whether everyone may see the item now (one small query)."""
    if kind == "guide":
        return Procedure.objects.filter(pk=pk, is_published=True).exists()
    if kind == "review":
        return visible_reviews().filter(pk=pk).exists()
    if kind == "comment":
        return shown_comments().filter(pk=pk).exists()
    return Video.objects.filter(
        pk=pk, is_published=True, status=VideoStatus.READY, reviews__in=visible_reviews()
    ).exists()


def _guide_document(procedure: Procedure) -> SearchDocument:
    parts = [procedure.summary]
    conditions = {}
    for claim in procedure.claims.all():
        parts.append(claim.text)
        if claim.condition is not None:
            conditions[claim.condition.pk] = claim.condition
    for condition in conditions.values():
        parts.extend([condition.name, condition.plain_name, *condition.synonyms])
    summary = "\n".join(parts)
    return SearchDocument(
        key=f"guide:{procedure.pk}",
        kind=DocumentKind.GUIDE,
        procedure=procedure,
        language=language_of(summary),
        title=procedure.name[:300],
        summary=summary,
        published_at=procedure.updated_at,
    )


def _review_document(review: Review) -> SearchDocument:
    followups = [_plain(f.body_html) for f in review.followups.all()]  # prefetched: published only
    body = "\n".join(part for part in (_plain(review.body_html), review.city, review.clinic_name, *followups) if part)
    return SearchDocument(
        key=f"review:{review.pk}",
        kind=DocumentKind.REVIEW,
        procedure_id=review.procedure_id,
        review=review,
        language=language_of(f"{review.title} {body}"),
        title=review.title[:300],
        body=body,
        rating=review.rating,
        has_video=review.has_video,
        published_at=review.published_at or review.updated_at,
    )


def _cue_documents(review: Review) -> Iterator[SearchDocument]:
    video = review.video
    if video is None or not (video.is_published and video.is_ready):
        return
    transcript = getattr(video, "transcript", None)
    if transcript is None:
        return
    language = TRANSCRIPT_LANGUAGES.get(transcript.lang.split("-")[0], Language.ENGLISH)
    for number, segment in enumerate(transcript.segments):
        text = str(segment.get("text", "")).strip()
        if text:
            yield SearchDocument(
                key=f"transcript:{video.pk.hex}:{number}",
                kind=DocumentKind.TRANSCRIPT,
                procedure_id=review.procedure_id,
                review=review,
                video=video,
                start=float(segment.get("start", 0.0)),
                language=language,
                title=video.title[:300],
                transcript=text.replace(MARK_START, "").replace(MARK_END, ""),
                rating=review.rating,
                has_video=True,
                published_at=review.published_at or review.updated_at,
            )


def _comment_document(comment: Comment) -> SearchDocument:
    body = _plain(comment.body_html)
    procedure_id = comment.review.procedure_id if comment.review is not None else comment.procedure_id
    assert procedure_id is not None  # a comment is under a guide or a review (a constraint)
    return SearchDocument(
        key=f"comment:{comment.pk}",
        kind=DocumentKind.COMMENT,
        procedure_id=procedure_id,
        review_id=comment.review_id,
        comment=comment,
        language=language_of(body),
        title="",  # shown as "Comment on …" (selectors): the guide's name must not weigh as the comment's title
        body=body,
        published_at=comment.created_at,
    )


def _reviews_for_indexing(reviews: QuerySet[Review]) -> QuerySet[Review]:
    published = FollowUp.objects.filter(status=FollowUpStatus.PUBLISHED)
    return reviews.select_related("video__transcript").prefetch_related(Prefetch("followups", queryset=published))


def _comments_for_indexing(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return comments.select_related("procedure", "review")


def guide_documents(procedures: QuerySet[Procedure]) -> Iterator[SearchDocument]:
    """Each published guide's row (its comments and reviews are items of their own)."""
    for procedure in procedures.filter(is_published=True).prefetch_related("claims__condition"):
        yield _guide_document(procedure)


def review_documents(reviews: QuerySet[Review]) -> Iterator[SearchDocument]:
    """Each visible review's row and its video's cues."""
    for review in _reviews_for_indexing(reviews.filter(VISIBLE_REVIEW)):
        yield _review_document(review)
        yield from _cue_documents(review)


def comment_documents(comments: QuerySet[Comment]) -> Iterator[SearchDocument]:
    for comment in _comments_for_indexing(comments & shown_comments()):
        yield _comment_document(comment)


def item_documents(kind: Kind, pk: str) -> list[SearchDocument]:
    """Every row of one item (see the module's docstring), built from what is public now."""
    if kind == "guide":
        guides = Procedure.objects.filter(pk=pk)
        return [*guide_documents(guides), *comment_documents(Comment.objects.filter(procedure_id=pk))]
    if kind == "comment":
        return list(comment_documents(Comment.objects.filter(pk=pk)))
    reviews = Review.objects.filter(pk=pk) if kind == "review" else Review.objects.filter(video_id=pk)
    ids = list(reviews.values_list("pk", flat=True))
    return [
        *review_documents(Review.objects.filter(pk__in=ids)),
        *comment_documents(Comment.objects.filter(review_id__in=ids)),
    ]


def all_documents() -> Iterable[SearchDocument]:
    """Every row the index should hold (search_rebuild)."""
    yield from guide_documents(Procedure.objects.all())
    yield from review_documents(Review.objects.all())
    yield from comment_documents(Comment.objects.all())
