# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""The right of reply's services: the table of a reply's states, one reply and one answer per review, the
15-minute edit window, staff of another clinic, the reviewer's answer, the e-mail, and that nothing of it ever
touches the review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.clinics.enums import ClinicAction, ReplyStatus
from cryoview.clinics.models import Clinic, ClinicLogEntry, Reply, ReviewAttribution
from cryoview.clinics.services import replies as service
from cryoview.clinics.services.replies import (
    REPLY_TRANSITIONS,
    _reply_set_status,
    answer_post,
    reply_decide,
    reply_edit,
    reply_post,
    reply_seen,
    reply_withdraw,
)
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.reviews.enums import ReviewSort
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import ReviewFilters, review_list_published
from cryoview.reviews.services import review_hide, review_withdraw
from cryoview.reviews.tests.conftest import massage  # noqa: F401 - shared fixture
from cryoview.reviews.tests.factories import published_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def nordlicht(clinic_staff) -> Clinic:
    return Clinic.objects.get(slug="nordlicht-skin-clinic")


@pytest.fixture
def review(massage, member, nordlicht) -> Review:
    """A published review by `member` (the reviewer) attributed to Nordlicht."""
    review = published_review(massage, member, title="Cold and quick", rating=2)
    ReviewAttribution.objects.create(review=review, clinic=nordlicht)
    return review


def approved_reply(review: Review, staff: User, moderator: User, body: str = "Thank you for your review.") -> Reply:
    reply = reply_post(review=review, by=staff, body=body)
    return reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=True)


