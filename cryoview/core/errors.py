"""Errors that services raise for the edge (pages, API) to turn into clear messages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    field: str
    message: str


@dataclass
class ApplicationError(Exception):
    """A request we understood and refuse; `status` is the HTTP status the edge should answer with."""

    message: str
    status: int = 422
    code: str = "invalid"
    problems: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def for_fields(cls, problems: list[FieldProblem]) -> ApplicationError:
        """A 422 that names every field at fault, in one sentence and one entry per field."""
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        return cls(f"Please correct: {detail}.", problems=problems)


class NotFoundError(ApplicationError):
    def __init__(self, message: str) -> None:
        super().__init__(message=message, status=404, code="not_found")


class ServiceUnavailable(ApplicationError):
    """A service we depend on (the object store, say) cannot be reached just now: a 503 with Retry-After and a
    message that says nothing was lost. Nothing was changed; asking again later succeeds."""

    def __init__(self, message: str, *, retry_after: int = 30, code: str = "unavailable") -> None:
        super().__init__(message=message, status=503, code=code)
        self.retry_after = max(1, int(retry_after))
