from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from cryoview.accounts.authentication import authenticate_request
from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError, NotFoundError
from cryoview.core.validation import PlainStr
from cryoview.reviews.services import video_remove_for
from cryoview.videos.models import Video
from cryoview.videos.selectors import queue_info, video_get_for
from cryoview.videos.services import captions_update, video_create_from_upload

router = Router(tags=["videos"])


def require_user(request: HttpRequest) -> User:
    user = authenticate_request(request)
    if user is None:
        raise ApplicationError("Sign in, or send Authorization: Bearer <token>.", status=401, code="unauthenticated")
    return user


class VideoCreateIn(Schema):
    upload_id: PlainStr = Field(min_length=1, max_length=64)


class VideoCreatedOut(Schema):
    id: uuid.UUID
    status: str


class ErrorOut(Schema):
    code: str
    message: str


class RenditionOut(Schema):
    height: int
    width: int
    url: str
    bytes: int


class CaptionOut(Schema):
    lang: str
    url: str
    automatic: bool


class VideoOut(Schema):
    id: uuid.UUID
    status: str
    stage: str
    stage_label: str = Field(description="the stage in plain words, e.g. 'Making it play on every phone'")
    progress: float
    queue_position: int | None
    eta_seconds: int | None = Field(description="null while there is no measurement to base it on ('estimating…')")
    error: ErrorOut | None
    duration: float | None
    width: int | None
    height: int | None
    renditions: list[RenditionOut]
    poster: str | None
    captions: list[CaptionOut]
    page: str


def media_url(video: Video, name: str) -> str:
    return reverse("videos:media", args=[video.pk, name])


def video_out(video: Video) -> VideoOut:
    queue = queue_info(video=video)
    return VideoOut(
        id=video.pk,
        status=video.status,
        stage=video.stage,
        stage_label=video.get_stage_display(),
        progress=round(video.progress, 3),
        queue_position=queue.position,
        eta_seconds=queue.eta_seconds,
        error=ErrorOut(code=video.error_code, message=video.error_message) if video.error_code else None,
        duration=video.duration,
        width=video.width,
        height=video.height,
        renditions=[
            RenditionOut(height=r.height, width=r.width, bytes=r.bytes, url=media_url(video, r.filename))
            for r in video.renditions.all()
        ],
        poster=media_url(video, "poster.jpg") if video.poster_path else None,
        captions=[
            CaptionOut(lang=c.lang, automatic=c.automatic, url=media_url(video, c.filename))
            for c in video.captions.all()
        ],
        page=reverse("videos:player", args=[video.pk]),
    )


@router.post(
    "/videos",
    response={200: VideoCreatedOut, 201: VideoCreatedOut},
    summary="Turn a completed upload into a video (idempotent)",
)
def create_video(request: HttpRequest, payload: VideoCreateIn) -> Status[VideoCreatedOut]:
    user = require_user(request)
    video, created = video_create_from_upload(user=user, upload_id=payload.upload_id)
    return Status(201 if created else 200, VideoCreatedOut(id=video.pk, status=video.status))


@router.get("/videos/{video_id}", response=VideoOut, summary="A video's processing state and files")
def get_video(request: HttpRequest, video_id: str) -> VideoOut:
    video = video_get_for(video_id=video_id, user=authenticate_request(request))
    if video is None:
        raise NotFoundError("No such video.")
    return video_out(video)


@router.delete("/videos/{video_id}", response={204: None}, summary="Delete a video and every derivative")
def delete_video(request: HttpRequest, video_id: uuid.UUID) -> Status[None]:
    video_remove_for(user=require_user(request), video_id=video_id)
    return Status(204, None)


class CaptionsIn(Schema):
    vtt: str = Field(max_length=500_000)


@router.put("/videos/{video_id}/captions/{lang}", response=CaptionOut, summary="Edit captions before publishing")
def edit_captions(request: HttpRequest, video_id: str, lang: str, payload: CaptionsIn) -> CaptionOut:
    user = require_user(request)
    video = video_get_for(video_id=video_id, user=user)
    if video is None:
        raise NotFoundError("No such video.")
    caption = captions_update(video=video, lang=lang[:12], vtt=payload.vtt, by=user)
    return CaptionOut(lang=caption.lang, automatic=caption.automatic, url=media_url(video, caption.filename))
