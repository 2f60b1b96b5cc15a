"""What the comment forms send, read from the POST body; the service validates it and names the fields."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest, HttpResponse

from cryoview.core.formstamp import FIELD as STAMP_FIELD
from cryoview.core.formstamp import stamp_age
from cryoview.core.pagecache import COMMENTER_COOKIE, PENDING_COOKIE
from cryoview.core.parsing import BIGINT_MAX, parse_int_or_none

HONEYPOT_FIELD = "website"  # people never see it; bots fill in anything called "website"
REMEMBER_SALT = "cryoview.commenter"
REMEMBER_SECONDS = 365 * 24 * 3600
PENDING_SALT = "cryoview.pending-comments"
PENDING_SECONDS = 14 * 24 * 3600  # a held comment is decided within days; the note need not outlive that
PENDING_MAX = 20  # the newest ids only: the cookie stays small whatever a browser posts


@dataclass(frozen=True)
class CommentPost:
    text: str
    parent_id: int | None
    name: str
    email: str
    remember: bool
    notify_replies: bool
    honeypot: str
    seconds_on_form: float | None


def comment_post_of(request: HttpRequest) -> CommentPost:
    data = request.POST
    parent = data.get("parent", "")
    return CommentPost(
        text=data.get("text", ""),
        parent_id=parse_int_or_none(parent, max=BIGINT_MAX),
        name=data.get("name", ""),
        email=data.get("email", ""),
        remember=data.get("remember") == "on",
        notify_replies=data.get("notify_replies") == "on",
        honeypot=data.get(HONEYPOT_FIELD, ""),
        seconds_on_form=stamp_age(data.get(STAMP_FIELD, "")),
    )


def remembered_guest(request: HttpRequest) -> dict[str, str]:
    """The name and e-mail a guest asked this browser to remember (empty when none or tampered with)."""
    value = request.COOKIES.get(COMMENTER_COOKIE)
    if not value:
        return {}
    try:
        found = signing.loads(value, salt=REMEMBER_SALT, max_age=REMEMBER_SECONDS)
    except signing.BadSignature:
        return {}
    if not isinstance(found, dict):
        return {}
    return {"name": str(found.get("name", "")), "email": str(found.get("email", ""))}


def remember_guest(request: HttpRequest, response: HttpResponse, *, post: CommentPost) -> None:
    """Opt-in: keep the guest's name and e-mail in a signed cookie; opting out forgets them."""
    if post.remember:
        value = signing.dumps({"name": post.name.strip(), "email": post.email.strip()}, salt=REMEMBER_SALT)
        response.set_cookie(
            COMMENTER_COOKIE,
            value,
            max_age=REMEMBER_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    elif COMMENTER_COOKIE in request.COOKIES:
        response.delete_cookie(COMMENTER_COOKIE, samesite="Lax")


def pending_comment_ids(request: HttpRequest) -> frozenset[int]:
    """The comments this browser posted as a guest that may still wait for a moderator (signed, expiring)."""
    value = request.COOKIES.get(PENDING_COOKIE)
    if not value:
        return frozenset()
    try:
        found = signing.loads(value, salt=PENDING_SALT, max_age=PENDING_SECONDS)
    except signing.BadSignature:
        return frozenset()
    if not isinstance(found, list):
        return frozenset()
    return frozenset(item for item in found if isinstance(item, int) and not isinstance(item, bool))


def remember_pending(request: HttpRequest, response: HttpResponse, *, comment_id: int) -> None:
    """A guest's comment waits for a moderator: this browser (and only it) is shown it in the thread.

    Guests have no account, so the proof that they wrote it is a signed cookie listing its id. It is set for
    every comment not shown at once, spam included, so what the sender sees never tells spam from held."""
    ids = [i for i in sorted(pending_comment_ids(request)) if i != comment_id][-(PENDING_MAX - 1) :]
    value = signing.dumps([*ids, comment_id], salt=PENDING_SALT)
    response.set_cookie(
        PENDING_COOKIE, value, max_age=PENDING_SECONDS, httponly=True, samesite="Lax", secure=request.is_secure()
    )
