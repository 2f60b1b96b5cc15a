"""The index: one row per public piece of text (a guide, a review, a comment, one cue of a transcript).

Only what everyone may see is ever written here (search.selectors builds the rows from the apps' visible items),
never an e-mail address, an IP hash or an author's account. Each row points at the item it came from with a
cascading key, so deleting the item (or its account, or its video) deletes its rows in the same transaction.
The engine's own index lives beside the table and is kept by the database: on PostgreSQL a weighted `vector`
column filled by a trigger, with a GIN index; on SQLite an FTS5 table of stemmed text (migration 0002).
"""

from __future__ import annotations

from django.db import models

from cryoview.comments.models import Comment
from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review
from cryoview.search.enums import DocumentKind, Language
from cryoview.videos.models import Video


class SearchDocument(models.Model):
    key = models.CharField(max_length=80, unique=True, help_text="kind:id, or transcript:video:cue")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    start = models.FloatField(null=True, blank=True, help_text="a transcript cue's start, in seconds")
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.ENGLISH)
    title = models.CharField(max_length=300, help_text="weight A")
    summary = models.TextField(blank=True, help_text="weight B: a guide's summary, claims and conditions")
    body = models.TextField(blank=True, help_text="weight C: what people wrote")
    transcript = models.TextField(blank=True, help_text="weight D: what was said in a video")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    has_video = models.BooleanField(default=False)
    published_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="search_newest"),
            models.Index(fields=["kind", "procedure"], name="search_facets"),
        ]

    def __str__(self) -> str:
        return self.key


class SearchTerm(models.Model):
    """Words seen in indexed text: the vocabulary that "did you mean" picks from (never shown unless a
    suggestion built from them finds something public)."""

    word = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.word
