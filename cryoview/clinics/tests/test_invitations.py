# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""Invitations: single use, expiry, revoke, the fixed text, the invited review (label Invited) and the counts."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.clinics.enums import ClinicAction, ReviewLabel
from cryoview.clinics.models import Clinic, ClinicLogEntry, Invitation, ReviewAttribution
from cryoview.clinics.selectors.invitations import invitation_counts
from cryoview.clinics.services.invitations import (
    INVITATION_DAYS,
    Address,
    invitation_links_create,
    invitation_redeem,
    invitation_revoke,
    invitations_send,
)
from cryoview.clinics.tests.factories import make_clinic
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.procedures.models import Procedure
from cryoview.reviews.enums import ReviewStatus
from cryoview.reviews.models import Review
from cryoview.reviews.services import review_approve
from cryoview.reviews.tests.conftest import massage, warts  # noqa: F401 - shared fixtures
from cryoview.reviews.tests.factories import factory_moderator, published_review

FORM = {
    "rating": "2",
    "worth_it": "not_worth_it",
    "title": "Too cold for me",
    "body": "It stung and the redness lasted two days.",
    "side_effects": ["none"],
    "city": "Berlin",
    "consent": "on",
    "action": "submit",
}


@pytest.fixture
def nordlicht(clinic_staff, massage) -> Clinic:
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    clinic.procedures.add(massage)
    return clinic


def one_link(clinic: Clinic, by: User, **kwargs) -> tuple[Invitation, str]:
    created = invitation_links_create(clinic=clinic, by=by, **kwargs)
    return created.links[0]


def write_url(token: str, procedure: str = "facial-cryomassage") -> str:
    return f"/clinics/invitations/{token}/review/{procedure}/"


# --- creating ----------------------------------------------------------------------------------------------------


def test_a_link_keeps_only_the_digest_and_expires_after_60_days(nordlicht, clinic_staff):
    invitation, token = one_link(nordlicht, clinic_staff)
    invitation.refresh_from_db()
    assert len(token) >= 43 and token not in str(Invitation.objects.values_list())
    assert invitation.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.email_digest == ""
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=60))) < timedelta(minutes=1)
    assert INVITATION_DAYS == 60
    entry = ClinicLogEntry.objects.get(action=ClinicAction.INVITATIONS_SENT)
    assert entry.details["count"] == 1 and entry.details["batch"] == str(invitation.batch)


def test_only_the_clinics_staff_create_or_revoke(nordlicht, member, other_clinic_staff, moderator, clinic_staff):
    for someone in (member, other_clinic_staff, moderator):
        with pytest.raises(NotFoundError):
            invitation_links_create(clinic=nordlicht, by=someone)
    invitation, _ = one_link(nordlicht, clinic_staff)
    for someone in (member, other_clinic_staff, moderator):
        with pytest.raises(NotFoundError):
            invitation_revoke(invitation=invitation, by=someone)
    assert Invitation.objects.count() == 1


def test_mails_hold_the_fixed_text_and_only_digests_stay(nordlicht, clinic_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = invitations_send(
            clinic=nordlicht, by=clinic_staff, addresses=[Address(" Ana@Example.org "), Address("bo@example.org")]
        )
    assert created.count == 2 and len(mail.outbox) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "bo@example.org"]
    stored = str(list(Invitation.objects.values_list()))
    assert "example.org" not in stored
    assert hashlib.sha256(b"ana@example.org").hexdigest() in stored
    log = ClinicLogEntry.objects.get(action=ClinicAction.INVITATIONS_SENT)
    assert log.details["count"] == 2 and "example.org" not in str(log.details)


