"""Deleting people in /admin/ is deleting their accounts: the real admin forms leave no file behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.journeys.privacy import account_delete
from cryoview.reviews.models import Review
from cryoview.reviews.tests.factories import person, published_review, ready_video
from cryoview.videos import storage
from cryoview.videos.enums import JobState
from cryoview.videos.housekeeping import missing_files, stray_files
from cryoview.videos.models import Upload, Video
from cryoview.videos.pipeline import video_process
from cryoview.videos.tests.test_pipeline import new_video
from cryoview.videos.uploads import private_path, upload_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_private_store")]


@pytest.fixture
def admin_client(client):
    client.force_login(person("root@example.org", Role.ADMIN))
    return client


def files_of(user: User) -> list[Path]:
    """Every file in the private store that belongs to the user's videos and uploads."""
    folders = [storage.video_dir(v.pk) for v in Video.objects.filter(owner=user)]
    parts = [private_path(u.storage_name) for u in Upload.objects.filter(owner=user)]
    return [p for f in folders for p in f.rglob("*") if p.is_file()] + [p for p in parts if p.exists()]


def unfinished_upload(user: User) -> Upload:
    upload = upload_create(user=user, length=1000, metadata="")
    private_path(upload.storage_name).write_bytes(b"x" * 400)
    Upload.objects.filter(pk=upload.pk).update(offset=400)
    return upload


def everything_left() -> list[Path]:
    root = storage.private_root()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_deleting_a_user_on_the_admin_page_removes_their_videos_and_uploads(admin_client, massage, clip):
    member = person("alice@example.org")
    video = new_video(member, clip)
    assert video_process(job_id=video.job.pk) == JobState.SUCCEEDED
    published_review(massage, member, video_id=str(video.pk))
    upload = unfinished_upload(member)
    files = files_of(member)
    assert len(files) >= 3, files  # renditions, poster, the partial upload

    url = f"/admin/accounts/user/{member.pk}/delete/"
    confirm = admin_client.get(url)
    assert confirm.status_code == 200 and "Are you sure you want to delete the user" in confirm.text
    assert "permission to delete" not in confirm.text
    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()
    assert not Video.objects.exists() and not Upload.objects.exists() and not Review.objects.exists()
    assert [f for f in files if f.exists()] == []
    assert not storage.video_dir(video.pk).exists() and not private_path(upload.storage_name).exists()
    assert everything_left() == [] and stray_files() == [] and missing_files() == []


def test_the_bulk_delete_action_removes_every_selected_users_files(admin_client, massage):
    people = [person(f"bulk{i}@example.org") for i in range(3)]
    for someone in people:
        published_review(massage, someone, video_id=str(ready_video(someone).pk))
        unfinished_upload(someone)
    bystander = person("bystander@example.org")
    kept = ready_video(bystander)
    kept_upload = unfinished_upload(bystander)
    chosen = [str(p.pk) for p in people]

    confirm = admin_client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": chosen, "index": 0}
    )
    assert confirm.status_code == 200 and "Are you sure" in confirm.text, confirm.text[-3000:]
    assert "permission to delete" not in confirm.text
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk__in=chosen).exists()
    left = sorted(everything_left())
    assert left and all(str(kept.pk) in str(p) or kept_upload.pk in p.name for p in left), left
    assert Video.objects.get() == kept and Upload.objects.get() == kept_upload
    assert stray_files() == [] and missing_files() == []


def test_a_rolled_back_deletion_keeps_the_files_of_the_rows_that_still_exist(massage):
    member = person("carol@example.org")
    video = ready_video(member)
    published_review(massage, member, video_id=str(video.pk))
    upload = unfinished_upload(member)
    files = files_of(member)
    member_id = member.pk

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        account_delete(user=member)
        raise Abort

    assert User.objects.filter(pk=member_id).exists() and Upload.objects.filter(pk=upload.pk).exists()
    assert files and all(f.exists() for f in files)
    assert missing_files() == []
