"""The site's URLs with a stand-in clinic page, so the review pages' links to listed clinics can be checked before
the directory's own page is wired into clinics/urls.py."""

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from config.urls import urlpatterns as site


def clinic_page(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(slug)


clinics = ([path("<slug:slug>/", clinic_page, name="detail")], "clinics")
urlpatterns: list[URLPattern | URLResolver] = [
    *(cast(URLPattern | URLResolver, p) for p in site if str(getattr(p, "pattern", "")) != "clinics/"),
    path("clinics/", include(clinics)),
]
