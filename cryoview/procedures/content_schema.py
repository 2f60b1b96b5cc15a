"""The shape of the guide files under content/: what an editor may write, checked before storing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cryoview.procedures.enums import ClaimSection, Practitioner, ProcedureKind, Season, SourceKind

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceFile(Strict):
    slug: Slug
    title: Line
    kind: SourceKind
    publisher: str = ""
    author: str = ""
    url: Annotated[str, StringConstraints(pattern=r"^(https?://\S+)?$", max_length=500)] = ""
    published: str = ""
    accessed_on: dt.date | None = None
    reliability: str = ""
    described_as: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    covers: list[Slug] = Field(default_factory=list)
    elsewhere_as: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class ConditionFile(Strict):
    slug: Slug
    name: Line
    plain_name: Line
    description: str = ""
    synonyms: list[Line] = Field(default_factory=list)


class Citation(Strict):
    source: Slug
    quote: str = ""


class ClaimFile(Strict):
    code: Slug
    section: ClaimSection
    text: Text
    evidence: Text
    sources: list[Citation] = Field(min_length=1)
    condition: Slug | None = None
    area: Slug | None = None
    goal: Slug | None = None
    trigger: Literal["lesion-not-confirmed-benign"] | None = None
    specialist: Slug | None = None
    recheck: Line | None = None

    @model_validator(mode="after")
    def recheck_needs_a_condition(self) -> ClaimFile:
        if self.recheck and (self.condition is None or self.section != ClaimSection.CONTRAINDICATION):
            raise ValueError("recheck is for a contraindication with a condition (a condition that passes)")
        return self


class ConflictFile(Strict):
    code: Slug
    title: Line
    summary: Text
    advice: Text
    claims: list[Slug] = Field(min_length=2)
    condition: Slug | None = None


class Range(Strict):
    min: int = Field(ge=1, le=1000)
    max: int = Field(ge=1, le=1000)
    note: str = ""

    @model_validator(mode="after")
    def ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError("max must not be smaller than min")
        return self


class Review(Strict):
    by: Line
    on: dt.date


class PractitionerFile(Strict):
    role: Practitioner
    home_use: Literal[False, True] = False


class ProcedureFile(Strict):
    slug: Slug
    name: Line
    kind: ProcedureKind
    position: int = Field(default=0, ge=0, le=1000)
    summary: Text
    reviewed: Review
    practitioner: PractitionerFile
    duration_minutes: Range | None = None
    course_sessions: Range | None = None
    avoid_seasons: list[Season] = Field(default_factory=list)
    areas: list[Slug] = Field(default_factory=list)
    disclaimer: Text
    claims: list[ClaimFile] = Field(min_length=1)
    conflicts: list[ConflictFile] = Field(default_factory=list)
