"""Turning a guide (from the database) into the engine's rules, and resolving what people type."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import partial

from django.db.models import QuerySet

from cryoview.procedures.enums import ClaimSection
from cryoview.procedures.models import Claim, Condition, Procedure
from cryoview.procedures.selectors import condition_list, procedure_get_published
from cryoview.suitability.engine import (
    ConditionRule,
    ConflictRule,
    LimitRule,
    ProcedureRules,
    ReferralRule,
    RuleClaim,
    SafetyStep,
    SourceRef,
)
from cryoview.suitability.models import SavedCheck


def _rule_claim(claim: Claim, procedure_slug: str) -> RuleClaim:
    """A claim with its sources as the guide cites them (what each is, never a bare misleading title)."""
    return RuleClaim(
        code=claim.code,
        text=claim.text,
        sources=tuple(
            SourceRef(c.source.slug, c.source.label_for(procedure_slug), c.source.url) for c in claim.citations.all()
        ),
    )


def rules_for_procedure(*, procedure: Procedure) -> ProcedureRules:
    """The engine's rules, from a procedure fetched by procedure_get_published (all prefetched)."""
    claims = list(procedure.claims.all())
    by_id = {c.id: c for c in claims}
    rule_claim = partial(_rule_claim, procedure_slug=procedure.slug)

    def section(name: ClaimSection) -> list[Claim]:
        return [c for c in claims if c.section == name]

    def condition_rules(name: ClaimSection) -> tuple[ConditionRule, ...]:
        return tuple(
            ConditionRule(c.condition.slug, c.condition.plain_name, rule_claim(c), recheck=c.recheck)
            for c in section(name)
            if c.condition is not None
        )

    practitioner = section(ClaimSection.PRACTITIONER)
    season = section(ClaimSection.SEASON)
    return ProcedureRules(
        slug=procedure.slug,
        name=procedure.name,
        practitioner=procedure.practitioner,
        practitioner_label=procedure.get_practitioner_display(),
        home_use_allowed=procedure.home_use_allowed,
        practitioner_claim=rule_claim(practitioner[0]) if practitioner else None,
        areas=tuple(procedure.areas),
        contraindications=condition_rules(ClaimSection.CONTRAINDICATION),
        cautions=condition_rules(ClaimSection.CAUTION),
        conflicts=tuple(
            ConflictRule(
                code=k.code,
                condition=k.condition.slug if k.condition else None,
                title=k.title,
                summary=k.summary,
                advice=k.advice,
                sides=tuple(rule_claim(by_id[c.id]) for c in k.claims.all() if c.id in by_id),
            )
            for k in procedure.conflicts.all()
        ),
        referrals=tuple(
            ReferralRule(trigger=c.trigger, claim=rule_claim(c), specialist=c.specialist or "doctor")
            for c in section(ClaimSection.REFERRAL)
            if c.trigger
        ),
        avoid_seasons=tuple(procedure.avoid_seasons),
        season_claim=rule_claim(season[0]) if season else None,
        safety_steps=tuple(SafetyStep(c.area, rule_claim(c)) for c in section(ClaimSection.SAFETY_STEP) if c.area),
        limits=tuple(LimitRule(c.goal, rule_claim(c)) for c in section(ClaimSection.LIMIT) if c.goal),
        side_effects=tuple(rule_claim(c) for c in section(ClaimSection.SIDE_EFFECT)),
        disclaimer=procedure.disclaimer,
    )


def rules_get(*, slug: str) -> tuple[Procedure, ProcedureRules] | None:
    procedure = procedure_get_published(slug=slug)
    if procedure is None:
        return None
    return procedure, rules_for_procedure(procedure=procedure)


def normalise_term(term: str) -> str:
    folded = unicodedata.normalize("NFKC", term).casefold().strip()
    return " ".join(folded.replace("-", " ").replace("_", " ").replace("\u2019", "'").split())


@dataclass(frozen=True)
class Vocabulary:
    """Every condition slug and synonym, so "Cold sores" and "herpes" both mean `herpes`."""

    by_term: dict[str, str]
    slugs: tuple[str, ...]

    def resolve(self, term: str) -> str | None:
        return self.by_term.get(normalise_term(term))


def vocabulary_build(conditions: QuerySet[Condition] | None = None) -> Vocabulary:
    by_term: dict[str, str] = {}
    slugs = []
    for condition in conditions if conditions is not None else condition_list():
        slugs.append(condition.slug)
        for term in (condition.slug, condition.name, *condition.synonyms):
            by_term.setdefault(normalise_term(term), condition.slug)
    return Vocabulary(by_term=by_term, slugs=tuple(slugs))


def goals_for(rules: ProcedureRules) -> list[str]:
    return [limit.goal for limit in rules.limits]


def goals_all() -> list[str]:
    """Every goal slug any guide has a limit for (the API accepts these)."""
    goals = Claim.objects.filter(section=ClaimSection.LIMIT, procedure__is_published=True).exclude(goal="")
    return sorted(set(goals.values_list("goal", flat=True)))


def saved_check_list(*, user_id: int) -> QuerySet[SavedCheck]:
    return SavedCheck.objects.filter(user_id=user_id).select_related("procedure").order_by("-created_at")


def condition_names(*, slugs: set[str]) -> dict[str, str]:
    """Condition slugs to the names people read (saved checks store slugs)."""
    return dict(Condition.objects.filter(slug__in=slugs).values_list("slug", "name")) if slugs else {}
