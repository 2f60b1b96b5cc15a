"""Searching what was said in a video, in Chromium: search "blister", open the transcript hit, and the player
starts at that second."""

from __future__ import annotations

import re

import pytest

from cryoview.videos.tests.conftest import small_media  # noqa: F401 - shared fixture
from tests.test_browser import poll

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_search_blister_open_the_transcript_hit_and_the_video_starts_there(page, live_server, guides, small_media):  # noqa: F811
    from cryoview.accounts.tests.factories import UserFactory
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import published_review
    from cryoview.search.tests.conftest import run_index_tasks
    from cryoview.videos.models import Transcript

    author = UserFactory()
    video = small_media.video_for(author)  # a real 2 s clip through the real pipeline
    said = [
        {"start": 0.0, "end": 1.0, "text": "Hello from my cryomassage."},
        {"start": 1.0, "end": 2.0, "text": "Then a small blister came up near my lip."},
    ]
    Transcript.objects.update_or_create(video=video, defaults={"lang": "en", "segments": said})
    massage = Procedure.objects.get(slug="facial-cryomassage")
    published_review(massage, author, video_id=video.pk, title="Two seconds of honesty")
    assert run_index_tasks() >= 1, "publishing queued the indexing for the worker"

    page.goto(f"{live_server.url}/search/?q=blister")
    hit = page.locator(".search-hit-transcript")
    assert "Two seconds of honesty" in hit.inner_text()
    assert hit.locator("mark").first.inner_text() == "blister"
    hit.get_by_role("link", name="Watch from 0:01").click()
    page.wait_for_url(re.compile(rf".*/videos/{video.pk}/\?t=1$"))
    poll(page, "document.getElementById('player').readyState >= 1")
    poll(page, "Math.abs(document.getElementById('player').currentTime - 1.0) < 0.3")
