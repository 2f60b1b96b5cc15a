from django.db import models


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Awaiting moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Not published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReviewState(models.TextChoices):
    """Where a review is in its life, as a person sees it: the five stored statuses, and the two conditions of
    a published review that are derived from its fields (`Review.state`; why, in cryoview/reviews/services.py)."""

    DRAFT = "draft", "Draft"
    PENDING = "pending", "Awaiting moderation"
    PENDING_EDIT = "pending_edit", "Published, an edit awaiting moderation"
    PUBLISHED = "published", "Published"
    HIDDEN = "hidden", "Hidden after reports, until a moderator decides"
    REJECTED = "rejected", "Not published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Actor(models.TextChoices):
    """Who may make a transition: the review's author, a moderator, or the reports (no person: enough
    established members' reports hide a review by themselves)."""

    AUTHOR = "author", "its author"
    MODERATOR = "moderator", "a moderator"
    REPORTS = "reports", "the reports"


# The one table of allowed transitions (from → to: who may make it); review_set_state refuses every other pair.
# An edit of a published review replaces an edit that still waits (PENDING_EDIT → PENDING_EDIT). A hidden review
# cannot be edited (a moderator decides on the reports first); an edit that was waiting when it was hidden waits
# on, and is decided with the reports. A withdrawn review is final: its text and video are gone.
REVIEW_TRANSITIONS: dict[ReviewState, dict[ReviewState, Actor]] = {
    ReviewState.DRAFT: {ReviewState.PENDING: Actor.AUTHOR, ReviewState.WITHDRAWN: Actor.AUTHOR},
    ReviewState.PENDING: {
        ReviewState.PUBLISHED: Actor.MODERATOR,
        ReviewState.REJECTED: Actor.MODERATOR,
        ReviewState.WITHDRAWN: Actor.AUTHOR,
    },
    ReviewState.PUBLISHED: {
        ReviewState.PENDING_EDIT: Actor.AUTHOR,
        ReviewState.HIDDEN: Actor.REPORTS,
        ReviewState.REJECTED: Actor.MODERATOR,
        ReviewState.WITHDRAWN: Actor.AUTHOR,
    },
    ReviewState.PENDING_EDIT: {
        ReviewState.PENDING_EDIT: Actor.AUTHOR,
        ReviewState.PUBLISHED: Actor.MODERATOR,
        ReviewState.HIDDEN: Actor.REPORTS,
        ReviewState.REJECTED: Actor.MODERATOR,
        ReviewState.WITHDRAWN: Actor.AUTHOR,
    },
    ReviewState.HIDDEN: {
        ReviewState.PUBLISHED: Actor.MODERATOR,
        ReviewState.REJECTED: Actor.MODERATOR,
        ReviewState.WITHDRAWN: Actor.AUTHOR,
    },
    ReviewState.REJECTED: {ReviewState.PENDING: Actor.AUTHOR, ReviewState.WITHDRAWN: Actor.AUTHOR},
    ReviewState.WITHDRAWN: {},
}


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
