from django.db import models


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Awaiting moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Not published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WorthIt(models.TextChoices):
    WORTH_IT = "worth_it", "Worth it"
    NOT_SURE = "not_sure", "Not sure"
    NOT_WORTH_IT = "not_worth_it", "Not worth it"


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", "Awaiting moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Not published"


class ReviewSort(models.TextChoices):
    NEWEST = "newest", "Newest"
    HIGHEST = "highest", "Highest rated"
    LOWEST = "lowest", "Lowest rated"


# Side effects outside the guide's own list.
SIDE_EFFECT_NONE = "none"
SIDE_EFFECT_OTHER = "other"

# Stored with each review: what the author agreed to, word for word (it may change later).
CONSENT_TEXT = (
    "I agree that Cryoview publishes this review, and the video if I attach one, for anyone to see, "
    "after a moderator has checked it. It describes my own experience. I understand that it is not medical "
    "advice, that I can withdraw it at any time (the video and its copies are then deleted), and that people "
    "in the video have agreed to appear in it."
)
