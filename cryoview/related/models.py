"""Computed "It is also interesting to read" lists: written by services.related_refresh, never by hand."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from cryoview.procedures.models import Procedure
from cryoview.reviews.models import Review


def _exactly_one(first: str, second: str) -> Q:
    return Q(**{f"{first}__isnull": False, f"{second}__isnull": True}) | Q(
        **{f"{first}__isnull": True, f"{second}__isnull": False}
    )


class RelatedLink(models.Model):
    """One entry of an item's list: from a guide or a review to a guide or a review, ranked by similarity.

    Links are stored as computed; whether the target may still be shown (published guide, visible review)
    is checked again when the list is read, so a review hidden later never shows in the meantime.
    """

    source_procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="related_links"
    )
    source_review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="related_links"
    )
    target_procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="related_from"
    )
    target_review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="related_from"
    )
    rank = models.PositiveSmallIntegerField(help_text="1 is the most similar")
    score = models.FloatField(help_text="cosine similarity of the TF-IDF vectors, 0 to 1")

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("source_procedure", "source_review"), name="related_one_source"
            ),
            models.CheckConstraint(
                condition=_exactly_one("target_procedure", "target_review"), name="related_one_target"
            ),
            models.CheckConstraint(
                condition=~Q(source_procedure=F("target_procedure")) & ~Q(source_review=F("target_review")),
                name="related_never_self",
            ),
            models.UniqueConstraint(
                fields=["source_procedure", "rank"],
                condition=Q(source_procedure__isnull=False),
                name="related_guide_rank_unique",
            ),
            models.UniqueConstraint(
                fields=["source_review", "rank"],
                condition=Q(source_review__isnull=False),
                name="related_review_rank_unique",
            ),
        ]

    def __str__(self) -> str:
        source = f"guide {self.source_procedure_id}" if self.source_procedure_id else f"review {self.source_review_id}"
        target = f"guide {self.target_procedure_id}" if self.target_procedure_id else f"review {self.target_review_id}"
        return f"{source} → {target} (#{self.rank})"


class RelatedList(models.Model):
    """An item's list was computed (possibly empty), and when: maintenance computes the items without one,
    and guides edited after theirs was computed."""

    procedure = models.OneToOneField(
        Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="related_list"
    )
    review = models.OneToOneField(Review, null=True, blank=True, on_delete=models.CASCADE, related_name="related_list")
    computed_at = models.DateTimeField()
    links = models.PositiveSmallIntegerField(default=0, help_text="how many links were stored")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_exactly_one("procedure", "review"), name="related_list_one_item"),
        ]

    def __str__(self) -> str:
        item = f"guide {self.procedure_id}" if self.procedure_id else f"review {self.review_id}"
        return f"related list of {item}"
