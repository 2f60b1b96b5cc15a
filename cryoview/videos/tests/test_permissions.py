"""Who may see, change and name a video: its owner, moderators, and (once published) everyone."""

from __future__ import annotations

import pytest

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.videos.models import Video
from cryoview.videos.permissions import can_change_video, can_see_file_name, can_see_video, is_video_owner

OWNER = User(pk=1, email="owner@example.org", role=Role.MEMBER)
OTHER = User(pk=2, email="other@example.org", role=Role.MEMBER)
MODERATOR = User(pk=3, email="moderator@example.org", role=Role.MODERATOR)
PEOPLE = {"owner": OWNER, "other": OTHER, "moderator": MODERATOR, "visitor": None}


@pytest.mark.parametrize(
    ("published", "who_sees"),
    [(False, {"owner", "moderator"}), (True, {"owner", "other", "moderator", "visitor"})],
)
def test_who_sees_a_video(published, who_sees):
    video = Video(owner_id=OWNER.pk, is_published=published)
    assert {name for name, user in PEOPLE.items() if can_see_video(user, video)} == who_sees


@pytest.mark.parametrize("published", [False, True])
def test_who_changes_a_video_and_who_reads_its_file_name(published):
    video = Video(owner_id=OWNER.pk, is_published=published)
    assert {name for name, user in PEOPLE.items() if can_change_video(user, video)} == {"owner", "moderator"}
    assert {name for name, user in PEOPLE.items() if can_see_file_name(user, video)} == {"owner"}
    assert {name for name, user in PEOPLE.items() if is_video_owner(user, video)} == {"owner"}
