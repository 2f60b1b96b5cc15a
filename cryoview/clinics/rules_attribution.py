"""Whether a practitioner's profession meets what a guide says about who may perform its procedure. Pure: no ORM.

A guide names one requirement (procedures.enums.Practitioner): "a specially trained cosmetologist" or "a
dermatologist with higher medical education". A dermatologist meets the cosmetologist requirement (the same field,
a higher qualification); nobody but a dermatologist meets the dermatologist one. Nurses, other physicians and
"other" meet neither: the article names no one else. A requirement this module does not know (or none) is never
reported as unmet: a warning must rest on what the guide says.
"""

from __future__ import annotations

# required (procedures.enums.Practitioner value) -> the professions (clinics.enums.Profession values) that meet it
MEETS: dict[str, frozenset[str]] = {
    "cosmetologist": frozenset({"cosmetologist", "dermatologist"}),
    "dermatologist": frozenset({"dermatologist"}),
}


def profession_meets(profession: str, required: str) -> bool:
    """True unless the guide's requirement is known and `profession` is not among those that meet it."""
    allowed = MEETS.get(required)
    return allowed is None or profession in allowed
