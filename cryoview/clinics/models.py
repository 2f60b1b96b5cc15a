"""Clinics, the practitioners who work there, the checks moderators make, and what clinics may do about reviews.

The clinics floor sits above reviews and moderation (DESIGN rule 3), so a review never points at its clinic: the
clinic's side of a review (its clinic, practitioner and label) lives here, in `ReviewAttribution`. Documents
(credentials, a claim's proof, a proof of treatment) are kept in private storage only until a moderator decides;
then the file goes and its SHA-256, the checker, the date and the verdict stay.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from cryoview.clinics.enums import (
    REPLY_LIVE,
    ClinicAction,
    ClinicStatus,
    Profession,
    ReplyStatus,
    ReviewLabel,
    StaffStatus,
    Verdict,
)
from cryoview.moderation.models import Report
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review

DOCUMENT_PREFIX = "clinics/documents"  # in the private store; housekeeping counts them as documents, not orphans


class Clinic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    city = models.CharField(max_length=80)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. DE")
    address = models.CharField(max_length=200, blank=True)
    website = models.URLField(max_length=300, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    procedures = models.ManyToManyField(Procedure, blank=True, related_name="clinics")
    status = models.CharField(max_length=10, choices=ClinicStatus.choices, default=ClinicStatus.LISTED)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "city"]
        indexes = [models.Index(fields=["status", "city"])]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"

    def get_absolute_url(self) -> str:
        return reverse("clinics:detail", args=[self.slug])


class Practitioner(models.Model):
    name = models.CharField(max_length=120)
    profession = models.CharField(max_length=16, choices=Profession.choices)
    licence_number = models.CharField(max_length=60, blank=True)
    issuing_body = models.CharField(max_length=160, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="where the licence was issued, ISO 3166-1 alpha-2")
    licence_expires_on = models.DateField(null=True, blank=True)
    clinics = models.ManyToManyField(Clinic, blank=True, related_name="practitioners")
    # The badge: "credentials checked on <date>". Cleared by the daily expiry task and by any change of the
    # licence fields above; never a grade of quality.
    credentials_checked_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clinics:practitioner", args=[self.pk])


class CredentialCheck(models.Model):
    """A licence or certificate sent for checking; the licence fields as they were when it was sent."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="credential_checks")
    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    licence_number = models.CharField(max_length=60)
    issuing_body = models.CharField(max_length=160)
    country = models.CharField(max_length=2)
    licence_expires_on = models.DateField(null=True, blank=True)
    document_name = models.CharField(max_length=200, blank=True, help_text="private store key; empty once decided")
    document_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=120, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner"], condition=Q(status=Verdict.PENDING), name="one_pending_check_per_practitioner"
            )
        ]

    def __str__(self) -> str:
        return f"credentials of practitioner {self.practitioner_id}: {self.status}"


class ClinicStaff(models.Model):
    """A member's claim to act for a clinic, with its proof; approved, it makes them that clinic's staff."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_roles")
    status = models.CharField(max_length=10, choices=StaffStatus.choices, default=StaffStatus.PENDING)
    job_title = models.CharField(max_length=120, blank=True)
    message = models.TextField(blank=True)
    proof_name = models.CharField(max_length=200, blank=True, help_text="private store key; empty once decided")
    proof_sha256 = models.CharField(max_length=64)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=120, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user"],
                condition=Q(status__in=[StaffStatus.PENDING, StaffStatus.APPROVED]),
                name="one_open_claim_per_person_and_clinic",
            )
        ]

    def __str__(self) -> str:
        return f"claim of {self.clinic_id} by {self.user_id}: {self.status}"


class ClinicLogEntry(models.Model):
    """The clinic log: every action of clinic staff and every moderator decision about a clinic. Append-only."""

    clinic = models.ForeignKey(Clinic, null=True, on_delete=models.SET_NULL, related_name="log")
    clinic_name = models.CharField(max_length=120)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=120)
    action = models.CharField(max_length=24, choices=ClinicAction.choices)
    target_kind = models.CharField(max_length=16, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="hashes, verdicts, counts; never a document")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.clinic_name}: {self.action}"


class Invitation(models.Model):
    """A single-use link a clinic sends to a patient; its text is fixed and neutral. Only a digest is kept."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    procedure = models.ForeignKey(Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    batch = models.UUIDField(db_index=True)
    token_digest = models.CharField(max_length=64, unique=True)
    email_digest = models.CharField(max_length=64, blank=True, help_text="to refuse a second invitation, not to mail")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invitation {self.pk} from clinic {self.clinic_id}"


class ReviewAttribution(models.Model):
    """The clinic's side of one review: where and by whom it was done, and its label."""

    review = models.OneToOneField(Review, primary_key=True, on_delete=models.CASCADE, related_name="attribution")
    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="attributions")
    practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="attributions"
    )
    label = models.CharField(max_length=10, choices=ReviewLabel.choices, default=ReviewLabel.NONE, blank=True)
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="attribution"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["clinic", "label"])]

    def __str__(self) -> str:
        return f"review {self.review_id} at clinic {self.clinic_id}"


class TreatmentProof(models.Model):
    """A receipt or appointment letter sent to make a review Verified: health data, so only a hash stays."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="treatment_proofs")
    document_name = models.CharField(max_length=200, blank=True, help_text="private store key; empty once decided")
    document_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=120, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["review"], condition=Q(status=Verdict.PENDING), name="one_pending_proof")
        ]

    def __str__(self) -> str:
        return f"proof of treatment for review {self.review_id}: {self.status}"


class Reply(models.Model):
    """A clinic's one public reply to a review of it (moderated like comments), or the reviewer's one answer."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="clinic_replies")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_reviewer = models.BooleanField(default=False, help_text="the reviewer's answer to the clinic's reply")
    body = models.TextField()
    status = models.CharField(max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.HELD)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=120, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="the moderator's reason, shown to the author on a rejection")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "by_reviewer"],
                condition=~Q(status__in=[ReplyStatus.REJECTED, ReplyStatus.WITHDRAWN]),
                name="one_reply_and_one_answer_per_review",
            )
        ]

    def __str__(self) -> str:
        return f"reply to review {self.review_id}: {self.status}"

    @property
    def is_rejected(self) -> bool:
        return self.status == ReplyStatus.REJECTED

    @property
    def is_live(self) -> bool:
        """Waiting for a moderator or published: the one reply (or answer) that counts."""
        return self.status in REPLY_LIVE


class ClinicReport(models.Model):
    """A report a clinic's staff made about a review of that clinic: counted on the clinic's page."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="reports_made")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="by_clinic")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"clinic {self.clinic_id} reported review {self.review_id}"
