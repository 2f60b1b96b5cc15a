"""The "It is also interesting to read" section: the selector's queries, the tag, the guide and review pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from conftest import clear_caches
from cryoview.related.models import RelatedLink
from cryoview.related.selectors import related_for
from cryoview.related.services import related_refresh, related_refresh_guides
from cryoview.reviews.services import review_withdraw
from cryoview.reviews.tests.factories import published_review

HEADING = "It is also interesting to read"


def link_reviews(source, reviews) -> None:
    """Store links by hand: the read side must not depend on how many there are."""
    RelatedLink.objects.filter(source_procedure=source).delete()
    RelatedLink.objects.bulk_create(
        RelatedLink(source_procedure=source, target_review=review, rank=rank, score=0.5)
        for rank, review in enumerate(reviews, start=1)
    )


def test_the_selector_reads_one_link_or_many_in_one_query(django_assert_num_queries, massage, warts):
    reviews = [published_review(warts, title=f"Wart review {n}") for n in range(5)]
    link_reviews(massage, reviews[:1])
    with django_assert_num_queries(1):
        one = related_for(procedure=massage)
    link_reviews(massage, reviews)
    with django_assert_num_queries(1):
        many = related_for(procedure=massage)
    assert [e.title for e in one] == ["Wart review 0"]
    assert [e.title for e in many] == [f"Wart review {n}" for n in range(5)]


def render(source: str, **context) -> str:
    return Template("{% load related %}" + source).render(Context(context))


def test_the_tag_renders_a_labelled_section_with_each_link_and_its_kind(massage, warts):
    review = published_review(warts, title="My warts froze off", rating=5)
    RelatedLink.objects.create(source_procedure=massage, target_procedure=warts, rank=1, score=0.4)
    RelatedLink.objects.create(source_procedure=massage, target_review=review, rank=2, score=0.3)
    html = render("{% related_reading procedure=procedure %}", procedure=massage)
    assert '<section id="related"' in html and 'aria-labelledby="related-title"' in html
    assert f'<h2 id="related-title">{HEADING}</h2>' in html
    assert f'<a href="/procedures/{warts.slug}/">{warts.name}</a>' in html
    assert f'<a href="/reviews/{review.pk}/">My warts froze off</a>' in html
    assert f"Review of {warts.name} · rated 5 of 5" in html
    kinds = re.findall(r'<span class="badge">(\w+)</span>', html)
    assert kinds == ["Guide", "Review"], "in rank order, each with its kind"


def test_the_tag_renders_nothing_without_items(massage, warts):
    assert render("{% related_reading procedure=procedure %}", procedure=massage).strip() == ""
    hidden = published_review(warts, title="Withdrawn later")
    RelatedLink.objects.create(source_procedure=massage, target_review=hidden, rank=1, score=0.4)
    review_withdraw(review=hidden, by=hidden.author)
    assert render("{% related_reading procedure=procedure %}", procedure=massage).strip() == "", "no empty heading"


def test_the_guide_page_shows_related_reading_after_the_reviews(client, massage, warts):
    published_review(warts, title="My warts froze off", body="Liquid nitrogen froze my warts; a blister came.")
    related_refresh_guides()
    page = client.get(f"/procedures/{massage.slug}/").text
    assert HEADING in page
    assert page.index('id="reviews"') < page.index('id="related"') < page.index('id="sources"')
    assert f'href="/procedures/{warts.slug}/"' in page[page.index('id="related"') :]


def test_the_review_page_shows_related_reading_before_the_disclaimer(client, massage, warts):
    review = published_review(warts, title="My warts froze off", body="Liquid nitrogen froze my warts; a blister.")
    other = published_review(warts, title="Keratoma frozen", body="A keratoma on my back was frozen off.")
    related_refresh(review=review)
    page = client.get(f"/reviews/{review.pk}/").text
    assert HEADING in page
    assert f'href="/reviews/{other.pk}/"' in page
    assert f'href="/reviews/{review.pk}/">' not in page[page.index('id="related"') :], "never itself"
    assert page.index('id="related"') < page.index('class="disclaimer-short"')


def guide_page_queries(client, slug: str) -> int:
    clear_caches()  # a full render: no visitor's copy, no cached fragments
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/procedures/{slug}/").status_code == 200
    return len(queries)


def test_the_guide_page_counts_the_same_queries_with_one_related_item_or_many(client, massage, warts):
    reviews = [published_review(warts, title=f"Wart review {n}") for n in range(5)]
    link_reviews(massage, reviews[:1])
    one = guide_page_queries(client, massage.slug)
    link_reviews(massage, reviews)
    many = guide_page_queries(client, massage.slug)
    assert many == one
    assert "Wart review 4" in client.get(f"/procedures/{massage.slug}/").text


@pytest.mark.parametrize("kind", ["guide", "review"])
def test_the_pages_count_one_more_query_for_the_section_and_no_more(client, massage, warts, kind):
    review = published_review(warts, title="My warts froze off")
    url = f"/procedures/{massage.slug}/" if kind == "guide" else f"/reviews/{review.pk}/"

    def count() -> int:
        clear_caches()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return sum("related_relatedlink" in q["sql"] for q in queries.captured_queries)

    assert count() == 1
    if kind == "guide":
        related_refresh(procedure=massage)
    else:
        related_refresh(review=review)
    assert count() == 1
