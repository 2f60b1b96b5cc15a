from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from cryoview.accounts.tests.factories import UserFactory
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review
from cryoview.reviews.tests.conftest import massage, warts  # noqa: F401 - shared fixtures
from cryoview.reviews.tests.factories import pending_review, published_review, ready_video
from cryoview.search.models import SearchDocument
from cryoview.videos.models import Transcript
from cryoview.videos.tests.conftest import clean_private_store  # noqa: F401 - shared fixture

INDEX_TASK = "cryoview.search.tasks.index_item"


def run_index_tasks() -> int:
    """Run the queued indexing tasks, as the worker does; returns how many ran."""
    from cryoview.search.tasks import index_item

    ran = 0
    for row in DBTaskResult.objects.ready().filter(task_path=INDEX_TASK).order_by("enqueued_at"):
        index_item.call(**row.args_kwargs["kwargs"])
        row.delete()
        ran += 1
    return ran


def keys() -> set[str]:
    return set(SearchDocument.objects.values_list("key", flat=True))


def video_review(
    procedure: Procedure, segments: list[dict[str, Any]], *, publish: bool = True, **fields: Any
) -> Review:
    """A review with a ready video whose transcript says `segments` ({start, end, text})."""
    author = UserFactory()
    video = ready_video(author, duration=max(s["end"] for s in segments) + 1)
    Transcript.objects.create(video=video, lang="en", segments=segments)
    make = published_review if publish else pending_review
    return make(procedure, author, video_id=video.pk, **fields)


@pytest.fixture
def cues() -> list[dict[str, Any]]:
    return [
        {"start": 0.0, "end": 4.0, "text": "Hello, this is my cryomassage review."},
        {"start": 4.0, "end": 9.5, "text": "The nitrogen felt cold on my cheeks."},
        {"start": 42.3, "end": 47.0, "text": "After the third session I got a small blister near my lip."},
    ]
