"""Deleting an account on object storage: its unfinished uploads' multipart uploads, parts and tail objects go
once the deletion commits, and stay with their rows when it rolls back."""

from __future__ import annotations

import io

import pytest
from django.db import transaction

from cryoview.accounts.models import User
from cryoview.journeys.privacy import account_delete
from cryoview.videos.models import Upload
from cryoview.videos.uploads import upload_append, upload_create

pytestmark = pytest.mark.django_db(transaction=True)
MiB = 1024 * 1024


def unfinished_upload(user) -> Upload:
    """10 of 12 MiB sent: one part stored, the rest in the tail object, the multipart upload open."""
    upload = upload_create(user=user, length=12 * MiB, metadata="")
    upload_append(upload=upload, offset=0, stream=io.BytesIO(b"x" * 10 * MiB), content_length=10 * MiB)
    return upload


def what_is_stored(s3) -> tuple[list[str], list[str]]:
    listed = s3.client.list_multipart_uploads(Bucket=s3.private_bucket, Prefix="uploads/")
    return s3.keys(s3.private_bucket), sorted(item["Key"] for item in listed.get("Uploads", []))


def test_deleting_an_account_aborts_its_uploads(s3, member, other_member):
    upload = unfinished_upload(member)
    kept = unfinished_upload(other_member)
    assert what_is_stored(s3) == (
        sorted([f"uploads/{upload.pk}.tail", f"uploads/{kept.pk}.tail"]),
        sorted([f"uploads/{upload.pk}.part", f"uploads/{kept.pk}.part"]),
    )
    member_id = member.pk
    with pytest.raises(RuntimeError), transaction.atomic():
        account_delete(user=member)
        raise RuntimeError("something after it failed")
    assert len(what_is_stored(s3)[1]) == 2, "a rollback keeps the upload's bytes with its row"
    account_delete(user=User.objects.get(pk=member_id))
    assert list(Upload.objects.all()) == [kept]
    assert what_is_stored(s3) == ([f"uploads/{kept.pk}.tail"], [f"uploads/{kept.pk}.part"])
