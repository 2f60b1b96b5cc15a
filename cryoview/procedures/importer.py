"""Loading content/ into the database: everything is checked first, then written in one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.db import transaction
from pydantic import BaseModel, ValidationError

from cryoview.core.pagecache import bump
from cryoview.core.visibility import visibility_changed
from cryoview.procedures.content_files import ContentProblem, ContentReadError, LocatedData, read_located
from cryoview.procedures.content_schema import ConditionFile, ProcedureFile, SourceFile
from cryoview.procedures.enums import RevisionOrigin
from cryoview.procedures.models import Condition, Procedure, Source
from cryoview.procedures.selectors import procedure_scope
from cryoview.procedures.services import procedure_apply_content


class ContentInvalid(Exception):
    """The content folder has problems; nothing was imported."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.unpublished)


@dataclass
class ContentSet:
    sources: list[SourceFile]
    conditions: list[ConditionFile]
    procedures: list[tuple[str, ProcedureFile]]


def content_hash(model: BaseModel) -> str:
    payload = json.dumps(model.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _field_name(location: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in location)


def _validate[M: BaseModel](
    model: type[M], located: LocatedData, name: str, prefix: tuple[str | int, ...] = ()
) -> M | list[ContentProblem]:
    try:
        return model.model_validate(located.data if not prefix else _dig(located.data, prefix))
    except ValidationError as error:
        return [
            ContentProblem(name, located.line_of((*prefix, *e["loc"])), _field_name((*prefix, *e["loc"])), e["msg"])
            for e in error.errors()
        ]


def _dig(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _read_list[M: BaseModel](
    path: Path, key: str, model: type[M], name: str, problems: list[ContentProblem]
) -> list[M]:
    try:
        located = read_located(path, display_name=name)
    except ContentReadError as error:
        problems.append(error.problem)
        return []
    except FileNotFoundError:
        problems.append(ContentProblem(name, 1, "", "file is missing"))
        return []
    if not isinstance(located.data, dict) or not isinstance(located.data.get(key), list):
        problems.append(ContentProblem(name, 1, key, f"expected a top-level list named {key!r}"))
        return []
    items: list[M] = []
    for index in range(len(located.data[key])):
        result = _validate(model, located, name, (key, index))
        if isinstance(result, list):
            problems.extend(result)
        else:
            items.append(result)
    _check_unique([getattr(i, "slug") for i in items], name, key, problems)  # noqa: B009
    return items


def _check_unique(slugs: list[str], name: str, what: str, problems: list[ContentProblem]) -> None:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            problems.append(ContentProblem(name, 1, what, f"slug {slug!r} is used twice"))
        seen.add(slug)


def _check_references(
    name: str, located: LocatedData, guide: ProcedureFile, sources: set[str], conditions: set[str]
) -> list[ContentProblem]:
    problems: list[ContentProblem] = []

    def problem(location: tuple[str | int, ...], message: str) -> None:
        problems.append(ContentProblem(name, located.line_of(location), _field_name(location), message))

    codes = [claim.code for claim in guide.claims]
    for index, claim in enumerate(guide.claims):
        if codes.index(claim.code) != index:
            problem(("claims", index, "code"), f"claim code {claim.code!r} is used twice")
        if claim.condition and claim.condition not in conditions:
            problem(("claims", index, "condition"), f"unknown condition {claim.condition!r} (see conditions.yaml)")
        for c_index, citation in enumerate(claim.sources):
            if citation.source not in sources:
                problem(
                    ("claims", index, "sources", c_index, "source"),
                    f"unknown source {citation.source!r} (see sources.yaml)",
                )
    for index, conflict in enumerate(guide.conflicts):
        for k_index, code in enumerate(conflict.claims):
            if code not in codes:
                problem(("conflicts", index, "claims", k_index), f"no claim with code {code!r} in this guide")
        if conflict.condition and conflict.condition not in conditions:
            problem(("conflicts", index, "condition"), f"unknown condition {conflict.condition!r}")
    return problems


def content_read(folder: Path) -> ContentSet:
    """Read and check the whole content folder; raise ContentInvalid listing every problem."""
    problems: list[ContentProblem] = []
    sources = _read_list(folder / "sources.yaml", "sources", SourceFile, "sources.yaml", problems)
    conditions = _read_list(folder / "conditions.yaml", "conditions", ConditionFile, "conditions.yaml", problems)
    source_slugs = {s.slug for s in sources}
    condition_slugs = {c.slug for c in conditions}
    procedures: list[tuple[str, ProcedureFile]] = []
    files = sorted((folder / "procedures").glob("*.yaml"))
    if not files:
        problems.append(ContentProblem("procedures/", 1, "", "no guide files (*.yaml) found"))
    for path in files:
        name = f"procedures/{path.name}"
        try:
            located = read_located(path, display_name=name)
        except ContentReadError as error:
            problems.append(error.problem)
            continue
        if not isinstance(located.data, dict):
            problems.append(ContentProblem(name, 1, "", "expected a mapping of fields at the top level"))
            continue
        result = _validate(ProcedureFile, located, name)
        if isinstance(result, list):
            problems.extend(result)
            continue
        if result.slug != path.stem:
            problems.append(
                ContentProblem(
                    name,
                    located.line_of(("slug",)),
                    "slug",
                    f"slug {result.slug!r} must match the file name {path.stem!r}",
                )
            )
        problems.extend(_check_references(name, located, result, source_slugs, condition_slugs))
        procedures.append((name, result))
    if problems:
        raise ContentInvalid(problems)
    return ContentSet(sources=sources, conditions=conditions, procedures=procedures)


def _upsert(model: type[Source] | type[Condition], slug: str, values: dict[str, Any]) -> bool:
    instance = model.objects.filter(slug=slug).first()
    if instance is None:
        model.objects.create(slug=slug, **values)
        return True
    changed = {k: v for k, v in values.items() if getattr(instance, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(instance, key, value)
        instance.save(update_fields=list(changed))
    return bool(changed)


def guides_import(*, folder: Path) -> ImportReport:
    """Import every guide under `folder`, all or nothing.

    Side effects: creates/updates Source, Condition, Procedure, Claim, ClaimSource, Conflict rows and a
    ProcedureRevision per changed guide; guides whose file disappeared are unpublished. A guide whose
    file has not changed since its last import is left alone (so admin edits survive a re-import).
    """
    content = content_read(folder)
    report = ImportReport()
    with transaction.atomic():
        for source in content.sources:
            values = source.model_dump(exclude={"slug"})
            _upsert(Source, source.slug, values)
        for condition in content.conditions:
            _upsert(Condition, condition.slug, condition.model_dump(exclude={"slug"}))
        sources = {s.slug: s for s in Source.objects.all()}
        conditions = {c.slug: c for c in Condition.objects.all()}
        for name, guide in content.procedures:
            digest = content_hash(guide)
            existing = Procedure.objects.filter(slug=guide.slug).first()
            if existing is not None and existing.imported_hash == digest and existing.is_published:
                report.unchanged.append(guide.slug)
                continue
            procedure_apply_content(
                procedure=existing,
                guide=guide,
                digest=digest,
                source_file=name,
                sources=sources,
                conditions=conditions,
                origin=RevisionOrigin.IMPORT,
            )
            (report.created if existing is None else report.updated).append(guide.slug)
        slugs = [guide.slug for _, guide in content.procedures]
        gone = Procedure.objects.filter(is_published=True).exclude(slug__in=slugs)
        report.unpublished = list(gone.values_list("slug", flat=True))
        gone_ids = list(gone.values_list("pk", flat=True))
        gone.update(is_published=False)
        for pk in gone_ids:
            visibility_changed(kind="guide", pk=pk)
        for slug in report.unpublished:
            transaction.on_commit(partial(bump, procedure_scope(slug)))
    return report
