from django.db import models


class ClinicStatus(models.TextChoices):
    """A clinic is listed once a moderator has added it or accepted a member's suggestion."""

    LISTED = "listed", "Listed"
    SUGGESTED = "suggested", "Suggested by a member, waiting for a moderator"
    DECLINED = "declined", "Suggestion declined"


class Profession(models.TextChoices):
    COSMETOLOGIST = "cosmetologist", "Cosmetologist"
    NURSE = "nurse", "Nurse"
    DERMATOLOGIST = "dermatologist", "Dermatologist"
    OTHER_PHYSICIAN = "other_physician", "Other physician"
    OTHER = "other", "Other"


class Verdict(models.TextChoices):
    """One decision on a document a moderator checks (credentials, a claim's proof, a proof of treatment)."""

    PENDING = "pending", "Waiting for a moderator"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class StaffStatus(models.TextChoices):
    PENDING = "pending", "Claim waiting for a moderator"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Claim rejected"
    REVOKED = "revoked", "Revoked"


class ReviewLabel(models.TextChoices):
    """Shown on every review, counted separately in aggregates."""

    VERIFIED = "verified", "Verified"
    INVITED = "invited", "Invited"
    NONE = "", "No label"


class ReplyStatus(models.TextChoices):
    HELD = "held", "Waiting for a moderator"
    APPROVED = "approved", "Published"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Waiting for a moderator or published: the one reply (or answer) of a review that counts.
REPLY_LIVE = (ReplyStatus.HELD, ReplyStatus.APPROVED)


class ClinicAction(models.TextChoices):
    """What the clinic log records: every action of clinic staff, and every moderator decision about a clinic."""

    CLAIM_SENT = "claim_sent", "Claim sent"
    CLAIM_APPROVED = "claim_approved", "Claim approved"
    CLAIM_REJECTED = "claim_rejected", "Claim rejected"
    STAFF_REVOKED = "staff_revoked", "Staff access revoked"
    CLINIC_EDITED = "clinic_edited", "Clinic details edited"
    PRACTITIONER_ADDED = "practitioner_added", "Practitioner added"
    PRACTITIONER_EDITED = "practitioner_edited", "Practitioner edited"
    CREDENTIALS_SENT = "credentials_sent", "Credentials sent for checking"
    CREDENTIALS_ACCEPTED = "credentials_accepted", "Credentials checked"
    CREDENTIALS_REJECTED = "credentials_rejected", "Credentials not accepted"
    CREDENTIALS_EXPIRED = "credentials_expired", "Credentials check expired"
    CREDENTIALS_CLEARED = "credentials_cleared", "Credentials check cleared by a change of licence details"
    INVITATIONS_SENT = "invitations_sent", "Invitations created"
    REPLY_POSTED = "reply_posted", "Reply posted"
    REPLY_EDITED = "reply_edited", "Reply edited"
    REPLY_WITHDRAWN = "reply_withdrawn", "Reply withdrawn"
    REPLY_APPROVED = "reply_approved", "Reply published by a moderator"
    REPLY_REJECTED = "reply_rejected", "Reply rejected by a moderator"
    REVIEW_REPORTED = "review_reported", "Review reported"
    INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
