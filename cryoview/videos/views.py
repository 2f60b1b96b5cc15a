from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from cryoview.accounts.authentication import authenticate_request
from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError, ServiceUnavailable
from cryoview.core.ranges import ranged_file_response
from cryoview.procedures.selectors import SLUG, procedure_list_published
from cryoview.videos import storage
from cryoview.videos.models import Caption, Video
from cryoview.videos.permissions import can_change_video, can_see_file_name
from cryoview.videos.selectors import queue_info, video_get_embeddable, video_get_for, video_use, videos_of
from cryoview.videos.services import captions_update_cues
from cryoview.videos.transcripts import MAX_CUES, CueRow, parse_webvtt, vtt_timestamp

# Rendition heights, the poster, the transcript and captions per language: nothing else is ever served, and a
# name that does not match (NUL, "..", slashes, Unicode digits) never reaches the file system.
ARTEFACT_NAME = re.compile(r"[0-9]{1,5}\.mp4|poster\.jpg|transcript\.json|captions\.[A-Za-z0-9-]{1,12}\.vtt", re.ASCII)


def allowed_name(name: str) -> bool:
    return ARTEFACT_NAME.fullmatch(name) is not None


@require_safe
def media(request: HttpRequest, video_id: uuid.UUID, name: str) -> HttpResponseBase:
    """Every artefact goes through here: checked against the viewer, then streamed with Range support
    (or handed to nginx with X-Accel-Redirect), or on object storage redirected to the store, which serves
    Range itself. Unknown, unpublished or someone else's: 404, same for all."""
    user = authenticate_request(request)
    video = video_get_for(video_id=video_id, user=user)
    if video is None or not video.output_dir or not allowed_name(name):
        raise Http404("No such file.")
    if storage.private_store().is_remote:
        return _redirect_to_store(request, video, name)
    path = storage.absolute(f"{video.output_dir}/{name}")
    if not path.is_file():
        raise Http404("No such file.")
    content_type = storage.content_type(path.name)
    prefix = settings.CONFIG.media_accel_prefix
    response: HttpResponseBase
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix}{storage.relative(path)}"
    else:
        response = ranged_file_response(request, path, content_type)
    response["Cache-Control"] = "public, max-age=86400" if video.is_published else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return _without_body(response) if request.method == "HEAD" else response


def _redirect_to_store(request: HttpRequest, video: Video, name: str) -> HttpResponseBase:
    """Published: the public bucket's plain URL (cacheable by anyone). Otherwise a signed link to the private
    bucket that expires after CRYOVIEW_S3_URL_SECONDS, given only to a viewer this view has just checked."""
    public = storage.public_store()
    if video.is_published and public.is_remote:
        response = HttpResponseRedirect(public.url(f"{storage.video_prefix(video.pk)}/{name}"))
        response["Cache-Control"] = "public, max-age=300"
    else:
        private = storage.private_store()
        stored = f"{video.output_dir}/{name}"
        if not private.is_file(stored):
            raise Http404("No such file.")
        response = HttpResponseRedirect(private.url(stored))
        response["Cache-Control"] = "private, no-store"
    return response


def _without_body(response: HttpResponseBase) -> HttpResponse:
    """HEAD: the same status and headers as GET (length, type, ranges, caching), and no body."""
    head = HttpResponse(status=response.status_code)
    for name, value in response.items():
        head[name] = value
    # Close only the opened file: response.close() would also send request_finished (and close the database
    # connection) in the middle of this request. A ranged response opens its file lazily, when iterated.
    opened = getattr(response, "file_to_stream", None)
    if opened is not None:
        opened.close()
    return head


