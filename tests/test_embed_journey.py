"""Embedding a video review on another site, in Chromium: a page on a different origin pastes the oEmbed answer's
iframe; inside it the video shows its captions, starts at the moment in the shared address, and plays."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.test_accessibility import violations
from tests.test_browser import poll
from tests.test_video_journey import PHONE, holds_at_phone_width, two_renditions  # noqa: F401 - shared fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A throwaway static web server on another port (another origin): (its address, its folder)."""
    folder = tmp_path / "other-site"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


FRAME_VIDEO = "document.getElementById('player')"


def test_a_forum_embeds_the_review_and_it_plays_with_captions(
    page,
    live_server,
    guides,
    member,
    two_renditions,  # noqa: F811
    other_site,
    settings,
):
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import published_review

    # Addresses in the oEmbed answer are built from CRYOVIEW_SITE_URL: here, the live server.
    settings.CONFIG = type(settings.CONFIG)(**{**vars(settings.CONFIG), "site_url": live_server.url})
    massage = Procedure.objects.get(slug="facial-cryomassage")
    review = published_review(massage, member, video_id=two_renditions.pk, title="Cold, quick, <b>honest</b>")
    assert two_renditions.captions.exists(), "the pipeline wrote captions"

    shared = f"{live_server.url}/videos/{two_renditions.pk}/?t=1"
    answer = page.request.get(f"{live_server.url}/oembed", params={"url": shared, "maxwidth": "400"}).json()
    assert answer["type"] == "video" and answer["width"] <= 400
    base, folder = other_site
    (folder / "index.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A forum</title></head>'
        f"<body><h1>Someone shared a review</h1>{answer['html']}</body></html>"
    )
    page.goto(f"{base}/index.html")
    page.wait_for_selector("iframe")
    frame = page.frame_locator("iframe")
    frame.locator("#player").wait_for()
    inner = next(f for f in page.frames if f.url.startswith(live_server.url))
    assert inner.url == f"{live_server.url}/videos/{two_renditions.pk}/embed/?t=1"

    # Captions on without a click, their cues loaded from this site.
    poll(inner, f"{FRAME_VIDEO}.textTracks.length === 1 && {FRAME_VIDEO}.textTracks[0].mode === 'showing'")
    poll(inner, f"{FRAME_VIDEO}.textTracks[0].cues && {FRAME_VIDEO}.textTracks[0].cues.length > 0")
    # The moment in the shared address, then it plays.
    poll(inner, f"{FRAME_VIDEO}.readyState >= 1")
    poll(inner, f"{FRAME_VIDEO}.currentTime >= 0.9")
    inner.evaluate(f"{FRAME_VIDEO}.muted = true; {FRAME_VIDEO}.play()")
    start = inner.evaluate(f"{FRAME_VIDEO}.currentTime")
    poll(inner, f"!{FRAME_VIDEO}.paused && {FRAME_VIDEO}.currentTime > {start} + 0.5")

    watch = frame.get_by_role("link", name="Watch on Cryoview · Cold, quick, <b>honest</b>")
    assert watch.get_attribute("href") == f"{live_server.url}/reviews/{review.pk}/"
    assert watch.get_attribute("target") == "_blank" and watch.get_attribute("rel") == "noopener"
    guide = frame.get_by_role("link", name=f"Guide: {massage.name}")
    assert guide.get_attribute("href") == f"{live_server.url}/procedures/{massage.slug}/"

    # The same frame refused for any other page of the site.
    (folder / "player.html").write_text(
        f'<!doctype html><iframe src="{live_server.url}/videos/{two_renditions.pk}/" title="x"></iframe>'
    )
    page.goto(f"{base}/player.html")
    page.wait_for_timeout(1000)
    framed = [f for f in page.frames if f.url.startswith(live_server.url)]
    assert not framed or framed[0].evaluate("document.getElementById('player')") is None, "the video page framed"


def test_the_embed_alone_passes_axe_and_holds_at_phone_width(page, live_server, guides, member, two_renditions):  # noqa: F811
    from cryoview.procedures.models import Procedure
    from cryoview.reviews.tests.factories import published_review

    massage = Procedure.objects.get(slug="facial-cryomassage")
    published_review(massage, member, video_id=two_renditions.pk, title="Cold and quick")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/videos/{two_renditions.pk}/embed/")
    poll(page, f"{FRAME_VIDEO}.currentSrc.endsWith('/360.mp4')")
    assert page.get_by_role("button", name="720p").is_visible(), "the switch to the larger rendition"
    assert violations(page) == []
    holds_at_phone_width(page)
