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


class TargetKind(models.TextChoices):
    REVIEW = "review", "Review"
    EDIT = "edit", "Edit of a published review"
    FOLLOWUP = "followup", "Follow-up"
    REPORTS = "reports", "Reported review"
    COMMENT = "comment", "Comment"
    COMMENT_REPORTS = "comment_reports", "Reported comment"
