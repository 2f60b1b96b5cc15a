from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError, FieldProblem
from cryoview.procedures.models import Procedure
from cryoview.suitability.engine import Answers, Assessment, Hemisphere, ProcedureRules, Setting, assess
from cryoview.suitability.models import SavedCheck
from cryoview.suitability.selectors import Vocabulary

KNOWN_AREAS = ("face", "eye-area", "lips", "body")
MAX_ITEMS = 40


@dataclass(frozen=True)
class RawAnswers:
    """What a client sent, before we trust it (the API and the page both produce this)."""

    conditions: list[str]
    areas: list[str]
    goal: str | None
    lesion_confirmed_benign: bool | None
    setting: str | None
    on: dt.date | None
    hemisphere: str


def _accepted(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(values)


def answers_validate(*, raw: RawAnswers, vocabulary: Vocabulary, goals: list[str]) -> Answers:
    """Resolve synonyms and check every value; raise ApplicationError naming each bad field."""
    problems: list[FieldProblem] = []
    conditions: set[str] = set()
    if len(raw.conditions) > MAX_ITEMS:
        problems.append(FieldProblem("conditions", f"at most {MAX_ITEMS} conditions"))
    for index, term in enumerate(raw.conditions[:MAX_ITEMS]):
        slug = vocabulary.resolve(term)
        if slug is None:
            problems.append(
                FieldProblem(
                    f"conditions.{index}",
                    f"unknown condition {term[:100]!r}; accepted: "
                    f"{_accepted(vocabulary.slugs)} (or a synonym, see /api/v1/conditions)",
                )
            )
        else:
            conditions.add(slug)
    for index, area in enumerate(raw.areas[:MAX_ITEMS]):
        if area not in KNOWN_AREAS:
            problems.append(
                FieldProblem(f"areas.{index}", f"unknown area {area[:100]!r}; accepted: {_accepted(KNOWN_AREAS)}")
            )
    if raw.goal and raw.goal not in goals:
        problems.append(FieldProblem("goal", f"unknown goal {raw.goal[:100]!r}; accepted: {_accepted(goals)}"))
    if raw.setting is not None and raw.setting not in Setting:
        problems.append(FieldProblem("setting", f"expected one of {_accepted([s.value for s in Setting])}"))
    if raw.hemisphere not in Hemisphere:
        problems.append(FieldProblem("hemisphere", f"expected one of {_accepted([h.value for h in Hemisphere])}"))
    if raw.on is not None and not dt.date(1900, 1, 1) <= raw.on <= dt.date(2200, 12, 31):
        problems.append(FieldProblem("date", "expected a date between 1900-01-01 and 2200-12-31 (YYYY-MM-DD)"))
    if problems:
        raise ApplicationError("Some answers could not be understood.", code="invalid", problems=problems)
    return Answers(
        conditions=frozenset(conditions),
        areas=frozenset(raw.areas),
        goal=raw.goal or None,
        lesion_confirmed_benign=raw.lesion_confirmed_benign,
        setting=Setting(raw.setting) if raw.setting else None,
        on=raw.on,
        hemisphere=Hemisphere(raw.hemisphere),
    )


def suitability_assess(*, rules: ProcedureRules, answers: Answers) -> Assessment:
    """Run the engine for today's date (in the site's time zone). No side effects: nothing is stored."""
    return assess(rules, answers, today=timezone.localdate())


def assessment_as_data(assessment: Assessment) -> dict[str, Any]:
    data = dataclasses.asdict(assessment)
    data["on"] = assessment.on.isoformat()
    return data


def answers_as_data(answers: Answers) -> dict[str, Any]:
    return {
        "conditions": sorted(answers.conditions),
        "areas": sorted(answers.areas),
        "goal": answers.goal,
        "lesion_confirmed_benign": answers.lesion_confirmed_benign,
        "setting": answers.setting.value if answers.setting else None,
        "date": answers.on.isoformat() if answers.on else None,
        "hemisphere": answers.hemisphere.value,
    }


def saved_check_create(*, user: User, procedure: Procedure, answers: Answers, assessment: Assessment) -> SavedCheck:
    """Keep a check the user asked to save. Side effects: one SavedCheck row."""
    with transaction.atomic():
        return SavedCheck.objects.create(
            user=user,
            procedure=procedure,
            answers=answers_as_data(answers),
            verdict=assessment.verdict.value,
            result=assessment_as_data(assessment),
        )


def saved_check_delete(*, user: User, check_id: int) -> bool:
    """Delete one of the user's saved checks. Side effects: deletes it; False if it was not theirs."""
    deleted, _ = SavedCheck.objects.filter(user=user, pk=check_id).delete()
    return deleted > 0
