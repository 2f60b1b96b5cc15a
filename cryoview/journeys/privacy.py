"""A person's data: export all of it, or delete the account with everything it made.

The one module that knows every app holding personal data, so it lives on the top floor, above them all
(`cryoview/journeys/`); no app imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.clinics.services.proofs import proofs_withdraw_of
from cryoview.comments.selectors import comments_of
from cryoview.comments.services import comments_delete_all_of
from cryoview.moderation.models import Report
from cryoview.reviews.models import Review
from cryoview.reviews.services import review_delete_all_of, video_remove
from cryoview.suitability.models import SavedCheck
from cryoview.videos.models import Upload, Video
from cryoview.videos.uploads import upload_delete


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _video(video: Video, link: Callable[[str], str]) -> dict[str, Any]:
    files = [reverse("videos:media", args=[video.pk, r.filename]) for r in video.renditions.all()]
    files += [reverse("videos:media", args=[video.pk, c.filename]) for c in video.captions.all()]
    if video.poster_path:
        files.append(reverse("videos:media", args=[video.pk, "poster.jpg"]))
    return {
        "id": str(video.pk),
        "original_name": video.original_name,
        "status": video.status,
        "published": video.is_published,
        "created_at": _iso(video.created_at),
        "duration_seconds": video.duration,
        "page": link(reverse("videos:player", args=[video.pk])),
        "files": [link(f) for f in files],
        "transcript": getattr(getattr(video, "transcript", None), "segments", []),
    }


def _review(review: Review, link: Callable[[str], str]) -> dict[str, Any]:
    return {
        "id": review.pk,
        "procedure": review.procedure.slug,
        "status": review.status,
        "rating": review.rating,
        "worth_it": review.worth_it,
        "sessions": review.sessions,
        "cost": {"amount": str(review.cost_amount), "currency": review.cost_currency}
        if review.cost_amount is not None
        else None,
        "month_of_treatment": review.treated_month.strftime("%Y-%m") if review.treated_month else None,
        "city": review.city,
        "clinic": review.clinic_name,
        "side_effects": review.side_effects,
        "side_effect_other": review.side_effect_other,
        "pain": review.pain,
        "downtime_days": review.downtime_days,
        "title": review.title,
        "text": review.body,
        "video_id": str(review.video_id) if review.video_id else None,
        "consent_text": review.consent_text,
        "consented_at": _iso(review.consented_at),
        "rejection_reason": review.rejection_reason,
        "pending_edit": review.pending_edit,
        "created_at": _iso(review.created_at),
        "published_at": _iso(review.published_at),
        "page": link(review.get_absolute_url()),
        "followups": [
            {
                "date": _iso(f.created_at),
                "text": f.body,
                "new_rating": f.new_rating,
                "status": f.status,
                "rejection_reason": f.rejection_reason,
            }
            for f in review.followups.all()
        ],
    }


def account_export(*, user: User, link: Callable[[str], str]) -> dict[str, Any]:
    """Everything we hold about the user, as JSON-ready data; `link` makes absolute URLs for their media."""
    videos = Video.objects.filter(owner=user).select_related("transcript").prefetch_related("renditions", "captions")
    reviews = Review.objects.filter(author=user).select_related("procedure").prefetch_related("followups")
    return {
        "exported_at": _iso(timezone.now()),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "api_tokens": [
            {"name": t.name, "prefix": t.prefix, "created_at": _iso(t.created_at), "revoked_at": _iso(t.revoked_at)}
            for t in user.api_tokens.all()
        ],
        "saved_checks": [
            {
                "procedure": c.procedure.slug,
                "answers": c.answers,
                "verdict": c.verdict,
                "created_at": _iso(c.created_at),
            }
            for c in SavedCheck.objects.filter(user=user).select_related("procedure")
        ],
        "videos": [_video(v, link) for v in videos],
        "reviews": [_review(r, link) for r in reviews],
        "comments": [
            {
                "id": c.pk,
                "on": link(c.get_absolute_url()),
                "text": c.body,
                "status": c.status,
                "reply_emails": c.notify_replies,
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
            }
            for c in comments_of(user=user)
        ],
        "reports_sent": [
            {
                "review_id": r.review_id,
                "comment_id": r.comment_id,
                "reason": r.reason,
                "details": r.details,
                "created_at": _iso(r.created_at),
            }
            for r in Report.objects.filter(reporter=user)
        ],
    }


def account_delete(*, user: User) -> None:
    """Delete the account and what it made: reviews (with their videos), other videos, unfinished uploads,
    saved checks, tokens, e-mail addresses. Comments lose their text (a "deleted" note keeps others' replies
    in place). Moderation decisions keep the moderator's name only; reports the user sent stay, without the
    link to the account. Side effects: rows and files, as listed; the files go once the transaction commits
    (a rollback keeps them with their rows). The admin's delete and "delete selected" call this too."""
    with transaction.atomic():
        comments_delete_all_of(user=user)
        proofs_withdraw_of(user=user)  # a proof of treatment is health data: its file goes now, not at the sweep
        review_delete_all_of(user=user)
        for video in Video.objects.filter(owner=user):
            video_remove(video=video)
        for upload in Upload.objects.filter(owner=user):
            upload_delete(upload=upload)
        user.delete()


def accounts_delete(*, users: Iterable[User]) -> int:
    """Delete several accounts, each as account_delete, all or none. Returns how many."""
    count = 0
    with transaction.atomic():
        for user in users:
            account_delete(user=user)
            count += 1
    return count
