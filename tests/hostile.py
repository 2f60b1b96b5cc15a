"""What the fuzzers send: a hostile alphabet (values Python's parsers half-accept), and a small world of real
rows (guides, a published review with a video and captions, comments, tokens) so requests reach real code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

# Each of these once reached a parser that raised something other than a clean 4xx.
HOSTILE_TEXT: list[str] = [
    "²",
    "٣",
    "\uff15",
    "١٢",
    "1²",
    "\ud800",
    "a\udfffb",
    "\x00",
    "a\x00b",
    "%00",
    "",
    " ",
    " 7 ",
    "1_0",
    "+1",
    "-1",
    "0",
    str(10**30),
    "9" * 20,
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "2024-02-30",
    "0000-01",
    "0000-01-01",
    "99999999999999999999-01",
    "2024-13",
    "00:1e308",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "true",
    "null",
    "A" * 3000,
    "eyJhIjoxfQ",  # base64 of {"a":1}: a cursor that decodes to the wrong shape
    "WyIyMDI0LTAyLTMwVDAwOjAwOjAwKzAwOjAwIiwxXQ",  # ["2024-02-30T00:00:00+00:00",1]
    "W3RydWUsIjIwMjQtMDItMzBUMDA6MDA6MDArMDA6MDAiLDFd",  # [true,"2024-02-30T00:00:00+00:00",1]
    "W3RydWUsIjIwMjQtMDEtMDFUMDA6MDA6MDArMDA6MDAiLDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMF0",  # id 10**30
]
HOSTILE_JSON: list[Any] = [
    *HOSTILE_TEXT,
    10**30,
    -(10**30),
    2**63,
    -(2**63) - 1,
    1e308,
    -1.5,
    -1,
    0,
    True,
    False,
    None,
    [],
    {},
    ["\ud800"],
    {"a": "\x00"},
]

hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12))
hostile_json = st.one_of(st.sampled_from(HOSTILE_JSON), st.text(max_size=12), st.integers(), st.floats())


def quoted(value: str) -> str:
    """Percent-encoded as a client would send it; lone surrogates as their (invalid) UTF-8 bytes."""
    return quote(value, safe="", errors="surrogatepass")


def query_string(params: dict[str, str]) -> str:
    return "&".join(f"{quoted(name)}={quoted(value)}" for name, value in params.items())


@dataclass
class World:
    slugs: list[str]
    review_ids: list[int]
    comment_ids: list[int]
    video_ids: list[str]
    tokens: dict[str, str] = field(default_factory=dict)  # persona -> Bearer secret


def world_build(*, member: Any, other_member: Any, moderator: Any) -> World:
    """Rows of every kind the pages and the API address by id: some the member owns, some not."""
    from cryoview.accounts.services import token_issue
    from cryoview.comments.selectors import Target
    from cryoview.comments.tests.factories import approved
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import pending_review, published_review, ready_video
    from cryoview.videos import storage
    from cryoview.videos.models import Caption

    massage = Procedure.objects.get(slug="facial-cryomassage")
    warts = Procedure.objects.get(slug="cryodestruction-of-benign-growths")
    video = ready_video(other_member)
    own_video = ready_video(member)
    for each in (video, own_video):
        captions = storage.absolute(f"{each.output_dir}/captions.en.vtt")
        captions.write_text("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nCold.\n", encoding="utf-8")
        Caption.objects.create(video=each, lang="en", path=storage.relative(captions))
    theirs = published_review(massage, other_member, video_id=video.pk)
    mine = published_review(massage, member)
    waiting = pending_review(warts, other_member)
    comment = approved(Target(procedure=massage), other_member, "Was it cold?")
    reply = approved(Target(review=theirs), member, "It was.")
    return World(
        slugs=list(Procedure.objects.values_list("slug", flat=True)),
        review_ids=[theirs.pk, mine.pk, waiting.pk],  # someone else's, the member's, one awaiting moderation
        comment_ids=[comment.pk, reply.pk],  # someone else's, the member's
        video_ids=[str(video.pk), str(own_video.pk)],  # someone else's, the member's
        tokens={
            "member": token_issue(user=member, name="fuzz").secret,
            "moderator": token_issue(user=moderator, name="fuzz").secret,
        },
    )
