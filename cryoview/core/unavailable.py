"""Pages whose view needs a service that is down (the object store, say) answer 503 with Retry-After and a
clear message instead of a 500. The API turns ServiceUnavailable into a problem response itself."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from cryoview.core.errors import ServiceUnavailable


class ServiceUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ServiceUnavailable):
            return None
        # A page of its own (not base.html): it must render whatever else is down.
        body = render_to_string("503.html", {"message": exception.message, "retry_after": exception.retry_after})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(exception.retry_after)
        response["Cache-Control"] = "no-store"
        return response
