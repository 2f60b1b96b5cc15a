from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from cryoview.videos.enums import JobState, VideoStage, VideoStatus


def new_upload_id() -> str:
    return secrets.token_hex(16)


class Upload(models.Model):
    """A resumable (tus 1.0) upload: the bytes live in the private store until they become a video."""

    id = models.CharField(primary_key=True, max_length=32, default=new_upload_id, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    filename = models.CharField(max_length=255, blank=True)
    filetype = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="when a request began turning it into a video (one at a time)"
    )
    # The lock against two interleaved PATCHes, held in the database so that it holds across web nodes: a
    # request takes the lease with a conditional UPDATE and renews it as it goes; a killed node's lease lapses.
    lease_token = models.CharField(max_length=32, blank=True, help_text="the PATCH request holding the lease")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="the lease lapses after this")
    # Object storage only: the S3 multipart upload and the parts stored so far, [[number, etag, bytes], ...].
    # Bytes past the parts (offset - their sum) wait in the tail object until there is a whole part.
    multipart_id = models.CharField(max_length=1024, blank=True, help_text="S3 UploadId of the multipart upload")
    parts = models.JSONField(default=list, blank=True, help_text="stored parts: [number, etag, bytes]")

    def __str__(self) -> str:
        return f"upload {self.id} ({self.offset}/{self.length})"

    @property
    def is_complete(self) -> bool:
        return self.offset == self.length

    @property
    def storage_name(self) -> str:
        return f"uploads/{self.id}.part"


class Video(models.Model):
    """A video through the pipeline: checked, stripped of metadata, transcoded, captioned."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos")
    upload_id = models.CharField(max_length=32, unique=True, help_text="the upload it came from (idempotency)")
    original_name = models.CharField(max_length=255, blank=True, help_text="shown to its owner only")
    public_title = models.CharField(
        max_length=200, blank=True, help_text="set by whoever publishes it (a review's title); never the file name"
    )
    original_path = models.CharField(max_length=300, blank=True, help_text="private store; deleted after success")
    status = models.CharField(max_length=12, choices=VideoStatus.choices, default=VideoStatus.QUEUED)
    stage = models.CharField(max_length=12, choices=VideoStage.choices, default=VideoStage.WAITING)
    progress = models.FloatField(default=0.0)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    poster_path = models.CharField(max_length=300, blank=True)
    output_dir = models.CharField(max_length=300, blank=True)
    is_published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"video {self.id} ({self.status})"

    @property
    def rendition_largest(self) -> Rendition | None:
        renditions = sorted(self.renditions.all(), key=lambda r: min(r.width, r.height))  # uses a prefetch
        return renditions[-1] if renditions else None

    @property
    def rendition_smallest(self) -> Rendition | None:
        """The one to start with for Save-Data visitors and phones."""
        renditions = sorted(self.renditions.all(), key=lambda r: min(r.width, r.height))
        return renditions[0] if renditions else None

    @property
    def title(self) -> str:
        """What everyone but the owner sees as the video's name."""
        return self.public_title or "Video review"

    # Pages ask the video, never compare status strings.
    @property
    def is_ready(self) -> bool:
        return self.status == VideoStatus.READY

    @property
    def is_failed(self) -> bool:
        return self.status == VideoStatus.FAILED


class Rendition(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="renditions")
    height = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    path = models.CharField(max_length=300)
    bytes = models.BigIntegerField()

    class Meta:
        ordering = ["video", "-height"]
        constraints = [models.UniqueConstraint(fields=["video", "height"], name="rendition_unique_height")]

    def __str__(self) -> str:
        return f"{self.video_id} {self.height}p"

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def quality(self) -> str:
        """What people call it: the short side, so a vertical phone video's 360x640 is "360p"."""
        return f"{min(self.width, self.height)}p"


class Caption(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="captions")
    lang = models.CharField(max_length=12)
    path = models.CharField(max_length=300)
    automatic = models.BooleanField(default=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "lang"], name="caption_unique_lang")]

    def __str__(self) -> str:
        return f"{self.video_id} {self.lang}"

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class Transcript(models.Model):
    """The timestamped transcript behind the captions (shown under the player, searchable later)."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="transcript")
    lang = models.CharField(max_length=12)
    segments = models.JSONField(default=list)
    model_name = models.CharField(max_length=200, blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="automatic flags, computed when written")

    def __str__(self) -> str:
        return f"transcript of {self.video_id}"


class VideoJob(models.Model):
    """The processing job's state, in our own table so the queue backend can change freely."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="job")
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=4)
    enqueued_at = models.DateTimeField(db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"job for {self.video_id}: {self.state} (attempt {self.attempts})"
