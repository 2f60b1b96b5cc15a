from django.db import models


class CommentStatus(models.TextChoices):
    HELD = "held", "Awaiting moderation"
    APPROVED = "approved", "Approved"
    SPAM = "spam", "Spam"
    DELETED = "deleted", "Deleted"
