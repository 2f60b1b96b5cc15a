"""The review extras (reviews.extras): with none registered the pages are as they were; a registered extra's
fields are checked with the form, its write runs in the review's transaction, and its display is read once per
page. The test extra stands in for an app above reviews (clinics registers the real one)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape

from conftest import clear_caches
from cryoview.core.errors import ApplicationError, FieldProblem
from cryoview.reviews import extras
from cryoview.reviews.extras import ExtraContext, Place, ReviewExtra, ReviewWrite, register_review_extra
from cryoview.reviews.models import Review
from cryoview.reviews.tests.factories import published_review
from cryoview.reviews.tests.test_pages import FORM

pytestmark = pytest.mark.django_db(transaction=True)

NEW_URL = "/procedures/facial-cryomassage/reviews/new/"


@pytest.fixture
def no_extras(monkeypatch: pytest.MonkeyPatch) -> dict[str, ReviewExtra]:
    """An empty registry for the test (the real one comes back afterwards)."""
    registry: dict[str, ReviewExtra] = {}
    monkeypatch.setattr(extras, "_extras", registry)
    return registry


class Recorder:
    """An extra that adds one field, "mood", keeps what was written in `written`, and counts display calls."""

    def __init__(self) -> None:
        self.written: list[tuple[int, str]] = []
        self.display_calls: list[tuple[int, Place]] = []

    def fields(self, context: ExtraContext) -> dict[str, forms.Field]:
        return {"mood": forms.CharField(required=False, max_length=20, label="Mood")}

    def clean(self, context: ExtraContext, data: dict[str, object]) -> ReviewWrite | None:
        mood = str(data.get("mood") or "")
        if mood == "bad-in-form":
            raise ValidationError({"mood": "Not a mood."})

        def write(review: Review) -> None:
            if mood == "bad-at-save":
                raise ApplicationError.for_fields([FieldProblem("mood", "refused when saving")])
            self.written.append((review.pk, mood))

        return write

    def display(self, reviews: Sequence[Review], place: Place) -> Mapping[int, str]:
        self.display_calls.append((len(reviews), place))
        return {review.pk: f'<p class="mood">{escape(review.title)} {place}</p>' for review in reviews}

    def extra(self) -> ReviewExtra:
        return ReviewExtra(
            name="recorder",
            fields=self.fields,
            template="reviews/_field.html",  # renders `field`: empty here, the test reads the stored value
            clean=self.clean,
            display=self.display,
            replaces=("clinic_name",),
        )


def test_without_extras_the_form_and_pages_are_as_before(client, member, massage, no_extras):
    review = published_review(massage, member, clinic_name="Skin Clinic")
    clear_caches()
    page = client.get(f"/reviews/{review.pk}/").text
    assert "<dt>Clinic</dt><dd>Skin Clinic</dd>" in page and "Where was it done?" not in page
    client.force_login(member)
    form = client.get(f"/reviews/{review.pk}/edit/").text
    assert 'name="clinic_name"' in form and 'value="Skin Clinic"' in form
    assert "review-where" not in client.get("/procedures/facial-cryomassage/reviews/").text


def test_an_extras_write_runs_with_the_review_and_a_refusal_leaves_nothing(client, member, massage, no_extras):
    recorder = Recorder()
    register_review_extra(recorder.extra())
    client.force_login(member)
    refused = client.post(NEW_URL, {**FORM, "mood": "bad-in-form"})
    assert refused.status_code == 422 and not Review.objects.exists()
    refused = client.post(NEW_URL, {**FORM, "mood": "bad-at-save"})
    assert refused.status_code == 422 and refused.context["form"].errors["mood"] == ["refused when saving"]
    assert not Review.objects.exists() and recorder.written == []
    assert client.post(NEW_URL, {**FORM, "mood": "calm"}).status_code == 302
    review = Review.objects.get()
    assert recorder.written == [(review.pk, "calm")]
    assert review.clinic_name == ""  # replaced by the extra: not taken from the request
    assert not re.search(r'name="clinic_name"', client.get(f"/reviews/{review.pk}/edit/").text)


def test_an_extras_display_is_read_once_per_page(client, massage, no_extras):
    for n in range(3):
        published_review(massage, title=f"Review {n}")
    recorder = Recorder()
    register_review_extra(recorder.extra())
    clear_caches()
    cards = client.get("/procedures/facial-cryomassage/reviews/").text
    assert recorder.display_calls == [(3, "card")]
    assert all(f'<p class="mood">Review {n} card</p>' in cards for n in range(3))
    review = Review.objects.first()
    assert f'<p class="mood">{review.title} page</p>' in client.get(f"/reviews/{review.pk}/").text