def player(request: HttpRequest, video_id: uuid.UUID) -> HttpResponse:
    """The player, named after the review it belongs to, with a link back to it; its owner can correct the
    captions here, one row per caption (start, end, words), never raw WebVTT."""
    user = authenticate_request(request)
    video = video_get_for(video_id=video_id, user=user)
    if video is None:
        raise Http404("No such video.")
    is_owner = can_see_file_name(user, video)
    caption = video.captions.first() if video.is_ready else None
    can_edit = caption is not None and user is not None and can_change_video(user, video)
    status = 200
    problems: list[str] = []
    rows: list[CueRow] = []
    if request.method == "POST" and can_edit:
        assert user is not None and caption is not None
        rows = _posted_rows(request)
        try:
            captions_update_cues(video=video, lang=caption.lang, rows=rows, by=user)
        except ServiceUnavailable:
            raise  # not the rows' fault: the 503 page with Retry-After (core.unavailable)
        except ApplicationError as error:
            problems = [f"{p.field.capitalize()}: {p.message}." for p in error.problems] or [error.message]
            status = 422
        else:
            messages.success(request, "Captions saved. They replace the automatic ones.")
            return redirect("videos:player", video_id=video.pk)
    if can_edit and caption is not None and not rows:
        rows = _rows_of(caption)
    use = video_use(video=video, user=user)
    context = {
        "video": video,
        "queue": queue_info(video=video),
        "is_owner": is_owner,
        "use": use,
        # The uploaded file's name (often a person's name) is for its owner's eyes only, never the heading.
        "heading": use.title if use else video.title,
        "caption": caption if can_edit else None,
        # What was typed (blank rows dropped), then one blank row to add a caption without JavaScript.
        "cue_rows": [*(r for r in rows if not r.is_blank), CueRow("", "", "")] if can_edit else [],
        "caption_problems": problems,
        # Not in a review yet: the owner can write one now, even while the video is still processing.
        "review_guides": procedure_list_published() if is_owner and use is None and not video.is_failed else [],
    }
    response = render(request, "videos/player.html", context, status=status)
    patch_vary_headers(response, ["Save-Data"])  # the first rendition depends on it
    return response


# The one page other sites may frame: the site's policy, with any page as a frame ancestor.
EMBED_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


@require_safe
@xframe_options_exempt
@csp_override(EMBED_CSP)
def embed(request: HttpRequest, video_id: uuid.UUID) -> HttpResponse:
    """The player alone, for other sites' iframes: the smallest rendition first (a frame is rarely large, and
    player.js offers the larger), captions on, links back to the review and its guide. It is the same page for
    everyone, so it reads no session and sets no cookie; anything a visitor may not watch is a 404."""
    found = video_get_embeddable(video_id=video_id)
    if found is None:
        raise Http404("No such video.")
    video, use = found
    return render(request, "videos/embed.html", {"video": video, "use": use, "site_url": settings.CONFIG.site_url})


def _posted_rows(request: HttpRequest) -> list[CueRow]:
    starts, ends, texts = (request.POST.getlist(name) for name in ("cue-start", "cue-end", "cue-text"))
    count = max(len(starts), len(ends), len(texts))

    def at(values: list[str], index: int) -> str:
        return values[index] if index < len(values) else ""

    return [CueRow(at(starts, i), at(ends, i), at(texts, i)) for i in range(min(count, MAX_CUES + 1))]


def _rows_of(caption: Caption) -> list[CueRow]:
    try:
        segments = parse_webvtt(storage.private_store().read_text(caption.path))
    except (OSError, ValueError):
        return []
    return [CueRow(vtt_timestamp(s.start), vtt_timestamp(s.end), s.text) for s in segments]


@login_required
def upload_page(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    # Coming from a review form: offer to go back to it with the new video (the URL is built, not echoed).
    slug = request.GET.get("procedure", "")
    review_url = ""
    if SLUG.fullmatch(slug):
        review_url = reverse("reviews:create", kwargs={"slug": slug})
    return render(
        request,
        "videos/upload.html",
        {
            "videos": videos_of(user=request.user)[:20],
            "max_bytes": settings.CONFIG.upload_max_bytes,
            "max_minutes": settings.CONFIG.video_max_seconds // 60,
            "review_url": review_url,
        },
    )
