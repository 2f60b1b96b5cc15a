"""The guide's numbers are recounted by a task, never inside the moderator's request, once per burst of changes."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cryoview.core.pagecache import generation
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.procedures.selectors import procedure_scope
from cryoview.reviews import selectors
from cryoview.reviews.models import ReviewStats
from cryoview.reviews.selectors import stats_get
from cryoview.reviews.services import review_withdraw
from cryoview.reviews.stats import STATS_REFRESH_LOST_SECONDS
from cryoview.reviews.tasks import maintenance, refresh_stats
from cryoview.reviews.tests.factories import STATS_TASK, pending_review, published_review, recount_queued

pytestmark = pytest.mark.django_db(transaction=True)


def queued() -> list[dict]:
    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.ready().filter(task_path=STATS_TASK)]


def test_an_approve_request_queues_the_recount_and_the_worker_brings_the_numbers_up_to_date(client, massage, moderator):
    published_review(massage, rating=5)
    review = pending_review(massage, rating=1)
    client.force_login(moderator)
    scope_before = generation(procedure_scope(massage.slug))
    with mock.patch("cryoview.reviews.stats.stats_compute", wraps=selectors.stats_compute) as compute:
        response = client.post(f"/moderation/reviews/{review.pk}/decision", {"decision": "approve"})
    assert response.status_code == 302
    assert compute.call_count == 0, "the moderator's request does not count"
    assert stats_get(procedure=massage)["count"] == 1, "not yet: the worker has not run"
    assert queued() == [{"procedure_id": massage.pk}]
    assert generation(procedure_scope(massage.slug)) != scope_before, "visitors' pages expire at once"

    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "default", verbosity=0)
    stats = stats_get(procedure=massage)
    assert stats["count"] == 2 and stats["rating"]["average"] == 3.0
    assert queued() == []
    assert ReviewStats.objects.get(procedure=massage).stale_since is None


def test_a_burst_of_changes_queues_one_recount(massage, moderator):
    reviews = [pending_review(massage, rating=n) for n in (2, 4, 5)]
    for review in reviews:
        review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    assert queued() == [{"procedure_id": massage.pk}]
    assert recount_queued() == 1
    assert stats_get(procedure=massage)["count"] == 3
    review_withdraw(review=reviews[0], by=reviews[0].author)
    assert queued() == [{"procedure_id": massage.pk}], "a change after the recount queues the next one"
    assert recount_queued() == 1
    assert stats_get(procedure=massage)["count"] == 2


def test_a_change_while_the_recount_runs_queues_another(massage, warts, moderator):
    first = pending_review(massage)
    review_decide(review=first, by=moderator, decision=Decision.APPROVE)
    late = pending_review(massage)
    real_compute = selectors.stats_compute

    def compute_while_a_moderator_approves(*, procedure):
        data = real_compute(procedure=procedure)  # counted before `late` is published
        review_decide(review=late, by=moderator, decision=Decision.APPROVE)
        return data

    with mock.patch("cryoview.reviews.stats.stats_compute", compute_while_a_moderator_approves):
        assert refresh_stats.call(procedure_id=massage.pk) is True
    assert stats_get(procedure=massage)["count"] == 1
    assert queued() == [{"procedure_id": massage.pk}] * 2, "the first delivery, and the one `late` queued"
    assert recount_queued() == 1, "the first delivery found nothing left to do; the second recounted"
    assert stats_get(procedure=massage)["count"] == 2


def test_a_duplicate_or_stale_delivery_does_nothing(massage, moderator):
    review_decide(review=pending_review(massage), by=moderator, decision=Decision.APPROVE)
    assert refresh_stats.call(procedure_id=massage.pk) is True
    assert refresh_stats.call(procedure_id=massage.pk) is False
    assert refresh_stats.call(procedure_id=999_999) is False


def test_upkeep_recounts_when_the_queued_recount_was_lost(massage, moderator):
    review_decide(review=pending_review(massage), by=moderator, decision=Decision.APPROVE)
    DBTaskResult.objects.filter(task_path=STATS_TASK).delete()  # the queue lost it
    assert maintenance() == {"stats_recounted": 0}, "too early to call it lost"
    long_ago = timezone.now() - timedelta(seconds=STATS_REFRESH_LOST_SECONDS + 1)
    ReviewStats.objects.filter(procedure=massage).update(stale_since=long_ago)
    assert maintenance() == {"stats_recounted": 1}
    assert stats_get(procedure=massage)["count"] == 1
    assert maintenance() == {"stats_recounted": 0}


def test_a_recount_that_fails_leaves_the_stats_stale_for_the_next_try(massage, moderator):
    review_decide(review=pending_review(massage), by=moderator, decision=Decision.APPROVE)
    marked = ReviewStats.objects.get(procedure=massage).stale_since
    failing = mock.patch("cryoview.reviews.stats.stats_compute", side_effect=RuntimeError("database went away"))
    with failing, pytest.raises(RuntimeError):
        refresh_stats.call(procedure_id=massage.pk)
    assert ReviewStats.objects.get(procedure=massage).stale_since == marked
    assert refresh_stats.call(procedure_id=massage.pk) is True
    assert stats_get(procedure=massage)["count"] == 1


def test_stats_stored_before_a_breakdown_existed_are_recounted_by_the_upkeep(massage, moderator):
    import importlib

    from django.apps import apps

    review_decide(review=pending_review(massage), by=moderator, decision=Decision.APPROVE)
    refresh_stats.call(procedure_id=massage.pk)
    row = ReviewStats.objects.get(procedure=massage)
    row.data = {k: v for k, v in row.data.items() if k != "by_label"}  # as stored before the breakdown
    row.save(update_fields=["data"])
    migration = importlib.import_module("cryoview.reviews.migrations.0006_recount_stats_for_breakdowns")
    migration.mark_stale(apps, None)
    assert maintenance() == {"stats_recounted": 1}
    assert "by_label" in ReviewStats.objects.get(procedure=massage).data
