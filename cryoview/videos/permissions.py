"""Who may do what with a video: pages, the media view, the API and services ask these, never decide inline.

Each predicate takes the user (None for a visitor) and the video and answers True or False; where a video must
not be known to exist, the edge answers 404 for a False.
"""

from __future__ import annotations

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_moderate, is_same_person
from cryoview.videos.models import Video


def is_video_owner(user: User | None, video: Video) -> bool:
    return is_same_person(user, video.owner_id)


def can_see_video(user: User | None, video: Video) -> bool:
    """A published video: everyone. Before (or after) publication: its owner and moderators only."""
    return video.is_published or is_video_owner(user, video) or can_moderate(user)


def can_change_video(user: User | None, video: Video) -> bool:
    """Correct its captions or delete it: its owner, or a moderator."""
    return is_video_owner(user, video) or can_moderate(user)


def can_see_file_name(user: User | None, video: Video) -> bool:
    """The uploaded file's name (often a person's name) is for its owner's eyes only."""
    return is_video_owner(user, video)
