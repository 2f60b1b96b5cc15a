"""Members' guide and review-list pages are rendered once per generation for a stand-in member and filled in
per request (their name, their CSRF token, their form stamp): no member ever sees another's name, token or held
comment, a change shows at once, and the tokens in the served page work for that member's session."""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from cryoview.accounts.models import User
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment, CommentRules
from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import approved, posted
from cryoview.core import pagecache
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.procedures import views as procedure_views
from cryoview.procedures.enums import RevisionOrigin
from cryoview.procedures.models import Procedure
from cryoview.procedures.services import procedure_record_revision
from cryoview.reviews import views as review_views
from cryoview.reviews.tests.factories import pending_review, published_review, recount_queued

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = "/procedures/facial-cryomassage/"
LIST = "/procedures/facial-cryomassage/reviews/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STAMP = re.compile(r'name="form_stamp" value="([^"]+)"')


def _renders(view_module: ModuleType, name: str) -> Any:
    return mock.patch.object(view_module, name, wraps=getattr(view_module, name))


def _signed_in(user: User, **kwargs: object) -> Client:
    client = Client(**kwargs)  # type: ignore[arg-type]
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("url", "module", "render"), [(GUIDE, procedure_views, "_detail"), (LIST, review_views, "_list_page")]
)
def test_two_members_share_one_rendering_and_see_only_their_own_name(
    massage, member, other_member, url, module, render
):
    published_review(massage, title="Seen by all")
    member.display_name, other_member.display_name = "Alice Firstreader", "Bob <Second> & Co."
    member.save()
    other_member.save()
    first = _signed_in(member).get(url)
    with _renders(module, render) as rendered:
        second = _signed_in(other_member).get(url)
    assert rendered.call_count == 0, "the second member's page was filled in, not rendered again"
    assert first.status_code == second.status_code == 200
    assert "Alice Firstreader" in first.text and "Bob" not in first.text
    assert "Bob &lt;Second&gt; &amp; Co." in second.text and "Alice" not in second.text
    for page in (first.text, second.text):
        assert pagecache.MEMBER_NAME not in page and "cryoview:csrf" not in page and "cryoview:form-tokens" not in page
        assert "Seen by all" in page and "Sign out" in page
    assert set(TOKEN.findall(first.text)).isdisjoint(TOKEN.findall(second.text))


def test_the_name_keeps_its_own_full_stop(massage, member):
    member.display_name = "J. Smith Jr."
    member.save()
    _signed_in(member).get(GUIDE)  # the shared rendering
    page = _signed_in(member).get(GUIDE).text
    assert "Commenting as <strong>J. Smith Jr.</strong></p>" in page


def test_a_members_held_comment_is_theirs_only(massage, member, other_member):
    _signed_in(other_member).get(GUIDE)  # the shared rendering of this generation exists
    held = posted(Target(procedure=massage), author=member, text="My private question about redness")
    assert held.status == CommentStatus.HELD
    mine = _signed_in(member).get(GUIDE).text
    assert "My private question about redness" in mine and "Only you can see this" in mine
    with _renders(procedure_views, "_detail") as rendered:
        theirs = _signed_in(other_member).get(GUIDE).text
    assert rendered.call_count == 0
    assert "My private question about redness" not in theirs and "Only you can see this" not in theirs
    assert member.public_name not in theirs


@pytest.mark.parametrize("verdict", ["held", "spam"])
def test_a_members_first_comment_is_theirs_at_once_whatever_its_verdict(massage, member, verdict):
    """The thread's authors are read once per generation: a member's first comment, even one only they see,
    must start a new one, or their page would be the shared rendering without it."""
    reader = _signed_in(member)
    reader.get(GUIDE)  # this generation's rendering and list of the thread's authors exist, without them
    if verdict == "spam":
        CommentRules.objects.create(pk=1, block_words="redness")
    comment = posted(Target(procedure=massage), author=member, text="My private question about redness")
    assert comment.status == (CommentStatus.HELD if verdict == "held" else CommentStatus.SPAM)
    with _renders(procedure_views, "_detail") as rendered:
        reader.get(GUIDE)
    assert rendered.call_count == 1, "the member got their own rendering"


def test_members_with_more_than_the_shared_page_get_their_own_rendering(massage, member, moderator):
    approved(Target(procedure=massage), author=member, text="An approved question of mine")
    _signed_in(moderator).get(GUIDE)
    with _renders(procedure_views, "_detail") as rendered:
        page = _signed_in(member).get(GUIDE).text  # they have a comment here: their edit link
    assert rendered.call_count == 1 and "An approved question of mine" in page
    with _renders(procedure_views, "_detail") as rendered:
        page = _signed_in(moderator).get(GUIDE).text
    assert rendered.call_count == 1 and "Moderation" in page and moderator.public_name in page


@pytest.mark.parametrize("url", [GUIDE, LIST])
def test_changes_show_at_once(massage, member, other_member, moderator, url):
    reader = _signed_in(member)
    reader.get(url)
    review = pending_review(massage, title="Just published review")
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    recount_queued()  # the guide's reviews section follows the recount, as for visitors
    assert "Just published review" in reader.get(url).text
    if url == GUIDE:
        approved(Target(procedure=massage), author=other_member, text="A freshly approved comment")
        assert "A freshly approved comment" in reader.get(url).text
        procedure = Procedure.objects.get(slug="facial-cryomassage")
        procedure.claims.filter(code="eyes-closed").update(text="Keep both eyes shut while the area is treated.")
        procedure_record_revision(procedure=procedure, origin=RevisionOrigin.ADMIN)
        assert "Keep both eyes shut" in reader.get(url).text


def test_the_served_tokens_work_for_that_members_session(massage, member, other_member):
    _signed_in(other_member).get(GUIDE)  # the shared rendering
    browser = _signed_in(member, enforce_csrf_checks=True)
    page = browser.get(GUIDE).text
    token, stamp = TOKEN.findall(page)[-1], STAMP.findall(page)[-1]
    answer = browser.post(
        "/procedures/facial-cryomassage/comments/",
        {"csrfmiddlewaretoken": token, "form_stamp": stamp, "text": "Posted through the filled-in form", "parent": ""},
    )
    assert answer.status_code in (200, 302), answer.content[:300]
    assert Comment.objects.filter(author=member, body="Posted through the filled-in form").exists()
    # The header's sign-out form (its token filled in too) signs this member out, and their next page says so.
    page = browser.get(LIST).text
    signed_out = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": TOKEN.findall(page)[0]})
    assert signed_out.status_code == 302
    after = browser.get(LIST).text
    assert "Sign in" in after and member.public_name not in after


def test_a_forged_token_is_still_refused(massage, member):
    browser = _signed_in(member, enforce_csrf_checks=True)
    browser.get(GUIDE)
    answer = browser.post("/procedures/facial-cryomassage/comments/", {"csrfmiddlewaretoken": "x" * 64, "text": "Hi"})
    assert answer.status_code == 403
    assert not Comment.objects.filter(author=member).exists()
