from __future__ import annotations

from django.conf import settings
from django.db import models

from cryoview.procedures.models import Procedure
from cryoview.suitability.engine import HEADLINES, Verdict


class SavedCheck(models.Model):
    """A self-check the user chose to keep ("Save this check"). Nothing is stored otherwise."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_checks")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="saved_checks")
    answers = models.JSONField()
    verdict = models.CharField(max_length=16)
    result = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.procedure.slug}: {self.headline}"

    @property
    def headline(self) -> str:
        """The answer in words, as the check showed it (the stored verdict is a code for programs)."""
        return HEADLINES[Verdict(self.verdict)] if self.verdict in Verdict else "Unknown answer: run the check again"
