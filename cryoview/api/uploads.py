"""tus 1.0 at /api/v1/uploads/: plain Django views, because the body is a raw byte stream, not JSON."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import format_datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from cryoview.accounts.authentication import authenticate_request
from cryoview.accounts.models import User
from cryoview.api.problems import problem
from cryoview.core.csrf import CSRF_FAILED, session_csrf_failed
from cryoview.core.errors import ApplicationError, ServiceUnavailable
from cryoview.core.parsing import parse_int
from cryoview.videos.models import Upload
from cryoview.videos.uploads import (
    TUS_EXTENSIONS,
    TUS_VERSION,
    upload_append,
    upload_create,
    upload_delete,
    upload_get,
)

View = Callable[[HttpRequest, User, str | None], HttpResponse]


def tus_headers(response: HttpResponse, upload: Upload | None = None) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    if upload is not None:
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        response["Upload-Expires"] = format_datetime(upload.expires_at, usegmt=True)
    return response


def tus_problem(status: int, detail: str, code: str) -> HttpResponse:
    return tus_headers(problem(status, detail, code=code))


def parse_int_header(request: HttpRequest, name: str) -> int | None:
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return parse_int(value, field=name, status=400)
    except ApplicationError as error:
        error.code = "bad_header"
        raise


def length_required() -> HttpResponse:
    """A PATCH must say how many bytes it sends (tus allows a server to require it).

    Behind a WSGI server a body without Content-Length (Transfer-Encoding: chunked) reaches Django as an
    empty stream: it would be answered 204 having stored nothing, and the client would think it done.
    Reading the raw chunked input instead would depend on the server (gunicorn decodes it, others do not),
    and every tus client sends Content-Length anyway. So: 411, saying what to send.
    """
    response = problem(
        411,
        "PATCH needs a Content-Length header with the number of bytes in the body; "
        "chunked transfer encoding is not accepted.",
        code="length_required",
        errors=[{"field": "Content-Length", "message": "is required"}],
    )
    return tus_headers(response)


def options_response() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(settings.CONFIG.upload_max_bytes)
    return tus_headers(response)


def guarded(handler: View) -> Callable[..., HttpResponse]:
    """Authenticate, check the protocol version, and turn ApplicationErrors into problem details."""

    @csrf_exempt
    def view(request: HttpRequest, upload_id: str | None = None) -> HttpResponse:
        if request.method == "OPTIONS":
            return options_response()
        if session_csrf_failed(request):  # before anything is read or written (tus is exempt from the middleware)
            return tus_problem(403, CSRF_FAILED, "csrf_failed")
        user = authenticate_request(request)
        if user is None:
            response = tus_problem(401, "Sign in, or send Authorization: Bearer <token>.", "unauthenticated")
            response["WWW-Authenticate"] = 'Bearer realm="cryoview"'
            return response
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            response = tus_problem(412, f"Send Tus-Resumable: {TUS_VERSION}.", "tus_version")
            response["Tus-Version"] = TUS_VERSION
            return response
        try:
            return handler(request, user, upload_id)
        except ApplicationError as error:
            response = tus_problem(error.status, error.message, error.code)
            if isinstance(error, ServiceUnavailable):
                response["Retry-After"] = str(error.retry_after)
            return response

    return view


def collection(request: HttpRequest, user: User, upload_id: str | None) -> HttpResponse:
    if request.method != "POST":
        return tus_problem(405, "Use POST to create an upload.", "method_not_allowed")
    length = parse_int_header(request, "Upload-Length")
    upload = upload_create(user=user, length=length, metadata=request.headers.get("Upload-Metadata", ""))
    response = tus_headers(HttpResponse(status=201), upload)
    response["Location"] = request.build_absolute_uri(reverse("tus-upload", args=[upload.id]))
    return response


def resource(request: HttpRequest, user: User, upload_id: str | None) -> HttpResponse:
    upload = upload_get(user=user, upload_id=upload_id or "")
    if request.method == "HEAD":
        return tus_headers(HttpResponse(status=200), upload)
    if request.method == "DELETE":
        upload_delete(upload=upload)
        return tus_headers(HttpResponse(status=204))
    if request.method != "PATCH":
        return tus_problem(405, "Use HEAD, PATCH or DELETE on an upload.", "method_not_allowed")
    if request.headers.get("Content-Type") != "application/offset+octet-stream":
        return tus_problem(415, "PATCH needs Content-Type: application/offset+octet-stream.", "content_type")
    if request.headers.get("Transfer-Encoding") or not request.headers.get("Content-Length"):
        return length_required()
    offset = parse_int_header(request, "Upload-Offset")
    if offset is None:
        return tus_problem(400, "PATCH needs an Upload-Offset header.", "bad_header")
    result = upload_append(
        upload=upload,
        offset=offset,
        stream=request,  # type: ignore[arg-type]
        content_length=parse_int_header(request, "Content-Length"),
    )
    return tus_headers(HttpResponse(status=204), result.upload)


upload_collection = guarded(collection)
upload_resource = guarded(resource)
