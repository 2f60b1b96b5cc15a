"""RFC 9457 problem details: every API error has the same shape and names the field at fault."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from cryoview.core.errors import ApplicationError
from cryoview.core.throttle import retry_after_of

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
}


def problem(status: int, detail: str, *, code: str, errors: list[dict[str, Any]] | None = None) -> JsonResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type="application/problem+json")


def _field(location: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes the location with where the value came from ("body", "query", "path").
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "form", "cookie", "file"):
        parts = parts[1:]
    if parts and parts[0] in ("payload", "data", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "(request)"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        # pydantic prefixes our validators' messages with "Value error, ": the client needs only the message.
        errors = [
            {"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid")).removeprefix("Value error, ")}
            for e in exc.errors
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "The request is invalid."
        return problem(422, detail, code="invalid", errors=errors)

    @api.exception_handler(ApplicationError)
    def application(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        errors = [{"field": p.field, "message": p.message} for p in exc.problems]
        response = problem(exc.status, exc.message, code=exc.code, errors=errors)
        if exc.status in (429, 503):
            response["Retry-After"] = str(retry_after_of(exc))
        return response

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            401, "Send a valid personal API token: Authorization: Bearer <token>.", code="unauthenticated"
        )
        response["WWW-Authenticate"] = 'Bearer realm="cryoview"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(exc.status_code, str(exc), code="error")
