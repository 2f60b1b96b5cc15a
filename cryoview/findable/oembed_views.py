"""GET /oembed: the oEmbed endpoint (JSON only), for review and video page addresses on this site."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from cryoview.core.errors import ApplicationError
from cryoview.findable.oembed import oembed_answer, parse_page_url, parse_side

TITLES = {400: "Bad Request", 404: "Not Found", 501: "Not Implemented"}


def _problem(status: int, field: str, message: str) -> JsonResponse:
    """RFC 9457 problem details naming the parameter at fault, the shape the API answers with."""
    body = {
        "type": "about:blank",
        "title": TITLES[status],
        "status": status,
        "detail": f"{field}: {message}.",
        "errors": [{"field": field, "message": message}],
    }
    return _public(JsonResponse(body, status=status, content_type="application/problem+json"))


def _public(response: JsonResponse) -> JsonResponse:
    # Consumers may ask from a browser on their own site: the answer is public and needs no credentials.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def oembed(request: HttpRequest) -> JsonResponse:
    """format=json (or none): the answer. Any other format is 501, as the oEmbed spec says for a format the
    provider does not offer; XML would be a second serialisation of the same answer for no consumer we know."""
    if request.GET.get("format", "json") not in ("", "json"):
        return _problem(501, "format", "only json is offered")
    try:
        target = parse_page_url(request.GET.get("url"))
        maxwidth = parse_side(request.GET.get("maxwidth"), field="maxwidth")
        maxheight = parse_side(request.GET.get("maxheight"), field="maxheight")
    except ApplicationError as error:
        problem = error.problems[0]
        return _problem(400, problem.field, problem.message)
    answer = oembed_answer(target=target, maxwidth=maxwidth, maxheight=maxheight) if target is not None else None
    if answer is None:
        return _problem(404, "url", "is not a published video or a review with one on this site")
    return _public(JsonResponse(answer, json_dumps_params={"ensure_ascii": False}))
