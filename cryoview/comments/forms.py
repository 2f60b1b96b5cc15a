"""What the comment forms send, read from the POST body; the service validates it and names the fields."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest, HttpResponse

from cryoview.core.formstamp import FIELD as STAMP_FIELD
from cryoview.core.formstamp import stamp_age
from cryoview.core.pagecache import COMMENTER_COOKIE
from cryoview.core.parsing import BIGINT_MAX, parse_int_or_none

HONEYPOT_FIELD = "website"  # people never see it; bots fill in anything called "website"
REMEMBER_SALT = "cryoview.commenter"
REMEMBER_SECONDS = 365 * 24 * 3600


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
