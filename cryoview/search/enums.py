from django.db import models


class DocumentKind(models.TextChoices):
    GUIDE = "guide", "Guide"
    REVIEW = "review", "Review"
    TRANSCRIPT = "transcript", "Said in a video"
    COMMENT = "comment", "Comment"


class Language(models.TextChoices):
    """PostgreSQL text-search configurations (the value is the configuration's name)."""

    ENGLISH = "english", "English"
    RUSSIAN = "russian", "Russian"


class SearchSort(models.TextChoices):
    RELEVANCE = "relevance", "Best match"
    NEWEST = "newest", "Newest"