def _row(review: Review) -> tuple:
    """Every column of the review's row, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Review._meta.db_table} WHERE id = %s", [review.pk])  # noqa: S608
        return cursor.fetchone()


def _order(procedure) -> list[int]:
    page = review_list_published(procedure=procedure, filters=ReviewFilters(sort=ReviewSort.HIGHEST), limit=20)
    return [r.pk for r in page.items]


# --- the table ------------------------------------------------------------------------------------------------

ALL = list(ReplyStatus)
ALLOWED = {
    (ReplyStatus.HELD, ReplyStatus.APPROVED),
    (ReplyStatus.HELD, ReplyStatus.REJECTED),
    (ReplyStatus.HELD, ReplyStatus.WITHDRAWN),
    (ReplyStatus.APPROVED, ReplyStatus.HELD),
    (ReplyStatus.APPROVED, ReplyStatus.REJECTED),  # a moderator takes a published reply down
    (ReplyStatus.APPROVED, ReplyStatus.WITHDRAWN),
}


def test_the_table_is_exactly_the_allowed_changes():
    assert {(a, b) for a, targets in REPLY_TRANSITIONS.items() for b in targets} == ALLOWED
    assert set(REPLY_TRANSITIONS) == set(ReplyStatus)


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("new", ALL)
def test_the_door_lets_through_only_the_table(review, nordlicht, clinic_staff, current, new):
    reply = Reply.objects.create(review=review, clinic=nordlicht, author=clinic_staff, body="x", status=current)
    if (current, new) in ALLOWED:
        _reply_set_status(reply, new)
        reply.refresh_from_db()
        assert reply.status == new
    else:
        with pytest.raises(ApplicationError) as refused:
            _reply_set_status(reply, new)
        assert refused.value.status == 409 and refused.value.code == "invalid_transition"
        reply.refresh_from_db()
        assert reply.status == current


# --- posting ----------------------------------------------------------------------------------------------------


def test_staff_post_one_held_reply_and_it_is_logged(review, clinic_staff, nordlicht):
    reply = reply_post(review=review, by=clinic_staff, body="  We are sorry to read this.\nPlease call us.  ")
    assert reply.status == ReplyStatus.HELD and reply.clinic == nordlicht and not reply.by_reviewer
    assert reply.body == "We are sorry to read this.\nPlease call us."
    entry = ClinicLogEntry.objects.get(action=ClinicAction.REPLY_POSTED)
    assert entry.clinic == nordlicht and entry.target_id == str(reply.pk) and entry.actor == clinic_staff
    with pytest.raises(ApplicationError) as again:
        reply_post(review=review, by=clinic_staff, body="A second reply")
    assert again.value.status == 409
    assert Reply.objects.count() == 1


def test_a_rejected_reply_may_be_followed_by_a_new_one_a_withdrawn_one_may_not(review, clinic_staff, moderator):
    first = reply_post(review=review, by=clinic_staff, body="First words")
    reply_decide(reply=first, seen=reply_seen(first), by=moderator, approve=False, reason="Names the patient")
    second = reply_post(review=review, by=clinic_staff, body="Better words")
    reply_withdraw(reply=second, by=clinic_staff)
    with pytest.raises(ApplicationError) as refused:
        reply_post(review=review, by=clinic_staff, body="Third words")
    assert refused.value.status == 409
    assert Reply.objects.filter(review=review).count() == 2


def test_staff_of_another_clinic_and_members_get_404(review, other_clinic_staff, other_member, moderator):
    for person in (other_clinic_staff, other_member, moderator):
        with pytest.raises(NotFoundError):
            reply_post(review=review, by=person, body="Not our review")
    assert not Reply.objects.exists()


def test_a_review_not_attributed_to_the_clinic_takes_no_reply(massage, other_member, clinic_staff):
    unattributed = published_review(massage, other_member)
    with pytest.raises(NotFoundError):
        reply_post(review=unattributed, by=clinic_staff, body="Hello")
    assert not Reply.objects.exists()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "is required"),
        ("   \n ", "is required"),
        ("bad\x00byte", "control characters"),
        ("x" * (service.MAX_BODY + 1), "at most"),
        ("see https://a.example https://b.example https://c.example", "links"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field_and_leave_nothing(review, clinic_staff, body, problem):
    with pytest.raises(ApplicationError) as refused:
        reply_post(review=review, by=clinic_staff, body=body)
    assert refused.value.status == 422
    assert refused.value.problems[0].field == "body" and problem in refused.value.problems[0].message
    assert not Reply.objects.exists() and not ClinicLogEntry.objects.filter(action=ClinicAction.REPLY_POSTED).exists()


def test_the_moderators_block_list_applies_as_to_comments(review, clinic_staff, moderator):
    from cryoview.comments.services import comment_rules_update

    comment_rules_update(hold_words="", block_words="cheapviagra", max_links=2, by=moderator)
    with pytest.raises(ApplicationError) as refused:
        reply_post(review=review, by=clinic_staff, body="Buy CheapViagra now")
    assert refused.value.problems[0].field == "body"


@pytest.mark.parametrize("how", ["hidden", "withdrawn"])
def test_a_hidden_or_withdrawn_review_takes_no_reply_and_shows_none(
    client, review, clinic_staff, moderator, member, how
):
    approved_reply(review, clinic_staff, moderator, body="Our reply text")
    assert "Our reply text" in client.get(f"/reviews/{review.pk}/").text
    if how == "hidden":
        review_hide(review=review)
    else:
        review_withdraw(review=review, by=member)
    Reply.objects.update(status=ReplyStatus.REJECTED)  # make room for a second attempt
    with pytest.raises(NotFoundError):
        reply_post(review=review, by=clinic_staff, body="Again")
    client.force_login(member)  # the author still sees a hidden review, never the reply under it
    Reply.objects.update(status=ReplyStatus.APPROVED)
    page = client.get(f"/reviews/{review.pk}/")
    assert "Our reply text" not in page.text
    assert client.get(f"/api/v1/reviews/{review.pk}/replies").status_code == 404


# --- editing ----------------------------------------------------------------------------------------------------


def test_an_edit_within_15_minutes_returns_an_approved_reply_to_moderation(review, clinic_staff, moderator):
    reply = approved_reply(review, clinic_staff, moderator)
    edited = reply_edit(reply=reply, by=clinic_staff, body="Corrected words")
    assert edited.status == ReplyStatus.HELD and edited.body == "Corrected words" and edited.edited_at is not None
    assert ClinicLogEntry.objects.filter(action=ClinicAction.REPLY_EDITED, target_id=str(reply.pk)).exists()


def test_the_edit_window_closes_after_15_minutes(review, clinic_staff):
    reply = reply_post(review=review, by=clinic_staff, body="Words")
    just_before = reply.created_at + timedelta(minutes=14, seconds=59)
    reply_edit(reply=reply, by=clinic_staff, body="Still open", now=just_before)
    with pytest.raises(ApplicationError) as closed:
        reply_edit(reply=reply, by=clinic_staff, body="Too late", now=reply.created_at + timedelta(minutes=15))
    assert closed.value.status == 409 and closed.value.code == "edit_window_closed"
    reply.refresh_from_db()
    assert reply.body == "Still open"


def test_only_its_author_edits_and_other_clinics_get_404(review, clinic_staff, other_clinic_staff, nordlicht):
    from cryoview.accounts.tests.factories import UserFactory
    from cryoview.clinics.tests.factories import make_staff

    colleague = UserFactory(email="colleague@clinic.example.org")
    make_staff(colleague, nordlicht)
    reply = reply_post(review=review, by=clinic_staff, body="Words")
    with pytest.raises(ApplicationError) as forbidden:
        reply_edit(reply=reply, by=colleague, body="Mine now")
    assert forbidden.value.status == 403
    with pytest.raises(NotFoundError):
        reply_edit(reply=reply, by=other_clinic_staff, body="Mine now")
    with pytest.raises(NotFoundError):
        reply_withdraw(reply=reply, by=other_clinic_staff)
    reply_withdraw(reply=reply, by=colleague)  # the clinic withdraws: any of its staff
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.WITHDRAWN and reply.body == "Words"
    assert ClinicLogEntry.objects.filter(action=ClinicAction.REPLY_WITHDRAWN, actor=colleague).exists()


# --- moderators -------------------------------------------------------------------------------------------------


def test_a_second_decision_is_a_clear_error(review, clinic_staff, moderator):
    reply = approved_reply(review, clinic_staff, moderator)
    with pytest.raises(ApplicationError) as twice:
        reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=True)
    assert twice.value.status == 409 and "decided already" in twice.value.message
    reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=False, reason="Taken down")
    for approve in (True, False):
        with pytest.raises(ApplicationError) as again:
            reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=approve, reason="late")
        assert again.value.status == 409 and "decided already" in again.value.message
    assert ClinicLogEntry.objects.filter(action=ClinicAction.REPLY_APPROVED).count() == 1


def test_rejecting_needs_a_reason_and_only_moderators_decide(review, clinic_staff, moderator):
    reply = reply_post(review=review, by=clinic_staff, body="Words")
    with pytest.raises(ApplicationError) as no_reason:
        reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=False, reason="  ")
    assert no_reason.value.problems[0].field == "reason"
    with pytest.raises(ApplicationError) as not_moderator:
        reply_decide(reply=reply, seen=reply_seen(reply), by=clinic_staff, approve=True)
    assert not_moderator.value.status == 403
    rejected = reply_decide(
        reply=reply, seen=reply_seen(reply), by=moderator, approve=False, reason="Names the patient"
    )
    assert rejected.status == ReplyStatus.REJECTED and rejected.reason == "Names the patient"
    assert rejected.decided_by == moderator and rejected.decided_at is not None
    entry = ClinicLogEntry.objects.get(action=ClinicAction.REPLY_REJECTED)
    assert entry.details["reason"] == "Names the patient"


def test_approval_mails_the_reviewer_once_with_a_one_click_unsubscribe(
    review, clinic_staff, moderator, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approved_reply(review, clinic_staff, moderator)
    assert [m.to for m in mail.outbox] == [[member.email]]
    message = mail.outbox[0]
    assert "Nordlicht Skin Clinic" in message.subject
    assert f"/reviews/{review.pk}/#clinic-reply" in message.body
    assert f"/clinics/reviews/{review.pk}/answer/" in message.body
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe in message.body
    reply = Reply.objects.get(review=review)
    with django_capture_on_commit_callbacks(execute=True):
        corrected = reply_edit(reply=reply, by=clinic_staff, body="Corrected")
        reply_decide(reply=corrected, seen=reply_seen(corrected), by=moderator, approve=True)
    assert len(mail.outbox) == 1  # a correction approved again mails nobody
    assert client_of_unsubscribe(unsubscribe) == 200
    member.refresh_from_db()
    assert member.notify_review_comments is False


def client_of_unsubscribe(url: str) -> int:
    """The one-click POST a mail client sends to the List-Unsubscribe address (RFC 8058)."""
    from urllib.parse import urlsplit

    from django.test import Client

    return Client().post(urlsplit(url).path).status_code


def test_no_mail_when_the_reviewer_turned_review_mails_off(
    review, clinic_staff, moderator, member, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=member.pk).update(notify_review_comments=False)
    with django_capture_on_commit_callbacks(execute=True):
        reply = approved_reply(review, clinic_staff, moderator)
    assert reply.status == ReplyStatus.APPROVED and mail.outbox == []


# --- the reviewer's answer --------------------------------------------------------------------------------------


def test_the_reviewer_answers_once_only_after_the_reply_is_approved(review, clinic_staff, moderator, member):
    reply = reply_post(review=review, by=clinic_staff, body="Our reply")
    with pytest.raises(NotFoundError):
        answer_post(review=review, by=member, body="Too early")
    reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=True)
    answer = answer_post(review=review, by=member, body="Thanks, but no.")
    assert answer.by_reviewer and answer.status == ReplyStatus.HELD and answer.clinic_id == reply.clinic_id
    with pytest.raises(ApplicationError) as twice:
        answer_post(review=review, by=member, body="Once more")
    assert twice.value.status == 409
    reply_decide(reply=answer, seen=reply_seen(answer), by=moderator, approve=True)
    with pytest.raises(ApplicationError):
        answer_post(review=review, by=member, body="Once more")
    assert Reply.objects.filter(by_reviewer=True).count() == 1


def test_only_the_reviewer_answers(review, clinic_staff, moderator, other_member, other_clinic_staff):
    approved_reply(review, clinic_staff, moderator)
    for person in (other_member, clinic_staff, other_clinic_staff, moderator):
        with pytest.raises(NotFoundError):
            answer_post(review=review, by=person, body="Not mine")
    assert not Reply.objects.filter(by_reviewer=True).exists()


def test_the_reviewer_withdraws_their_answer_and_nobody_else_can(review, clinic_staff, moderator, member):
    approved_reply(review, clinic_staff, moderator)
    answer = answer_post(review=review, by=member, body="My answer")
    with pytest.raises(NotFoundError):
        reply_withdraw(reply=answer, by=clinic_staff)
    reply_withdraw(reply=answer, by=member)
    answer.refresh_from_db()
    assert answer.status == ReplyStatus.WITHDRAWN


# --- the review is untouched --------------------------------------------------------------------------------------


def test_a_reply_never_changes_the_review_or_its_place(massage, review, other_member, clinic_staff, moderator, member):
    published_review(massage, other_member, title="Another one", rating=5)
    order = _order(massage)
    row = _row(review)
    reply = approved_reply(review, clinic_staff, moderator, body="We disagree.")
    answer = answer_post(review=review, by=member, body="I stand by it.")
    reply_decide(reply=answer, seen=reply_seen(answer), by=moderator, approve=True)
    reply_withdraw(reply=reply, by=clinic_staff)
    assert _order(massage) == order
    assert _row(review) == row


def test_approving_and_withdrawing_a_shown_reply_expire_the_guides_pages(
    review, clinic_staff, moderator, django_capture_on_commit_callbacks
):
    from cryoview.core.pagecache import generation
    from cryoview.procedures.selectors import procedure_scope

    scope = procedure_scope(review.procedure.slug)
    reply = reply_post(review=review, by=clinic_staff, body="Words")
    before = generation(scope)
    with django_capture_on_commit_callbacks(execute=True):
        reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=True)
    approved = generation(scope)
    assert approved != before
    with django_capture_on_commit_callbacks(execute=True):
        reply_withdraw(reply=reply, by=clinic_staff)
    assert generation(scope) != approved
    assert timezone.now() - reply.created_at < timedelta(minutes=5)


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_at_once_one_wins_the_other_is_told(massage, member, clinic_staff, moderator):
    """The row lock: two decisions race from two connections; exactly one applies, the other gets 409."""
    import threading

    from django.db import connections

    from cryoview.reviews.tests.factories import factory_moderator

    review = published_review(massage, member)
    ReviewAttribution.objects.create(review=review, clinic=Clinic.objects.get(slug="nordlicht-skin-clinic"))
    reply = reply_post(review=review, by=clinic_staff, body="Words")
    second_moderator = factory_moderator()
    start, outcomes = threading.Barrier(2), []

    def decide(by: User, approve: bool) -> None:
        try:
            start.wait()
            reply_decide(
                reply=Reply.objects.get(pk=reply.pk),
                seen=reply_seen(reply),
                by=by,
                approve=approve,
                reason="Not fair comment",
            )
            outcomes.append("decided")
        except ApplicationError as error:
            outcomes.append(error.status)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(moderator, True)),
        threading.Thread(target=decide, args=(second_moderator, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes, key=str) == [409, "decided"]
    reply.refresh_from_db()
    assert reply.status in (ReplyStatus.APPROVED, ReplyStatus.REJECTED)
    decisions = ClinicLogEntry.objects.filter(action__in=[ClinicAction.REPLY_APPROVED, ClinicAction.REPLY_REJECTED])
    assert decisions.count() == 1


# --- what the moderator read; answered replies; take-down; a review moved to another clinic ---------------------


def test_a_reply_edited_while_the_moderator_reads_it_is_not_published_unread(review, clinic_staff, moderator):
    reply = reply_post(review=review, by=clinic_staff, body="Sorry to hear that.")
    read = reply_seen(reply)  # the moderator opens the queue
    reply_edit(reply=reply, by=clinic_staff, body="The reviewer is lying.")  # the clinic edits meanwhile
    for approve in (True, False):
        with pytest.raises(ApplicationError) as changed:
            reply_decide(reply=reply, seen=read, by=moderator, approve=approve, reason="Fine")
        assert changed.value.status == 409
        assert changed.value.message == "The reply changed since you read it; read it again."
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.HELD and reply.decided_at is None
    assert not ClinicLogEntry.objects.filter(action=ClinicAction.REPLY_APPROVED).exists()
    read_again = reply_seen(reply)
    published = reply_decide(reply=reply, seen=read_again, by=moderator, approve=True)
    assert published.status == ReplyStatus.APPROVED and published.body == "The reviewer is lying."
    # A second moderator who read it held and rejects it is told it was decided: it is not taken down unseen.
    with pytest.raises(ApplicationError) as decided:
        reply_decide(reply=reply, seen=read_again, by=moderator, approve=False, reason="Unfair")
    assert decided.value.status == 409 and "decided already" in decided.value.message
    assert Reply.objects.get(pk=reply.pk).status == ReplyStatus.APPROVED


def test_the_clinic_cannot_rewrite_a_reply_the_reviewer_answered(review, clinic_staff, moderator, member):
    reply = approved_reply(review, clinic_staff, moderator, body="We are sorry.")
    answer = answer_post(review=review, by=member, body="Thank you for the apology.")
    for step in ("held", "approved"):
        with pytest.raises(ApplicationError) as refused:
            reply_edit(reply=reply, by=clinic_staff, body="You were never our patient.")
        assert refused.value.status == 409 and "answered" in refused.value.message, step
        reply.refresh_from_db()
        assert reply.body == "We are sorry." and reply.status == ReplyStatus.APPROVED
        if step == "held":
            reply_decide(reply=answer, seen=reply_seen(answer), by=moderator, approve=True)
    reply_withdraw(reply=reply, by=clinic_staff)  # withdrawing stays open to it
    assert Reply.objects.get(pk=reply.pk).status == ReplyStatus.WITHDRAWN


def test_a_moderator_takes_down_a_published_reply_and_its_answer_goes_with_it(
    review, clinic_staff, moderator, member, django_capture_on_commit_callbacks
):
    from cryoview.clinics.selectors.replies import replies_shown
    from cryoview.core.pagecache import generation
    from cryoview.procedures.selectors import procedure_scope

    reply = approved_reply(review, clinic_staff, moderator)
    answer = answer_post(review=review, by=member, body="Fair enough.")
    reply_decide(reply=answer, seen=reply_seen(answer), by=moderator, approve=True)
    assert replies_shown(reviews=[review])[review.pk].answer is not None
    with pytest.raises(ApplicationError) as no_reason:
        reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=False, reason=" ")
    assert no_reason.value.problems[0].field == "reason"
    scope = procedure_scope(review.procedure.slug)
    before = generation(scope)
    with django_capture_on_commit_callbacks(execute=True):
        down = reply_decide(reply=reply, seen=reply_seen(reply), by=moderator, approve=False, reason="Names a patient")
    assert generation(scope) != before
    assert down.status == ReplyStatus.REJECTED and down.reason == "Names a patient"
    assert replies_shown(reviews=[review]) == {}  # the answer is out of sight with it
    entry = ClinicLogEntry.objects.get(action=ClinicAction.REPLY_REJECTED)
    assert entry.details["taken_down"] is True and entry.details["reason"] == "Names a patient"
    shown_answer = Reply.objects.get(pk=answer.pk)  # still published, out of sight: a moderator may take it down
    reply_decide(reply=shown_answer, seen=reply_seen(shown_answer), by=moderator, approve=False, reason="Off topic")
    assert Reply.objects.get(pk=answer.pk).status == ReplyStatus.REJECTED


def test_after_a_moderator_moves_the_review_the_old_clinics_reply_stops_and_the_new_clinic_may_reply(
    review, clinic_staff, other_clinic_staff, moderator, member
):
    from cryoview.clinics.selectors.replies import replies_shown, reply_latest, staff_reviews
    from cryoview.clinics.services.attribution import AttributionInput, attribution_set

    old = approved_reply(review, clinic_staff, moderator, body="Old clinic's words")
    answer_post(review=review, by=member, body="Answer to the old clinic")
    attribution_set(review=review, by=moderator, data=AttributionInput(clinic="frost-co-cosmetics"))
    assert replies_shown(reviews=[review]) == {}
    assert reply_latest(review=review, by_reviewer=False) is None
    assert reply_latest(review=review, by_reviewer=True) is None
    nordlicht = Clinic.objects.get(slug="nordlicht-skin-clinic")
    assert staff_reviews(clinic=nordlicht).items == []
    with pytest.raises(NotFoundError):
        reply_post(review=review, by=clinic_staff, body="Still ours")
    new = reply_post(review=review, by=other_clinic_staff, body="Frost's words")
    assert new.clinic.slug == "frost-co-cosmetics" and new.status == ReplyStatus.HELD
    old.refresh_from_db()
    assert old.status == ReplyStatus.REJECTED and old.reason == service.STALE_REASON
    assert not Reply.objects.filter(review=review, by_reviewer=True, status__in=service.LIVE).exists()
    assert reply_latest(review=review, by_reviewer=False) == new
    reply_decide(reply=new, seen=reply_seen(new), by=moderator, approve=True)
    shown = replies_shown(reviews=[review])[review.pk]
    assert shown.reply == new and shown.answer is None
    answer = answer_post(review=review, by=member, body="Answer to Frost")
    assert answer.clinic.slug == "frost-co-cosmetics"
