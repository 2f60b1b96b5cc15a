"""Deleting an account (directly, or on the admin page) on object storage leaves no object behind: originals,
outputs and the public copies of published videos."""

from __future__ import annotations

import pytest

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.core.tests.objectstore import S3
from cryoview.journeys.privacy import account_delete
from cryoview.reviews.tests.factories import person, published_review
from cryoview.videos.models import Video
from cryoview.videos.tests.test_object_storage import ready_video, stored_video

pytestmark = pytest.mark.django_db(transaction=True)


def test_account_deletion_deletes_every_object(s3: S3, massage, speaking_media, clip):
    member, other = person("alice@example.org"), person("bob@example.org")
    video = ready_video(member, speaking_media)
    published_review(massage, member, video_id=str(video.pk))
    assert Video.objects.get(pk=video.pk).is_published and s3.keys(s3.public_bucket)
    stored_video(member, clip)  # queued: its original only
    theirs = stored_video(other, clip)
    account_delete(user=member)
    assert s3.all_keys() == {"private": [theirs.original_path], "public": []}


def test_deleting_a_user_on_the_admin_page_deletes_their_objects(s3: S3, client, speaking_media):
    member = person("carol@example.org")
    ready_video(member, speaking_media)
    assert s3.keys(s3.private_bucket)
    client.force_login(person("root@example.org", Role.ADMIN))
    response = client.post(f"/admin/accounts/user/{member.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not User.objects.filter(pk=member.pk).exists()
    assert s3.all_keys() == {"private": [], "public": []}