def test_the_mail_body_is_the_template_for_every_clinic(
    nordlicht, clinic_staff, other_clinic_staff, django_capture_on_commit_callbacks
):
    frost = Clinic.objects.get(slug="frost-co-cosmetics")
    bodies = {}
    for clinic, staff in ((nordlicht, clinic_staff), (frost, other_clinic_staff)):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invitations_send(clinic=clinic, by=staff, addresses=[Address("pat@example.org")])
        (message,) = mail.outbox
        token = re.search(r"/clinics/invitations/([A-Za-z0-9_-]{43})/", message.body).group(1)
        link = f"{settings.CONFIG.site_url}/clinics/invitations/{token}/"
        expected = render_to_string("clinics/email/invitation.txt", {"clinic": clinic, "link": link, "days": 60})
        assert message.body == expected
        assert message.subject.endswith(f"{clinic.name} invites you to review your treatment on Cryoview")
        assert Invitation.objects.filter(token_digest=hashlib.sha256(token.encode()).hexdigest()).exists()
        generic = message.body.replace(token, "TOKEN").replace(clinic.name, "CLINIC").replace(clinic.city, "CITY")
        bodies[clinic.slug] = generic
    assert bodies["nordlicht-skin-clinic"] == bodies["frost-co-cosmetics"]  # the same words for everyone
    text = bodies["nordlicht-skin-clinic"].lower()
    assert "good or bad" in text and "never shows your review to the clinic" in text
    for gating in ("if you were happy", "satisfied", "discount", "voucher", "reward", "5 stars", "five stars"):
        assert gating not in text


def test_a_batch_is_all_or_nothing(nordlicht, clinic_staff):
    invitations_send(clinic=nordlicht, by=clinic_staff, addresses=[Address("ana@example.org")])
    with pytest.raises(ApplicationError) as refused:
        invitations_send(
            clinic=nordlicht,
            by=clinic_staff,
            addresses=[Address("new@example.org", 2), Address("ANA@example.org", 3), Address("new@example.org", 4)],
        )
    messages = [p.message for p in refused.value.problems]
    assert any(m.startswith("line 3: ANA@example.org was invited by the clinic less than 60 days") for m in messages)
    assert "line 4: new@example.org is also on line 2" in messages
    assert Invitation.objects.count() == 1
    # Another clinic may invite the same person; after the validity period this clinic may again.
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert invitations_send(clinic=nordlicht, by=clinic_staff, addresses=[Address("ana@example.org")]).count == 1


# --- using -------------------------------------------------------------------------------------------------------


def test_the_invited_review_gets_the_label_and_the_link_is_used(client, nordlicht, clinic_staff, member):
    invitation, token = one_link(nordlicht, clinic_staff)
    client.force_login(member)
    landing = client.get(f"/clinics/invitations/{token}/")
    assert landing.status_code == 302 and landing["Location"] == write_url(token)
    form = client.get(write_url(token))
    assert form.status_code == 200
    assert 'value="nordlicht-skin-clinic" selected' in form.text and "from the clinic&#x27;s invitation" in form.text
    response = client.post(write_url(token), {**FORM, "clinic": "nordlicht-skin-clinic"})
    review = Review.objects.get(author=member)
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.pk}/"
    row = ReviewAttribution.objects.get(review=review)
    assert (row.clinic, row.invitation, row.label) == (nordlicht, invitation, ReviewLabel.INVITED)
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    # The label on the review page and, once published, on the review card.
    assert ">Invited</span>" in client.get(f"/reviews/{review.pk}/").text
    review_approve(review=review, by=factory_moderator())
    assert ">Invited</span>" in client.get("/procedures/facial-cryomassage/reviews/").text
    # Used: the link says so kindly.
    again = client.get(f"/clinics/invitations/{token}/")
    assert again.status_code == 410 and "already been used" in again.text


def test_another_clinic_in_the_form_cannot_take_the_invitation(client, nordlicht, clinic_staff, member):
    other = make_clinic("Elsewhere Cosmetics")
    _, token = one_link(nordlicht, clinic_staff)
    client.force_login(member)
    response = client.post(write_url(token), {**FORM, "clinic": other.slug})
    assert response.status_code == 422 and Review.objects.count() == 0
    assert Invitation.objects.get().used_at is None


def test_a_second_use_is_refused_and_leaves_no_review(client, nordlicht, clinic_staff, member, other_member, warts):
    nordlicht.procedures.add(warts)
    _invitation, token = one_link(nordlicht, clinic_staff)
    client.force_login(member)
    assert client.post(write_url(token), {**FORM, "clinic": nordlicht.slug}).status_code == 302
    # The same member on another procedure, and another member: both refused, nothing saved.
    second = client.post(write_url(token, warts.slug), {**FORM, "clinic": nordlicht.slug})
    assert second.status_code == 410 and "already been used" in second.text
    client.force_login(other_member)
    assert client.post(write_url(token), {**FORM, "clinic": nordlicht.slug}).status_code == 410
    assert Review.objects.count() == 1


