"""The product's URLconf plus one trivial view, for bench/pages.py only (never part of config.urls).

The trivial view goes first, so it pays the least URL resolution: the floor the pages are compared with.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial", trivial, name="bench-trivial"), *product_urlpatterns]
