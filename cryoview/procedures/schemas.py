"""API shapes of the guides (django-ninja / pydantic)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from cryoview.procedures.models import Condition, Procedure
from cryoview.procedures.selectors import Guide


class ConditionOut(Schema):
    slug: str
    name: str
    plain_name: str
    description: str
    synonyms: list[str]

    @staticmethod
    def of(condition: Condition) -> ConditionOut:
        return ConditionOut(
            slug=condition.slug,
            name=condition.name,
            plain_name=condition.plain_name,
            description=condition.description,
            synonyms=list(condition.synonyms),
        )


class ConditionRef(Schema):
    slug: str
    name: str


class SourceOut(Schema):
    number: int
    slug: str
    title: str
    kind: str
    publisher: str
    author: str
    url: str
    published: str
    accessed_on: dt.date | None
    reliability: str
    cited_as: str  # how this guide cites it: title and what it is, or only what it is where it is not about it


class CitationOut(Schema):
    source: str
    number: int
    quote: str


class ClaimOut(Schema):
    code: str
    section: str
    text: str
    evidence: str
    condition: ConditionRef | None
    area: str | None
    goal: str | None
    trigger: str | None
    specialist: str | None
    recheck: str | None  # a passing condition: when to check again
    sources: list[CitationOut]
    in_conflict: bool


class ConflictOut(Schema):
    code: str
    title: str
    summary: str
    advice: str
    condition: ConditionRef | None
    claims: list[str]


class RangeOut(Schema):
    min: int | None
    max: int | None


class CourseOut(RangeOut):
    note: str


class ReviewedOut(Schema):
    by: str
    on: dt.date


class ProcedureSummaryOut(Schema):
    slug: str
    name: str
    kind: str
    summary: str
    url: str
    practitioner: str
    reviewed: ReviewedOut

    @staticmethod
    def of(procedure: Procedure) -> ProcedureSummaryOut:
        return ProcedureSummaryOut(
            slug=procedure.slug,
            name=procedure.name,
            kind=procedure.kind,
            summary=procedure.summary,
            url=procedure.get_absolute_url(),
            practitioner=procedure.practitioner,
            reviewed=ReviewedOut(by=procedure.reviewed_by, on=procedure.reviewed_on),
        )


class ProcedureOut(ProcedureSummaryOut):
    duration_minutes: RangeOut
    course_sessions: CourseOut
    home_use_allowed: bool
    avoid_seasons: list[str]
    areas: list[str]
    contraindications: list[ConditionRef]
    indications: list[ConditionRef]
    cautions: list[ConditionRef]
    claims: list[ClaimOut]
    conflicts: list[ConflictOut]
    sources: list[SourceOut]
    disclaimer: str

    @staticmethod
    def of_guide(guide: Guide) -> ProcedureOut:
        p = guide.procedure

        def ref(condition: Condition | None) -> ConditionRef | None:
            return ConditionRef(slug=condition.slug, name=condition.name) if condition else None

        def conditions_in(section: str) -> list[ConditionRef]:
            return [
                ConditionRef(slug=i.claim.condition.slug, name=i.claim.condition.name)
                for i in guide.section(section)
                if i.claim.condition
            ]

        claims = [
            ClaimOut(
                code=i.claim.code,
                section=i.claim.section,
                text=i.claim.text,
                evidence=i.claim.evidence,
                condition=ref(i.claim.condition),
                area=i.claim.area or None,
                goal=i.claim.goal or None,
                trigger=i.claim.trigger or None,
                specialist=i.claim.specialist or None,
                recheck=i.claim.recheck or None,
                in_conflict=i.in_conflict,
                sources=[CitationOut(source=c.cited.source.slug, number=c.number, quote=c.quote) for c in i.citations],
            )
            for section in guide.sections.values()
            for i in section.claims
        ]
        base = ProcedureSummaryOut.of(p).model_dump()
        return ProcedureOut(
            **base,
            duration_minutes=RangeOut(min=p.duration_min_minutes, max=p.duration_max_minutes),
            course_sessions=CourseOut(min=p.course_sessions_min, max=p.course_sessions_max, note=p.course_note),
            home_use_allowed=p.home_use_allowed,
            avoid_seasons=list(p.avoid_seasons),
            areas=list(p.areas),
            contraindications=conditions_in("contraindication"),
            indications=conditions_in("indication"),
            cautions=conditions_in("caution"),
            claims=claims,
            conflicts=[
                ConflictOut(
                    code=k.code,
                    title=k.title,
                    summary=k.summary,
                    advice=k.advice,
                    condition=ref(k.condition),
                    claims=[i.claim.code for i in sides],
                )
                for k, sides in guide.conflicts
            ],
            sources=[
                SourceOut(
                    number=s.number,
                    slug=s.source.slug,
                    title=s.source.title,
                    kind=s.source.kind,
                    publisher=s.source.publisher,
                    author=s.source.author,
                    url=s.source.url,
                    published=s.source.published,
                    accessed_on=s.source.accessed_on,
                    reliability=s.source.reliability,
                    cited_as=s.label,
                )
                for s in guide.sources
            ],
            disclaimer=p.disclaimer,
        )