def test_redeeming_inside_one_transaction_refuses_the_second(nordlicht, clinic_staff, member, other_member, massage):
    _, token = one_link(nordlicht, clinic_staff)
    first = published_review(massage, author=member)
    second = published_review(massage, author=other_member)
    invitation_redeem(token=token, review=first, by=member)
    with pytest.raises(ApplicationError) as refused:
        invitation_redeem(token=token, review=second, by=other_member)
    assert refused.value.status == 410 and refused.value.code == "used"
    assert not ReviewAttribution.objects.filter(review=second).exists()


def test_a_verified_review_stays_verified(nordlicht, clinic_staff, member, massage):
    _, token = one_link(nordlicht, clinic_staff)
    review = published_review(massage, author=member)
    ReviewAttribution.objects.create(review=review, clinic=nordlicht, label=ReviewLabel.VERIFIED)
    invitation_redeem(token=token, review=review, by=member)
    row = ReviewAttribution.objects.get(review=review)
    assert row.label == ReviewLabel.VERIFIED and row.invitation is not None


def test_expired_revoked_and_unknown_links_get_a_kind_page(client, nordlicht, clinic_staff, member):
    expired, expired_token = one_link(nordlicht, clinic_staff)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    revoked, revoked_token = one_link(nordlicht, clinic_staff)
    invitation_revoke(invitation=revoked, by=clinic_staff)
    assert ClinicLogEntry.objects.filter(action=ClinicAction.INVITATION_REVOKED, target_id=str(revoked.pk)).exists()
    client.force_login(member)
    for token, status, words in (
        (expired_token, 410, "has expired"),
        (revoked_token, 410, "withdrawn this invitation"),
        ("nope", 404, "not known"),
        ("x" * 5000, 404, "not known"),
        ("%00%FF", 404, "not known"),
    ):
        for url in (f"/clinics/invitations/{token}/", write_url(token)):
            response = client.get(url)
            assert response.status_code == status, url
            assert words in response.text
        assert client.post(write_url(token), {**FORM, "clinic": nordlicht.slug}).status_code == status
    assert Review.objects.count() == 0


def test_a_used_or_revoked_invitation_cannot_be_revoked(nordlicht, clinic_staff, member, massage):
    invitation, token = one_link(nordlicht, clinic_staff)
    invitation_redeem(token=token, review=published_review(massage, author=member), by=member)
    with pytest.raises(ApplicationError) as used:
        invitation_revoke(invitation=invitation, by=clinic_staff)
    assert used.value.status == 409
    other, _ = one_link(nordlicht, clinic_staff)
    invitation_revoke(invitation=other, by=clinic_staff)
    with pytest.raises(ApplicationError) as twice:
        invitation_revoke(invitation=other, by=clinic_staff)
    assert twice.value.code == "revoked"


def test_visitors_are_asked_to_sign_in_and_come_back(client, nordlicht, clinic_staff):
    _, token = one_link(nordlicht, clinic_staff)
    landing = client.get(f"/clinics/invitations/{token}/")
    assert landing.status_code == 200 and "good or bad" in landing.text
    assert f"/accounts/login/?next=%2Fclinics%2Finvitations%2F{token}%2F" in landing.text
    assert f"/accounts/signup/?next=%2Fclinics%2Finvitations%2F{token}%2F" in landing.text
    assert landing["Cache-Control"] == "no-store"
    form = client.get(write_url(token))
    assert form.status_code == 302 and "/accounts/login/" in form["Location"]
    assert Invitation.objects.get().used_at is None


def test_the_clinics_own_staff_cannot_use_it(client, nordlicht, clinic_staff):
    _, token = one_link(nordlicht, clinic_staff)
    client.force_login(clinic_staff)
    assert client.get(f"/clinics/invitations/{token}/").status_code == 403
    assert client.post(write_url(token), {**FORM, "clinic": nordlicht.slug}).status_code == 403
    assert Review.objects.count() == 0 and Invitation.objects.get().used_at is None


