from django.db import models


class CommentStatus(models.TextChoices):
    HELD = "held", "Awaiting moderation"
    APPROVED = "approved", "Approved"
    SPAM = "spam", "Spam"
    DELETED = "deleted", "Deleted"


# The one table of a comment's status changes (services._set_status is the one door through which they pass):
# a held comment is approved, put in the spam folder or deleted; a shown one is hidden again (reports, or an
# edit the rules hold), put in the spam folder or deleted; a spam one is approved or deleted; a deleted one
# (a placeholder keeping its replies' place) stays deleted.
COMMENT_TRANSITIONS: dict[CommentStatus, frozenset[CommentStatus]] = {
    CommentStatus.HELD: frozenset({CommentStatus.APPROVED, CommentStatus.SPAM, CommentStatus.DELETED}),
    CommentStatus.APPROVED: frozenset({CommentStatus.HELD, CommentStatus.SPAM, CommentStatus.DELETED}),
    CommentStatus.SPAM: frozenset({CommentStatus.APPROVED, CommentStatus.DELETED}),
    CommentStatus.DELETED: frozenset(),
}
