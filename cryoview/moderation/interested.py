"""Interested parties: who has a stake in a review (its clinic's staff, say), told to moderation by a higher floor.

Moderation sits below clinics (DESIGN rule 3) and cannot ask whether a reporter acts for the clinic a review
names. An app above registers one `InterestedParty` in its AppConfig.ready() (as clinics registers its review
extra). report_create asks every party before storing a report: a report from an interested party is stored with
the trust "interested", which never counts towards hiding (however many of a clinic's staff report the review),
and the party's `record` runs in the report's transaction, so its own row (a ClinicReport) and the report are
written together or not at all. With nothing registered every report is judged as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryoview.accounts.models import User
    from cryoview.moderation.models import Report
    from cryoview.reviews.models import Review


@dataclass(frozen=True)
class InterestedParty:
    """One app's stake in reviews.

    - `check(review, user)`: the name of the party the user acts for when they have a stake in this review (a
      clinic's name), else None. One or two queries; called once per report by a member.
    - `record(report, user)`: runs inside the report's transaction once the report is stored with the trust
      "interested"; it may write its own rows (a refusal rolls the report back too).
    """

    name: str
    check: Callable[[Review, User], str | None]
    record: Callable[[Report, User], None]


_parties: dict[str, InterestedParty] = {}


def register_interested_party(party: InterestedParty) -> None:
    """Called once per process by an app's AppConfig.ready(); registering the same name again replaces it."""
    _parties[party.name] = party


def unregister_interested_party(name: str) -> None:
    """For tests that check reports without any party."""
    _parties.pop(name, None)


@dataclass(frozen=True)
class Stake:
    """Whom a reporter acts for in a review, and the party that said so (to record the report)."""

    party: InterestedParty
    on_behalf_of: str


def interested_stake(*, review: Review, user: User | None) -> Stake | None:
    """The first registered party that names the user as interested in the review (a visitor never is)."""
    if user is None:
        return None
    for party in _parties.values():
        on_behalf_of = party.check(review, user)
        if on_behalf_of:
            return Stake(party, on_behalf_of)
    return None
