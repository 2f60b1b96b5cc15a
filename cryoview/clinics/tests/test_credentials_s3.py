"""Documents on object storage (a real S3 protocol server): stored in the private bucket, served to moderators as
a short-lived signed redirect, deleted after the decision, swept when their row never came, not the audit's."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cryoview.clinics.documents import document_store, documents_sweep
from cryoview.clinics.models import Clinic
from cryoview.clinics.services.credentials import LicenceFields, credential_check_decide, credential_check_send
from cryoview.clinics.tests.documents import png, upload
from cryoview.clinics.tests.factories import make_practitioner
from cryoview.core.tests.objectstore import S3

pytestmark = pytest.mark.django_db


def test_a_document_lives_in_the_private_bucket_until_decided(
    s3: S3, client, clinic_staff, moderator, django_capture_on_commit_callbacks
):
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    practitioner = make_practitioner(clinic)
    licence = LicenceFields("DE-1", "Ärztekammer Berlin", "DE", timezone.localdate() + timedelta(days=30))
    check = credential_check_send(
        clinic=clinic, practitioner=practitioner, by=clinic_staff, licence=licence, document=upload(png(), "x.pdf")
    )
    assert s3.keys(s3.private_bucket) == [check.document_name] and s3.keys(s3.public_bucket) == []
    assert check.document_name.endswith(".png")
    client.force_login(moderator)
    response = client.get(reverse("clinics:check_document", args=[check.pk]))
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    signed = urlparse(response["Location"])
    assert s3.private_bucket in response["Location"] and "Signature" in signed.query and "Expires" in signed.query
    call_command("media_audit", stdout=io.StringIO())  # raises when it finds anything: documents are not orphans
    with django_capture_on_commit_callbacks(execute=True):
        credential_check_decide(check=check, by=moderator, accept=True)
    assert s3.keys(s3.private_bucket) == []


def test_the_sweep_deletes_a_document_whose_row_never_came(s3: S3):
    name = document_store(upload=upload(), field="document", folder="claims").name
    assert documents_sweep(grace=timedelta(hours=1)) == 0  # young: a row may still come
    assert documents_sweep(grace=timedelta(seconds=-1)) == 1
    assert name not in s3.keys(s3.private_bucket)
