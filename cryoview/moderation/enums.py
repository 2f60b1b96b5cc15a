from django.db import models


class ReportReason(models.TextChoices):
    THIS_IS_ME = "this_is_me", "This is me — remove it"
    FAKE_OR_PAID = "fake_or_paid", "Fake or paid"
    DANGEROUS_ADVICE = "dangerous_advice", "Dangerous advice"
    PRIVATE_INFORMATION = "private_information", "Private information"
    OTHER = "other", "Other"


class ReportPart(models.TextChoices):
    REVIEW = "review", "The review's text"
    VIDEO = "video", "The video"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    SPAM = "spam", "Mark as spam"
    DELETE = "delete", "Delete"
    DISMISS = "dismiss", "Dismiss the reports"


class ReportOutcome(models.TextChoices):
    """What became of a report: the item stayed, the item was taken down, or the report was set aside."""

    KEPT = "kept", "Kept: the item stays"
    TAKEN_DOWN = "taken_down", "Taken down"
    DISMISSED = "dismissed", "Report dismissed"


class ReporterTrust(models.TextChoices):
    """Whether a report may count towards hiding an item before a moderator decides (fixed when it is sent)."""

    TRUSTED = "trusted", "Established member"
    VISITOR = "visitor", "Visitor (no account)"
    UNVERIFIED = "unverified", "Member without a verified e-mail address"
    NEW_ACCOUNT = "new_account", "New account"
    REPEAT = "repeat", "Reported this item before"
    AUTHOR = "author", "The author"
    INTERESTED = "interested", "Clinic of this review"


class TargetKind(models.TextChoices):
    REVIEW = "review", "Review"
    EDIT = "edit", "Edit of a published review"
    FOLLOWUP = "followup", "Follow-up"
    REPORTS = "reports", "Reported review"
    COMMENT = "comment", "Comment"
    COMMENT_REPORTS = "comment_reports", "Reported comment"
