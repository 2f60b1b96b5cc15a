"""The review pages, the guide page's reviews section, and the moderation pages, through the test client."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import clear_caches
from cryoview.accounts.models import User
from cryoview.accounts.tests.factories import PASSWORD
from cryoview.moderation.models import ModerationDecision
from cryoview.reviews.models import Review
from cryoview.reviews.tests.factories import pending_review, published_review, ready_video, recount_queued
from cryoview.videos import storage
from cryoview.videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)

FORM = {
    "rating": "4",
    "worth_it": "worth_it",
    "title": "Fresher skin",
    "body": "Cold, quick, no *pain*.",
    "treated_month": "2026-03",
    "sessions": "5",
    "cost_amount": "120",
    "cost_currency": "eur",
    "pain": "1",
    "downtime_days": "0",
    "side_effects": ["none"],
    "city": "Riga",
    "clinic_name": "Skin Clinic",
    "consent": "on",
    "action": "submit",
}


def test_a_member_writes_a_review_on_the_page(client, member, massage):
    client.force_login(member)
    page = client.get("/procedures/facial-cryomassage/reviews/new/")
    assert page.status_code == 200
    assert "Blister" in page.text and "I agree that Cryoview publishes" in page.text
    response = client.post("/procedures/facial-cryomassage/reviews/new/", FORM)
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.pk}/"
    assert (review.status, review.cost_currency, review.treated_month.isoformat()) == ("pending", "EUR", "2026-03-01")
    shown = client.get(f"/reviews/{review.pk}/")
    assert "Awaiting moderation" in shown.text


def test_the_review_form_names_every_bad_field_and_stores_nothing(client, member, massage):
    client.force_login(member)
    bad = {**FORM, "rating": "9", "cost_currency": "EURO", "treated_month": "2026-13", "consent": ""}
    response = client.post("/procedures/facial-cryomassage/reviews/new/", bad)
    assert response.status_code == 422
    errors = {m.group(1) for m in re.finditer(r'id="id_(\w+)-error"', response.text)}
    assert {"rating", "cost_currency", "treated_month"} <= errors
    response = client.post("/procedures/facial-cryomassage/reviews/new/", {**FORM, "consent": ""})
    assert response.status_code == 422
    # A whole sentence next to the box, and the box points at it.
    assert 'aria-describedby="id_consent-error"' in response.text and 'aria-invalid="true"' in response.text
    assert re.search(
        r'<p class="errorlist" role="alert" id="id_consent-error">To send your review[^<]*\.</p>', response.text
    )
    response = client.post("/procedures/facial-cryomassage/reviews/new/", {**FORM, "body": "nul\x00byte"})
    assert response.status_code == 422
    assert not Review.objects.exists()


def test_visitors_are_sent_to_log_in_to_write(client, massage):
    response = client.get("/procedures/facial-cryomassage/reviews/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unpublished_review_is_404_to_everyone_but_its_author_and_moderators(
    client, member, other_member, moderator, massage
):
    review = pending_review(massage, member)
    url = f"/reviews/{review.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(other_member)
    assert client.get(url).status_code == 404
    assert client.get(f"/reviews/{review.pk}/edit/").status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 200
    client.force_login(moderator)
    assert client.get(url).status_code == 200


def test_the_guide_page_shows_the_aggregates_with_the_sample_size(client, massage):
    empty = client.get("/procedures/facial-cryomassage/")
    assert "No video reviews yet." in empty.text
    published_review(massage, rating=5, title="Worth every euro")
    published_review(massage, rating=3, worth_it="not_sure", title="Not sure yet")
    pending_review(massage, rating=1, title="Still pending")
    page = client.get("/procedures/facial-cryomassage/")
    assert "2 published reviews" in page.text
    assert "too few to say much" in page.text
    assert 'data-stat="average">4.0<' in page.text
    assert 'data-stat="worth-it">50 %<' in page.text
    assert "Worth every euro" in page.text and "Not sure yet" in page.text
    assert "Still pending" not in page.text


def test_the_guide_page_counts_no_more_queries_with_many_reviews(client, massage, clean_private_store):
    published_review(massage)
    clear_caches()  # a full render each time, not the cached fragments
    with CaptureQueriesContext(connection) as one:
        assert client.get("/procedures/facial-cryomassage/").status_code == 200
    for n in range(12):
        author = User.objects.create_user(f"many{n}@example.org", PASSWORD)
        video = ready_video(author) if n % 2 else None
        published_review(massage, author, video_id=str(video.pk) if video else None)
    clear_caches()
    with CaptureQueriesContext(connection) as many:
        assert client.get("/procedures/facial-cryomassage/").status_code == 200
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as cached:
        page = client.get("/procedures/facial-cryomassage/")
    assert "13 published reviews" in page.text
    assert len(cached) <= 2, "with the fragments cached: the procedure and the reviews' version"


def test_the_review_list_counts_no_more_queries_with_many_reviews(client, massage, clean_private_store):
    published_review(massage)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/procedures/facial-cryomassage/reviews/").status_code == 200
    for n in range(15):
        author = User.objects.create_user(f"list{n}@example.org", PASSWORD)
        video = ready_video(author) if n % 3 == 0 else None
        published_review(massage, author, video_id=str(video.pk) if video else None)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/procedures/facial-cryomassage/reviews/").status_code == 200
    assert len(many) == len(one)
    with CaptureQueriesContext(connection) as api:
        assert client.get("/api/v1/procedures/facial-cryomassage/reviews?limit=50").status_code == 200
    assert len(api) <= len(one)


def test_the_list_puts_videos_first_and_pages_through_every_review_once(client, massage, clean_private_store):
    ids = set()
    for n in range(23):
        author = User.objects.create_user(f"page{n}@example.org", PASSWORD)
        video = ready_video(author) if n % 4 == 0 else None
        ids.add(published_review(massage, author, rating=n % 5 + 1, video_id=str(video.pk) if video else None).pk)
    for sort in ("newest", "highest", "lowest"):
        seen: list[int] = []
        url = f"/api/v1/procedures/facial-cryomassage/reviews?sort={sort}&limit=5"
        while url:
            body = client.get(url).json()
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            url = f"/api/v1/procedures/facial-cryomassage/reviews?sort={sort}&limit=5&cursor={cursor}" if cursor else ""
        assert sorted(seen) == sorted(ids), sort
        reviews = {r.pk: r for r in Review.objects.filter(pk__in=seen)}
        flags = [reviews[i].has_video for i in seen]
        assert flags == sorted(flags, reverse=True), "video reviews come first"
        ratings = [reviews[i].rating for i in seen if not reviews[i].has_video]
        if sort == "highest":
            assert ratings == sorted(ratings, reverse=True)
        if sort == "lowest":
            assert ratings == sorted(ratings)
    page = client.get("/procedures/facial-cryomassage/reviews/?video=on&rating=1")
    assert page.status_code == 200
    for match in re.finditer(r'aria-label="Rated (\d) of 5"', page.text):
        assert match.group(1) == "1"


@pytest.mark.parametrize("query", ["sort=sideways", "rating=7", "cursor=not-a-cursor", "cursor=W10"])
def test_bad_list_parameters_get_a_clear_400(client, massage, query):
    response = client.get(f"/procedures/facial-cryomassage/reviews/?{query}")
    assert response.status_code == 400
    assert 'class="flash flash-error"' in response.text


# Markup that would run: a script element, an event-handler attribute inside a real tag, a dangerous URL scheme
# in a real attribute, or an embedding element. Escaped text (&lt;script&gt;) does not match.
# An event handler counts only as an attribute of its own, not as words inside a quoted value (a meta
# description may quote hostile text, escaped, as content="&lt;img src=x onerror=…").
LIVE_MARKUP = re.compile(
    r"<script>alert|<(?:img|svg|iframe)\b|<[a-z]+\b(?:[^<>\"']|\"[^\"]*\"|'[^']*')*\son[a-z]+\s*="
    r"|(?:href|src)=[\"']?\s*(?:javascript|data):",
    re.IGNORECASE,
)

XSS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '"><svg onload=alert(1)>',
    "<a href='https://evil.example' onclick='alert(1)'>x</a>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<iframe src=//evil.example></iframe>",
    "{{ request.user.email }}",
]


@pytest.mark.parametrize("payload", XSS)
def test_hostile_text_in_every_field_renders_inert(client, member, moderator, massage, payload):
    review = published_review(
        massage,
        member,
        title=payload[:120],
        body=f"{payload}\n\n[a link](https://example.org)",
        city=payload[:80],
        clinic_name=payload[:120],
        side_effects=["other"],
        side_effect_other=payload[:200],
    )
    pages = [f"/reviews/{review.pk}/", "/procedures/facial-cryomassage/", "/procedures/facial-cryomassage/reviews/"]
    client.force_login(moderator)
    pending_review(massage, title=payload[:120], body=payload, city=payload[:80])
    pages.append("/moderation/")
    for url in pages:
        html = client.get(url).text
        assert not LIVE_MARKUP.search(html), (url, LIVE_MARKUP.search(html))
        assert member.email not in html, url
    detail = client.get(f"/reviews/{review.pk}/").text
    assert 'href="https://example.org" rel="nofollow ugc noopener"' in detail


def test_established_members_reports_hide_a_review_at_the_threshold_until_a_moderator_decides(
    client, massage, member, moderator, settings
):
    from dataclasses import replace

    from cryoview.moderation.tests.factories import established

    settings.CONFIG = replace(settings.CONFIG, reports_hide_threshold=3)
    review = published_review(massage, title="Reported", author=member)
    for n, reporter in enumerate(established(3)):
        client.force_login(reporter)
        response = client.post(f"/reviews/{review.pk}/report/", {"reason": "fake_or_paid"}, follow=True)
        assert "moderation queue" in response.text
        review.refresh_from_db()
        assert (review.hidden_at is None) == (n < 2)
    again = client.post(f"/reviews/{review.pk}/report/", {"reason": "fake_or_paid"}, follow=True)
    assert "no such review" in again.text.lower() or again.status_code == 404
    client.logout()
    assert client.get(f"/reviews/{review.pk}/").status_code == 404
    assert "Reported" not in client.get("/procedures/facial-cryomassage/").text
    client.force_login(member)
    own = client.get(f"/reviews/{review.pk}/").text
    assert "Why it is hidden" in own and "Fake or paid (3 reports)" in own
    client.force_login(moderator)
    queue = client.get("/moderation/")
    assert "Reported review" in queue.text and "3 open reports" in queue.text
    client.post(f"/moderation/reviews/{review.pk}/decision", {"decision": "approve"})
    client.logout()
    assert client.get(f"/reviews/{review.pk}/").status_code == 200
    decision = ModerationDecision.objects.get()
    assert decision.target_kind == "reports" and decision.reports.count() == 3


def test_one_person_reports_once_and_reporting_is_rate_limited(client, massage, settings):
    from dataclasses import replace

    settings.CONFIG = replace(settings.CONFIG, reports_per_hour=2, reports_hide_threshold=50)
    first, second, third = (published_review(massage) for _ in range(3))
    assert client.post(f"/reviews/{first.pk}/report/", {"reason": "dangerous_advice"}).status_code == 302
    duplicate = client.post(f"/reviews/{first.pk}/report/", {"reason": "dangerous_advice"}, follow=True)
    assert "already reported" in duplicate.text
    limited = client.post(f"/reviews/{third.pk}/report/", {"reason": "other", "details": "spam"})
    assert limited.status_code == 429 and "try again in" in limited.text
    assert second.reports.count() == 0


def test_a_report_needs_a_known_reason(client, massage):
    review = published_review(massage)
    response = client.post(f"/reviews/{review.pk}/report/", {"reason": "i-dont-like-it"}, follow=True)
    assert "reason: must be one of" in response.text
    response = client.post(f"/reviews/{review.pk}/report/", {"reason": "other", "details": ""}, follow=True)
    assert "details" in response.text
    assert review.reports.count() == 0


def test_the_moderation_queue_shows_flags_with_reasons_and_is_for_moderators_only(client, member, moderator, massage):
    pending_review(
        massage,
        member,
        title="Cured for good",
        body="100% works, no side effects at all! Call +7 912 345 67 89 or write to me@clinic.example.org, "
        "see https://clinic.example.org",
    )
    client.force_login(member)
    assert client.get("/moderation/").status_code == 404
    assert client.get("/moderation/log/").status_code == 404
    client.force_login(moderator)
    queue = client.get("/moderation/")
    assert queue.status_code == 200
    flags = set(re.findall(r'data-flag="(\w+)"', queue.text))
    assert {"link", "email", "phone", "medical_claim", "new_account"} <= flags
    assert "+7 912 345 67 89" in queue.text and "cured for good" in queue.text.lower()


def test_a_decision_on_the_page_is_logged_and_visible_in_the_audit_view(client, member, moderator, massage):
    review = pending_review(massage, member, title="To reject")
    client.force_login(moderator)
    response = client.post(f"/moderation/reviews/{review.pk}/decision", {"decision": "reject", "reason": ""})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "pending", "a rejection without a reason is refused"
    client.post(f"/moderation/reviews/{review.pk}/decision", {"decision": "reject", "reason": "Advertising"})
    review.refresh_from_db()
    assert review.status == "rejected"
    log = client.get("/moderation/log/")
    assert "To reject" in log.text and "Advertising" in log.text and moderator.public_name in log.text
    assert len(mail.outbox) == 1


def test_the_author_exports_all_their_data_with_links_to_their_media(client, member, massage, clean_private_store):
    video = ready_video(member)
    review = published_review(massage, member, video_id=str(video.pk))
    client.force_login(member)
    response = client.get("/account/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == member.email
    [exported] = data["reviews"]
    assert exported["id"] == review.pk and exported["consent_text"].startswith("I agree")
    [media] = data["videos"]
    assert any(link.startswith("http://testserver/media/videos/") for link in media["files"])


def test_deleting_the_account_deletes_reviews_and_videos(client, member, massage, clean_private_store):
    video = ready_video(member)
    folder = storage.video_dir(video.pk)
    published_review(massage, member, video_id=str(video.pk))
    client.force_login(member)
    wrong = client.post("/account/delete/", {"password": "wrong", "confirm": "on"})
    assert wrong.status_code == 422 and User.objects.filter(pk=member.pk).exists()
    response = client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()
    assert not Review.objects.exists() and not Video.objects.exists()
    assert not folder.exists()
    recount_queued()
    assert client.get("/procedures/facial-cryomassage/").status_code == 200
    assert "No video reviews yet." in client.get("/procedures/facial-cryomassage/").text
