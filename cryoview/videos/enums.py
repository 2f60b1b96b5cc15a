from django.db import models


class VideoStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class VideoStage(models.TextChoices):
    # The labels are what members read while they wait: plain words, no jargon.
    WAITING = "waiting", "Waiting for its turn"
    PROBE = "probe", "Checking your file"
    TRANSCODE = "transcode", "Making it play on every phone"
    CAPTIONS = "captions", "Writing captions"
    PUBLISH = "publish", "Finishing"
    DONE = "done", "Done"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    RETRYING = "retrying", "Waiting to retry"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_JOB_STATES = (JobState.QUEUED, JobState.RUNNING, JobState.RETRYING)
