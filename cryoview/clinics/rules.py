"""Who may perform a procedure, as the guides say it, against a practitioner's profession. Pure: no database.

A guide names one of two levels (`Procedure.practitioner`): a specially trained cosmetologist, or a
dermatologist with higher medical education. The table below says which professions meet each level:

- dermatologist: meets both. A dermatologist is a doctor specialised in the skin; freezing the skin with liquid
  nitrogen is part of dermatology (the guides' dermatology leaflets describe it as a dermatologist's treatment),
  so a procedure the guide leaves to a cosmetologist is within a dermatologist's training too.
- cosmetologist: meets the cosmetologist level only. The guide on benign growths says removal is "possible only
  with a dermatologist with a higher medical education".
- other physician, nurse, other: meet neither. The guides name a trained cosmetologist or a dermatologist and
  nothing else; a doctor of another speciality or a nurse may well be trained, but the guide does not say so,
  and Cryoview does not fill that gap with a guess. The page says what the guide says and what the
  practitioner is, so the reader can ask the clinic.
"""

from __future__ import annotations

from dataclasses import dataclass

# required level (Procedure.practitioner) -> professions (Profession values) that meet it
MEETS: dict[str, frozenset[str]] = {
    "cosmetologist": frozenset({"cosmetologist", "dermatologist"}),
    "dermatologist": frozenset({"dermatologist"}),
}


@dataclass(frozen=True)
class Fit:
    required: str  # the guide's level, e.g. "dermatologist"
    profession: str  # the practitioner's profession, e.g. "cosmetologist"
    matches: bool


def profession_fits(*, required: str, profession: str) -> Fit:
    """Whether a practitioner of `profession` meets the level the guide names. A level the table does not know
    (a guide that names no one) is met by everyone: there is no rule to break."""
    allowed = MEETS.get(required)
    return Fit(required=required, profession=profession, matches=allowed is None or profession in allowed)
