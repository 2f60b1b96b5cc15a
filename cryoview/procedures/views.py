from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cryoview.procedures.selectors import guide_build, procedure_get_published, procedure_list_published


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "procedures/home.html", {"procedures": procedure_list_published()})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = procedure_get_published(slug=slug)
    if procedure is None:
        raise Http404("No guide with this address.")
    guide = guide_build(procedure=procedure)
    return render(request, "procedures/detail.html", {"guide": guide, "procedure": procedure})
