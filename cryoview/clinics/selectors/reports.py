"""What a clinic's reports came to: how many of its reviews it reported and what moderators decided, counted from
the reports themselves (Report.resolution), for the clinic's page and the API. One query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from cryoview.clinics.models import Clinic, ClinicReport
from cryoview.moderation.enums import ReportOutcome


@dataclass(frozen=True)
class ClinicReportCounts:
    """`reviews`: distinct reviews the clinic reported (several staff reporting one review is one review), and
    `reports` the reports themselves. Each outcome counts distinct reviews with a report of that outcome: removed
    (taken down), kept, dismissed (the report set aside), waiting (no decision yet)."""

    reviews: int
    reports: int
    removed: int
    kept: int
    dismissed: int
    waiting: int

    @property
    def any(self) -> bool:
        return self.reports > 0

    def outcomes(self) -> list[tuple[str, int]]:
        """(words, count) of each outcome that happened, for the page's sentence."""
        rows = [
            ("removed", self.removed),
            ("kept", self.kept),
            ("report dismissed", self.dismissed),
            ("waiting for a moderator", self.waiting),
        ]
        return [(words, n) for words, n in rows if n]


def clinic_report_counts(*, clinic: Clinic) -> ClinicReportCounts:
    totals = ClinicReport.objects.filter(clinic=clinic).aggregate(
        reviews=Count("review", distinct=True),
        reports=Count("id"),
        removed=Count("review", distinct=True, filter=Q(report__resolution=ReportOutcome.TAKEN_DOWN)),
        kept=Count("review", distinct=True, filter=Q(report__resolution=ReportOutcome.KEPT)),
        dismissed=Count("review", distinct=True, filter=Q(report__resolution=ReportOutcome.DISMISSED)),
        waiting=Count("review", distinct=True, filter=Q(report__resolved_at__isnull=True)),
    )
    return ClinicReportCounts(**{name: int(value) for name, value in totals.items()})