def test_without_a_procedure_the_patient_chooses_among_the_clinics(client, nordlicht, clinic_staff, member, warts):
    nordlicht.procedures.add(warts)
    _, token = one_link(nordlicht, clinic_staff)
    client.force_login(member)
    page = client.get(f"/clinics/invitations/{token}/")
    assert page.status_code == 200
    assert write_url(token) in page.text and write_url(token, warts.slug) in page.text
    assert client.get(write_url(token, "not-offered")).status_code == 404


def test_an_invitation_for_one_procedure_leads_only_there(client, nordlicht, clinic_staff, member, warts, massage):
    nordlicht.procedures.add(warts)
    _, token = one_link(nordlicht, clinic_staff, procedure=warts)
    client.force_login(member)
    assert client.get(f"/clinics/invitations/{token}/")["Location"] == write_url(token, warts.slug)
    assert client.get(write_url(token, massage.slug)).status_code == 404
    with pytest.raises(ApplicationError):
        invitation_links_create(
            clinic=nordlicht,
            by=clinic_staff,
            procedure=Procedure.objects.exclude(pk__in=nordlicht.procedures.values("pk")).first() or _unoffered(),
        )


def _unoffered() -> Procedure:
    return Procedure.objects.create(slug="unoffered", name="Unoffered")


def test_a_member_who_already_reviewed_keeps_the_link(client, nordlicht, clinic_staff, member, massage):
    _, token = one_link(nordlicht, clinic_staff)
    published_review(massage, author=member)
    client.force_login(member)
    assert client.get(write_url(token)).status_code == 409
    assert Invitation.objects.get().used_at is None


# --- counts --------------------------------------------------------------------------------------------------------


def test_the_clinic_page_and_api_show_the_counts_in_fixed_queries(client, nordlicht, clinic_staff, member, massage):
    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(nordlicht.get_absolute_url())
            assert response.status_code == 200
        return len(captured), response.text

    earlier = published_review(massage, author=User.objects.create_user(email="earlier@example.org"))
    ReviewAttribution.objects.create(review=earlier, clinic=nordlicht)
    queries()  # the caches of a first visit
    before, page = queries()
    assert "became reviews" not in page
    links = invitation_links_create(clinic=nordlicht, by=clinic_staff, count=3).links
    invitation_redeem(token=links[0][1], review=published_review(massage, author=member), by=member)
    after, page = queries()
    assert after == before
    assert "<strong>3</strong> sent, <strong>1</strong> became reviews" in page
    detail = client.get(f"/api/v1/clinics/{nordlicht.slug}").json()
    assert (detail["invitations_sent"], detail["invitations_became_reviews"]) == (3, 1)


def test_the_staff_console_leads_to_the_invitations(client, nordlicht, clinic_staff):
    client.force_login(clinic_staff)
    html = client.get(f"/clinics/{nordlicht.slug}/staff/").text
    assert f'href="/clinics/{nordlicht.slug}/staff/invitations/"' in html
    assert f'href="/clinics/{nordlicht.slug}/staff/reviews/"' in html


def test_a_draft_pending_or_withdrawn_review_from_an_invitation_does_not_count(
    client, nordlicht, clinic_staff, member, massage
):
    invitation, token = one_link(nordlicht, clinic_staff)
    client.force_login(member)
    response = client.post(write_url(token), {**FORM, "clinic": "nordlicht-skin-clinic", "action": "draft"})
    assert response.status_code == 302
    review = Review.objects.get(author=member)
    assert review.status == ReviewStatus.DRAFT
    invitation.refresh_from_db()
    assert invitation.used_at is not None  # the link is spent on the draft, but no review stands yet
    counts = invitation_counts(clinic=nordlicht)
    assert (counts.sent, counts.became_reviews) == (1, 0)
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.PENDING)
    assert invitation_counts(clinic=nordlicht).became_reviews == 0
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.PUBLISHED)
    assert invitation_counts(clinic=nordlicht).became_reviews == 1
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.WITHDRAWN)
    assert invitation_counts(clinic=nordlicht).became_reviews == 0
