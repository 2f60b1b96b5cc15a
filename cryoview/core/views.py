from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cryoview.core.errors import ApplicationError
from cryoview.core.health import run_checks, status_summary
from cryoview.core.throttle import retry_after_of


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, body = run_checks()
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    """The footer's "Status": the same checks as /healthz, in plain words."""
    return render(request, "status.html", {"status": status_summary()})


def too_many_requests(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """The 429 page for a limit a service enforced, with Retry-After (every 429 carries one)."""
    response = render(request, "429.html", {"message": error.message}, status=429)
    response["Retry-After"] = str(retry_after_of(error))
    return response
