from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from cryoview.accounts.selectors import member_stand_in
from cryoview.core.pagecache import for_members, for_visitors
from cryoview.procedures.selectors import (
    SLUG,
    Guide,
    guide_build,
    procedure_get_for_page,
    procedure_get_published,
    procedure_list_published,
    procedure_scope,
)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "procedures/home.html", {"procedures": procedure_list_published()})


def detail(request: HttpRequest, slug: str) -> HttpResponseBase:
    if not SLUG.fullmatch(slug):
        raise Http404("No guide with this address.")
    scope = procedure_scope(slug)
    # Members: one rendering per generation with their name and tokens filled in, unless they have comments in
    # this thread (their held ones and edit links are theirs only) or more rights than a member.
    return for_visitors(
        request,
        scope,
        lambda: for_members(
            request, scope, lambda: _detail(request, slug), stand_in=member_stand_in, checks=("comments",)
        ),
    )


def _detail(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = procedure_get_for_page(slug=slug)
    if procedure is None:
        raise Http404("No guide with this address.")

    def build() -> Guide:
        full = procedure_get_published(slug=slug)
        if full is None:  # unpublished between the two queries
            raise Http404("No guide with this address.")
        return guide_build(procedure=full)

    # Built only when the template's cached fragment for this revision is missing.
    guide = SimpleLazyObject(build)
    return render(request, "procedures/detail.html", {"guide": guide, "procedure": procedure})
