"""Is this procedure right for me? A pure rules engine: guide data and answers in, an explained verdict out.

No Django and no database here (an import-linter contract keeps it so). The rules are the guide's own
structured claims, so editing a guide changes the answers without touching this code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    NO_GO = "no_go"
    SEE_DOCTOR = "see_doctor"
    CAUTION = "caution"
    GO = "go"


SEVERITY = {Verdict.NO_GO: 3, Verdict.SEE_DOCTOR: 2, Verdict.CAUTION: 1, Verdict.GO: 0}


class Kind(StrEnum):
    CONTRAINDICATION = "contraindication"
    CONFLICT = "conflict"
    REFERRAL = "referral"
    QUALIFICATION = "qualification"
    SEASON = "season"
    PRECAUTION = "precaution"
    LIMIT = "limit"


class Hemisphere(StrEnum):
    NORTH = "north"
    SOUTH = "south"


class Setting(StrEnum):
    CLINIC = "clinic"
    HOME = "home"


LESION_NOT_CONFIRMED_BENIGN = "lesion-not-confirmed-benign"
EYE_AREA = "eye-area"

# Meteorological seasons; the south is six months apart.
NORTHERN_SEASON_BY_MONTH = {
    12: "winter",
    1: "winter",
    2: "winter",
    3: "spring",
    4: "spring",
    5: "spring",
    6: "summer",
    7: "summer",
    8: "summer",
    9: "autumn",
    10: "autumn",
    11: "autumn",
}
OPPOSITE_SEASON = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}

DISCLAIMER = (
    "This self-check gives information from the guide's sources; it is not a diagnosis and does not replace "
    "a consultation with a doctor. No procedure is free of risk. If you have a condition that is not listed, "
    "take medicines, are pregnant, or are unsure, ask a doctor before booking."
)


@dataclass(frozen=True)
class SourceRef:
    slug: str
    title: str
    url: str = ""


@dataclass(frozen=True)
class RuleClaim:
    code: str
    text: str
    sources: tuple[SourceRef, ...]

    @property
    def source_label(self) -> str:
        return "; ".join(s.title for s in self.sources)


@dataclass(frozen=True)
class ConditionRule:
    slug: str
    plain_name: str
    claim: RuleClaim
    recheck: str = ""  # a passing condition (an active cold sore): when to check again, from the guide


@dataclass(frozen=True)
class ConflictRule:
    code: str
    condition: str | None
    title: str
    summary: str
    advice: str
    sides: tuple[RuleClaim, ...]


@dataclass(frozen=True)
class ReferralRule:
    trigger: str
    claim: RuleClaim
    specialist: str


@dataclass(frozen=True)
class SafetyStep:
    area: str
    claim: RuleClaim


@dataclass(frozen=True)
class LimitRule:
    goal: str
    claim: RuleClaim


@dataclass(frozen=True)
class ProcedureRules:
    slug: str
    name: str
    practitioner: str
    practitioner_label: str
    home_use_allowed: bool
    practitioner_claim: RuleClaim | None = None
    areas: tuple[str, ...] = ()
    contraindications: tuple[ConditionRule, ...] = ()
    cautions: tuple[ConditionRule, ...] = ()
    conflicts: tuple[ConflictRule, ...] = ()
    referrals: tuple[ReferralRule, ...] = ()
    avoid_seasons: tuple[str, ...] = ()
    season_claim: RuleClaim | None = None
    safety_steps: tuple[SafetyStep, ...] = ()
    limits: tuple[LimitRule, ...] = ()
    side_effects: tuple[RuleClaim, ...] = ()
    disclaimer: str = ""

    @property
    def asks_about_growths(self) -> bool:
        return any(r.trigger == LESION_NOT_CONFIRMED_BENIGN for r in self.referrals)


@dataclass(frozen=True)
class Answers:
    conditions: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    goal: str | None = None
    lesion_confirmed_benign: bool | None = None
    setting: Setting | None = None
    on: dt.date | None = None
    hemisphere: Hemisphere = Hemisphere.NORTH


@dataclass(frozen=True)
class Reason:
    code: str
    kind: Kind
    verdict: Verdict
    message: str
    source: str
    claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class Precaution:
    code: str
    message: str
    source: str


@dataclass(frozen=True)
class Assessment:
    procedure: str
    verdict: Verdict
    reasons: tuple[Reason, ...]
    precautions: tuple[Precaution, ...]
    practitioner: str
    practitioner_label: str
    referrals: tuple[str, ...]
    disclaimer: str
    on: dt.date
    season: str
    summary: str = field(default="")
    headline: str = field(default="")


def season_of(on: dt.date, hemisphere: Hemisphere) -> str:
    northern = NORTHERN_SEASON_BY_MONTH[on.month]
    return northern if hemisphere == Hemisphere.NORTH else OPPOSITE_SEASON[northern]


def _condition_reasons(rules: ProcedureRules, answers: Answers) -> list[Reason]:
    reasons: list[Reason] = []
    conflicted = {k.condition: k for k in rules.conflicts if k.condition}
    for rule in rules.contraindications:
        if rule.slug in answers.conditions and rule.slug not in conflicted:
            recheck = f" This can pass: check again {rule.recheck.rstrip('.')}." if rule.recheck else ""
            reasons.append(
                Reason(
                    f"contraindication:{rule.slug}",
                    Kind.CONTRAINDICATION,
                    Verdict.NO_GO,
                    f"You said you have {rule.plain_name}. The guide lists this as a reason not to have "
                    f"{rules.name.lower()}: {rule.claim.text}{recheck}",
                    rule.claim.source_label,
                    (rule.claim.code,),
                )
            )
    for slug, conflict in conflicted.items():
        if slug in answers.conditions:
            sides = " — and — ".join(f"“{side.text}” ({side.source_label})" for side in conflict.sides)
            reasons.append(
                Reason(
                    f"conflict:{conflict.code}",
                    Kind.CONFLICT,
                    Verdict.SEE_DOCTOR,
                    f"{conflict.title} The sources disagree: {sides}. {conflict.advice}",
                    "; ".join(dict.fromkeys(side.source_label for side in conflict.sides)),
                    tuple(side.code for side in conflict.sides),
                )
            )
    for rule in rules.cautions:
        if rule.slug in answers.conditions:
            reasons.append(
                Reason(
                    f"caution:{rule.slug}",
                    Kind.PRECAUTION,
                    Verdict.CAUTION,
                    f"You said you have {rule.plain_name}. {rule.claim.text}",
                    rule.claim.source_label,
                    (rule.claim.code,),
                )
            )
    return reasons


def _referral_reasons(rules: ProcedureRules, answers: Answers) -> list[Reason]:
    return [
        Reason(
            f"referral:{r.claim.code}",
            Kind.REFERRAL,
            Verdict.SEE_DOCTOR,
            (
                "You have not confirmed that a doctor diagnosed the growth as benign. "
                if answers.lesion_confirmed_benign is None
                else "The growth has not been confirmed as benign. "
            )
            + r.claim.text,
            r.claim.source_label,
            (r.claim.code,),
        )
        for r in rules.referrals
        if r.trigger == LESION_NOT_CONFIRMED_BENIGN and answers.lesion_confirmed_benign is not True
    ]


def _claimed_reason(code: str, kind: Kind, verdict: Verdict, message: str, claim: RuleClaim | None) -> Reason:
    """A reason resting on one optional claim of the guide: its source and code come with it."""
    return Reason(code, kind, verdict, message, claim.source_label if claim else "", (claim.code,) if claim else ())


def _qualification_reasons(rules: ProcedureRules, answers: Answers) -> list[Reason]:
    if answers.setting != Setting.HOME or rules.home_use_allowed:
        return []
    claim = rules.practitioner_claim
    text = claim.text if claim else f"Only {rules.practitioner_label.lower()} may perform it."
    return [
        _claimed_reason("qualification:home", Kind.QUALIFICATION, Verdict.NO_GO, f"Never do it at home. {text}", claim)
    ]


def _season_reasons(rules: ProcedureRules, season: str) -> list[Reason]:
    if season not in rules.avoid_seasons:
        return []
    claim = rules.season_claim
    text = claim.text if claim else f"The guide advises against it in {season}."
    message = f"The date you chose falls in {season} where you are. {text}"
    return [_claimed_reason(f"season:{season}", Kind.SEASON, Verdict.CAUTION, message, claim)]


def _area_reasons(rules: ProcedureRules, answers: Answers) -> list[Reason]:
    reasons: list[Reason] = []
    steps = [s for s in rules.safety_steps if s.area in answers.areas]
    if steps:
        sources = "; ".join(dict.fromkeys(s.claim.source_label for s in steps))
        listed = " ".join(f"({i}) {s.claim.text}" for i, s in enumerate(steps, start=1))
        reasons.append(
            Reason(
                f"precaution:{steps[0].area}",
                Kind.PRECAUTION,
                Verdict.CAUTION,
                f"Treatment near the eyes needs {len(steps)} precautions: {listed}",
                sources,
                tuple(s.claim.code for s in steps),
            )
        )
    for area in sorted(answers.areas - set(rules.areas)):
        reasons.append(
            Reason(
                f"limit:area-{area}",
                Kind.LIMIT,
                Verdict.CAUTION,
                f"The guide does not describe this procedure on the {area.replace('-', ' ')}; "
                "ask the practitioner whether it applies there.",
                "",
                (),
            )
        )
    return reasons


def _limit_reasons(rules: ProcedureRules, answers: Answers) -> list[Reason]:
    return [
        Reason(
            f"limit:{rule.goal}",
            Kind.LIMIT,
            Verdict.CAUTION,
            f"It will not reach this goal. {rule.claim.text}",
            rule.claim.source_label,
            (rule.claim.code,),
        )
        for rule in rules.limits
        if answers.goal == rule.goal
    ]


def _precautions(rules: ProcedureRules, answers: Answers) -> tuple[Precaution, ...]:
    found: list[Precaution] = []
    claim = rules.practitioner_claim
    found.append(
        Precaution(
            "practitioner",
            claim.text if claim else f"Only {rules.practitioner_label.lower()}.",
            claim.source_label if claim else "",
        )
    )
    for step in rules.safety_steps:
        if step.area in answers.areas:
            found.append(Precaution(f"safety:{step.claim.code}", step.claim.text, step.claim.source_label))
    if rules.side_effects:
        effects = "; ".join(effect.text.rstrip(".") for effect in rules.side_effects)
        titles = dict.fromkeys(source.title for effect in rules.side_effects for source in effect.sources)
        found.append(Precaution("side-effects", f"Possible side effects: {effects}.", "; ".join(titles)))
    found.append(
        Precaution(
            "tell-practitioner",
            "Tell the practitioner about every health condition, allergy "
            "and medicine you have, including ones this check does not ask about.",
            "",
        )
    )
    return tuple(found)


# What a person reads as the answer; the verdict codes are for programs only and are never shown.
HEADLINES = {
    Verdict.NO_GO: "Not for you as things stand",
    Verdict.SEE_DOCTOR: "See a doctor first",
    Verdict.CAUTION: "Possible, with care",
    Verdict.GO: "No reason against it found in the guide",
}

SUMMARIES = {
    Verdict.NO_GO: "One or more of your answers is a reason in the guide not to have this procedure.",
    Verdict.SEE_DOCTOR: "Your answers need a doctor's judgement before you book.",
    Verdict.CAUTION: "Read the points below before you book.",
    Verdict.GO: "Nothing in your answers matches a reason in this guide not to have it. "
    "That is not a promise that nothing can go wrong: read the precautions.",
}


def assess(rules: ProcedureRules, answers: Answers, *, today: dt.date) -> Assessment:
    """The verdict is the most severe reason found; with no reason it is `go`, still with precautions."""
    on = answers.on or today
    season = season_of(on, answers.hemisphere)
    reasons = [
        *_condition_reasons(rules, answers),
        *_referral_reasons(rules, answers),
        *_qualification_reasons(rules, answers),
        *_season_reasons(rules, season),
        *_area_reasons(rules, answers),
        *_limit_reasons(rules, answers),
    ]
    reasons.sort(key=lambda r: -SEVERITY[r.verdict])
    verdict = reasons[0].verdict if reasons else Verdict.GO
    referrals = tuple(
        dict.fromkeys(
            r.specialist
            for r in rules.referrals
            if r.trigger == LESION_NOT_CONFIRMED_BENIGN and answers.lesion_confirmed_benign is not True
        )
    )
    return Assessment(
        procedure=rules.slug,
        verdict=verdict,
        reasons=tuple(reasons),
        precautions=_precautions(rules, answers),
        practitioner=rules.practitioner,
        practitioner_label=rules.practitioner_label,
        referrals=referrals,
        disclaimer=DISCLAIMER,  # one disclaimer: the self-check's own; the guide's stays on the guide
        on=on,
        season=season,
        summary=SUMMARIES[verdict],
        headline=HEADLINES[verdict],
    )
