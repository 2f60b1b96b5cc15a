from django.db import models


class RelatedKind(models.TextChoices):
    GUIDE = "guide", "Guide"
    REVIEW = "review", "Review"
