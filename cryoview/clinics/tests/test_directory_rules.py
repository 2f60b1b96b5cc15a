"""The table of who meets which guide's level (cryoview.clinics.rules), every pair spelled out."""

from __future__ import annotations

import pytest

from cryoview.clinics.enums import Profession
from cryoview.clinics.rules import MEETS, profession_fits
from cryoview.procedures.enums import Practitioner as Level

TABLE = [
    (Level.COSMETOLOGIST, Profession.COSMETOLOGIST, True),
    (Level.COSMETOLOGIST, Profession.DERMATOLOGIST, True),
    (Level.COSMETOLOGIST, Profession.OTHER_PHYSICIAN, False),
    (Level.COSMETOLOGIST, Profession.NURSE, False),
    (Level.COSMETOLOGIST, Profession.OTHER, False),
    (Level.DERMATOLOGIST, Profession.DERMATOLOGIST, True),
    (Level.DERMATOLOGIST, Profession.COSMETOLOGIST, False),
    (Level.DERMATOLOGIST, Profession.OTHER_PHYSICIAN, False),
    (Level.DERMATOLOGIST, Profession.NURSE, False),
    (Level.DERMATOLOGIST, Profession.OTHER, False),
]


@pytest.mark.parametrize(("required", "profession", "matches"), TABLE)
def test_the_table(required, profession, matches):
    fit = profession_fits(required=required, profession=profession)
    assert fit.matches is matches
    assert (fit.required, fit.profession) == (required, profession)


def test_the_table_covers_every_level_and_profession():
    assert {(r, p) for r, p, _ in TABLE} == {(r.value, p.value) for r in Level for p in Profession}
    assert set(MEETS) == {level.value for level in Level}


def test_a_level_no_guide_names_breaks_no_rule():
    assert profession_fits(required="", profession=Profession.NURSE).matches
