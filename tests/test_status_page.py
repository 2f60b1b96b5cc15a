"""The footer's "Status": a page in plain words (site up, worker alive, queue length, last video processed);
the JSON stays at /healthz."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cryoview.core.models import WorkerHeartbeat
from cryoview.videos.models import Video

pytestmark = pytest.mark.django_db


def beat(seconds_ago: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=f"w{seconds_ago}",
        hostname="h",
        pid=1,
        queues="default",
        started_at=now,
        last_seen_at=now - dt.timedelta(seconds=seconds_ago),
    )


def facts(html: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html)
    return {label: re.sub(r"<[^>]+>", "", text) for label, text in pairs}


def test_the_footer_links_the_human_page_and_it_says_everything_works(client, settings, member):
    settings.CRYOVIEW_WORKER_MODE = "db"
    beat(4)
    home = client.get("/").text
    assert '<a href="/status/">Status</a>' in home and 'href="/healthz"' not in home
    response = client.get("/status/")
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    shown = facts(response.text)
    assert "Everything is working." in response.text
    assert shown["Site"].startswith("Up")
    assert re.fullmatch(r"Running \(last sign of life [4-6] seconds ago\)\.", shown["Background worker"])
    assert shown["Waiting jobs"] == "None: the queue is empty."
    assert shown["Last video processed"] == "None yet."
    assert 'href="/healthz"' in response.text


def test_a_stopped_worker_a_queue_and_the_last_video_are_said_in_plain_words(client, settings, member):
    from cryoview.comments.tasks import mail_review_author

    settings.CRYOVIEW_WORKER_MODE = "db"
    beat(600)
    for number in range(3):
        mail_review_author.enqueue(comment_id=number)
    ready = timezone.now() - dt.timedelta(minutes=5)
    Video.objects.create(owner=member, status="ready", ready_at=ready)
    response = client.get("/status/")
    shown = facts(response.text)
    assert "Something is not working right now" in response.text
    assert shown["Background worker"].startswith("Not running (last seen 10 minutes ago)")
    assert shown["Waiting jobs"] == "3 jobs waiting for the worker."
    assert shown["Last video processed"] == f"{ready:%-d %B %Y, %H:%M} UTC (5 minutes ago)."
    assert DBTaskResult.objects.count() == 3
    assert client.get("/healthz").status_code == 503, "the JSON for monitors stays as it was"


def test_without_a_worker_the_page_says_none_is_needed(client, settings):
    settings.CRYOVIEW_WORKER_MODE = "immediate"
    shown = facts(client.get("/status/").text)
    assert shown["Background worker"].startswith("Not needed")
    assert shown["Waiting jobs"].startswith("None: there is no queue")
