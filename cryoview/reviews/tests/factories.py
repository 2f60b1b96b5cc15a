"""Reviews made through the real services (so a test's review is one the product could have made)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.accounts.services import user_set_role
from cryoview.accounts.tests.factories import UserFactory
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review
from cryoview.reviews.services import ReviewInput, review_approve, review_create
from cryoview.videos import storage
from cryoview.videos.enums import JobState, VideoStage, VideoStatus
from cryoview.videos.models import Rendition, Video, VideoJob


def review_input(**overrides: Any) -> ReviewInput:
    values: dict[str, Any] = {
        "rating": 4,
        "worth_it": "worth_it",
        "title": "Smoother skin after five sessions",
        "body": "The nitrogen felt **cold** but not painful. My skin looked fresher for weeks.",
        "sessions": 5,
        "cost_amount": Decimal("120.00"),
        "cost_currency": "EUR",
        "pain": 2,
        "downtime_days": 0,
        "side_effects": ["none"],
    }
    values.update(overrides)
    return ReviewInput(**values)


def pending_review(procedure: Procedure, author: User | None = None, **overrides: Any) -> Review:
    author = author or UserFactory()
    return review_create(author=author, procedure=procedure, data=review_input(**overrides), consent=True)


def published_review(procedure: Procedure, author: User | None = None, **overrides: Any) -> Review:
    """A published review, with the guide's numbers recounted as a running worker would (once committed)."""
    review = pending_review(procedure, author, **overrides)
    review_approve(review=review, by=factory_moderator())
    recount_queued()
    review.refresh_from_db()
    return review


STATS_TASK = "cryoview.reviews.tasks.refresh_stats"


def recount_queued() -> int:
    """Run the queued stats recounts, as the worker does (the tests' stand-in for a running worker; other
    queued tasks stay queued). Returns how many recounts changed the stats."""
    from django_tasks_db.models import DBTaskResult

    from cryoview.reviews.tasks import refresh_stats

    done = 0
    for row in DBTaskResult.objects.ready().filter(task_path=STATS_TASK).order_by("enqueued_at"):
        done += refresh_stats.call(**row.args_kwargs["kwargs"])
        row.delete()
    return done


def ready_video(owner: User, *, duration: float = 12.0) -> Video:
    """A processed video as the pipeline leaves it: files in the private store, rows marked ready."""
    video_id = uuid.uuid4()
    out = storage.out_dir(video_id)
    out.mkdir(parents=True, exist_ok=True)
    (out / "poster.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (out / "360.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    video = Video.objects.create(
        id=video_id,
        owner=owner,
        upload_id=video_id.hex,
        original_name="my-review.mp4",
        status=VideoStatus.READY,
        stage=VideoStage.DONE,
        progress=1.0,
        duration=duration,
        width=360,
        height=640,
        poster_path=storage.relative(out / "poster.jpg"),
        output_dir=storage.relative(out),
        ready_at=timezone.now(),
    )
    Rendition.objects.create(video=video, height=640, width=360, path=storage.relative(out / "360.mp4"), bytes=12)
    VideoJob.objects.create(video=video, state=JobState.SUCCEEDED, enqueued_at=timezone.now())
    return video


def processing_video(owner: User) -> Video:
    video_id = uuid.uuid4()
    video = Video.objects.create(
        id=video_id, owner=owner, upload_id=video_id.hex, status=VideoStatus.PROCESSING, stage=VideoStage.TRANSCODE
    )
    VideoJob.objects.create(video=video, state=JobState.RUNNING, enqueued_at=timezone.now())
    return video


def factory_moderator() -> User:
    """The moderator who approves the factories' reviews (review_set_state lets only moderators publish)."""
    found = User.objects.filter(email="factory-moderator@example.org").first()
    return found or user_set_role(user=UserFactory(email="factory-moderator@example.org"), role=Role.MODERATOR)


def person(email: str, role: Role = Role.MEMBER) -> User:
    from allauth.account.models import EmailAddress

    user = UserFactory(email=email)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user_set_role(user=user, role=role)


def stats_after_the_worker(*, procedure: Procedure) -> dict[str, Any]:
    """The guide's numbers once the worker has run the queued recounts."""
    from cryoview.reviews.selectors import stats_get

    recount_queued()
    return stats_get(procedure=procedure)
