"""Triggers: a moderator's approval queues the refresh; the worker's upkeep computes what no event did."""

from __future__ import annotations

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from conftest import CONTENT_DIR
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.related.models import RelatedList
from cryoview.related.selectors import related_targets
from cryoview.related.tasks import maintenance, refresh_related
from cryoview.reviews.tests.factories import pending_review, published_review

TASK_PATH = "cryoview.related.tasks.refresh_related"


def queued() -> list[dict]:
    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.filter(task_path=TASK_PATH)]


def test_approving_a_review_queues_its_refresh_after_commit(warts, moderator, django_capture_on_commit_callbacks):
    review = pending_review(warts, title="My warts froze off")
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(review=review, by=moderator, decision=Decision.APPROVE)
        assert queued() == [], "nothing is queued before the decision commits"
    assert queued() == [{"procedure_id": None, "review_id": review.pk}]


def test_rejecting_a_review_queues_nothing(warts, moderator, django_capture_on_commit_callbacks):
    review = pending_review(warts)
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(review=review, by=moderator, decision=Decision.REJECT, reason="Advertising")
    assert queued() == []


def test_the_task_recomputes_the_review_and_every_guide(massage, warts, phoresis):
    review = published_review(warts, title="My warts froze off", body="Liquid nitrogen froze my warts.")
    other = published_review(warts, title="Keratoma frozen", body="A keratoma was frozen off my back.")
    assert refresh_related.call(review_id=review.pk) > 0
    assert f"review:{other.pk}" in related_targets(review=review)
    assert RelatedList.objects.filter(procedure__isnull=False).count() == 3
    assert refresh_related.call(procedure_id=massage.pk) == 0, "nothing new since"


def test_the_task_does_nothing_for_an_item_deleted_meanwhile(warts):
    review = published_review(warts)
    review_id = review.pk
    review.delete()
    assert refresh_related.call(review_id=review_id) == 0
    assert refresh_related.call(procedure_id=999_999) == 0
    assert not RelatedList.objects.exists()


def test_maintenance_computes_what_was_never_computed_and_reports_counts(massage, warts):
    reviews = [published_review(warts), published_review(massage)]
    assert maintenance() == {"related_guides": 3, "related_reviews": 2}
    assert maintenance() == {"related_guides": 0, "related_reviews": 0}
    assert RelatedList.objects.filter(review__in=reviews).count() == 2


def test_importing_the_guides_computes_their_lists(db, capsys):
    call_command("import_guides", folder=CONTENT_DIR)
    assert RelatedList.objects.filter(procedure__isnull=False).count() == 3
    assert "related reading: 3 guide list(s) updated" in capsys.readouterr().out
    call_command("import_guides", folder=CONTENT_DIR)
    assert "related reading" not in capsys.readouterr().out, "unchanged lists are not rewritten news"
