from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from cryoview.core.formstamp import form_tokens_html
from cryoview.core.pagecache import LATE_TOKENS, tokens_filled_late

register = template.Library()


@register.simple_tag(takes_context=True)
def form_tokens(context: template.Context) -> SafeString:
    """Use instead of {% csrf_token %} in forms that may sit on a visitors' cached page: the CSRF token and
    the form stamp, or a marker the page cache replaces with a fresh stamp for each visitor (no CSRF token:
    the view must be csrf_exempt for visitors and check CSRF itself when there is a session)."""
    request: HttpRequest = context["request"]
    if tokens_filled_late(request):
        return mark_safe(LATE_TOKENS.decode())  # noqa: S308 - a fixed marker of our own
    return mark_safe(form_tokens_html(request))  # noqa: S308 - built with format_html
