"""Every page in the URL configuration (but the admin and the JSON API, which has its own fuzzer), as a visitor,
a member and a moderator: path parameters filled with real ids and slugs and with hostile values, GET with
hostile query strings (every parameter the views read), and every form on the page POSTed back with its own
field names filled with hostile values. Never a 5xx; a POST that is refused leaves no new rows.

The test client re-raises a view's exception, so a 500 fails here with its traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import HOSTILE_TEXT, World, hostile_text, query_string, quoted, world_build

pytestmark = pytest.mark.django_db
EXAMPLES = 4  # each example visits every page once and posts every form it finds once
# The values that once became 500s. The deterministic sweep sends each in every query parameter of every page,
# and in every field of every form at once (a Django form checks every field, so each field's parser sees it);
# ONE_AT_A_TIME go into one field at a time, the others as the page offered them, to reach the services.
SWEEP = ["²", "\uff15", "9" * 20, "a\x00b", "\ud800", "2024-02-30", "0000-01", "99999999999999999999-01"]
SWEEP += ["00:1e308", str(10**30), "-1", ""]
ONE_AT_A_TIME = ["²", "99999999999999999999-01"]
# Every query parameter a view or template reads (grep request.GET), and the usual suspects.
QUERY_PARAMETERS = ["page", "cursor", "replytocom", "comments_after", "sort", "rating", "video", "has_video"]
QUERY_PARAMETERS += ["procedure", "next", "q", "limit"]
# /healthz answers 503 by design when no worker is alive (none is, in these tests); it reads no input.
SKIPPED_PREFIXES = ("admin/", "api/v1/", "healthz")
# Posting these would end the persona's session or account for the rest of the run; they are covered by
# their own tests. Their pages are still fetched.
NO_POST = ("/accounts/logout/", "/account/delete/")
PATH_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _patterns(patterns: list[Any] | None = None, prefix: str = "") -> list[str]:
    found: list[str] = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES) or "(?P" in route or "^" in route:
            continue
        if isinstance(pattern, URLResolver):
            found += _patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return sorted(set(found))


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values the page offers


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(attributes.get("action", ""), attributes.get("method", "get").lower()))
        elif tag in ("input", "textarea", "select", "option", "button") and self.forms:
            fields = self.forms[-1].fields
            if tag == "option":
                if fields:
                    list(fields.values())[-1].append(attributes.get("value", ""))
                return
            name = attributes.get("name")
            if name:
                fields.setdefault(name, []).append(attributes.get("value", ""))


def _forms(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return [form for form in parser.forms if form.method == "post"]


def _real_values(world: World, name: str, converter: str | None) -> list[str]:
    return {
        "slug": world.slugs[:2],
        "review_id": [str(i) for i in world.review_ids],
        "comment_id": [str(i) for i in world.comment_ids],
        "video_id": world.video_ids,
        "name": ["360.mp4", "poster.jpg", "captions.en.vtt"],
        "token_id": ["1"],
        "check_id": ["1"],
        "followup_id": ["1"],
    }.get(name, ["x"])


def _hostile_path_values(converter: str | None) -> list[str]:
    if converter == "int":
        return ["0", str(10**30), "99999999"]
    if converter == "uuid":
        return ["00000000-0000-0000-0000-000000000000"]
    if converter == "slug":
        return ["no-such-guide", "a" * 300]
    return [v for v in HOSTILE_TEXT if v and "/" not in v]


def _url(route: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        return quoted(values[match.group(2)])

    return "/" + PATH_CONVERTER.sub(fill, route)


def _row_counts() -> dict[str, int]:
    from cryoview.accounts.models import ApiToken, User
    from cryoview.comments.models import Comment
    from cryoview.moderation.models import Report
    from cryoview.reviews.models import FollowUp, Review
    from cryoview.suitability.models import SavedCheck
    from cryoview.videos.models import Upload, Video

    models = [User, ApiToken, Comment, Report, Review, FollowUp, SavedCheck, Upload, Video]
    return {model.__name__: model.objects.count() for model in models}


@dataclass
class Tally:
    gets: int = 0
    posts: int = 0
    refused_posts: int = 0
    routes: set[str] = field(default_factory=set)


def _post(client: Client, url: str, form: Form, data: st.DataObject, tally: Tally) -> None:
    values: dict[str, str] = {}
    for name, offered in form.fields.items():
        real = [v for v in offered if v]
        choice = st.sampled_from(real) if real else hostile_text
        values[name] = data.draw(st.one_of(choice, hostile_text), label=name)
    _post_values(client, url, form, values, tally)


def _post_values(client: Client, url: str, form: Form, values: dict[str, str], tally: Tally) -> None:
    action = form.action or url
    if urlsplit(action).netloc or action.startswith(NO_POST) or not action.startswith("/"):
        return
    values.pop("csrfmiddlewaretoken", None)  # this client does not check CSRF (the CSRF tests do)
    body = query_string(values)
    before = _row_counts()
    response = client.generic("POST", action, body, content_type="application/x-www-form-urlencoded")
    tally.posts += 1
    assert response.status_code < 500, (action, values, response.status_code)
    if 400 <= response.status_code < 500 or (response.status_code == 200 and b"errorlist" in response.content):
        tally.refused_posts += 1
        assert _row_counts() == before, (action, values, response.status_code)


def _fuzz_pages(persona: str, user: Any, world: World, capsys: Any) -> Tally:
    routes = _patterns()
    client = Client(raise_request_exception=True)
    tally = Tally()

    @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        client.cookies.clear()
        if user is not None:
            client.force_login(user)
        if data.draw(st.booleans(), label="commenter cookie"):
            client.cookies["cryoview_commenter"] = (
                data.draw(hostile_text, label="cookie").encode("utf-8", "surrogatepass").decode("latin-1")
            )
        for route in routes:
            values: dict[str, str] = {}
            hostile_path = data.draw(st.integers(0, 3), label="hostile path") == 0
            for converter, name in PATH_CONVERTER.findall(route):
                options = _hostile_path_values(converter or None) if hostile_path else _real_values(world, name, None)
                values[name] = data.draw(st.sampled_from(options), label=name)
            url = _url(route, values)
            query = {
                name: data.draw(hostile_text, label=name)
                for name in QUERY_PARAMETERS
                if data.draw(st.integers(0, 2), label=f"send {name}") == 0
            }
            response = client.get(url + ("?" + query_string(query) if query else ""))
            tally.gets += 1
            assert response.status_code < 500, (url, query, response.status_code)
            page = client.get(url) if query else response
            if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
                tally.routes.add(route)
                for form in _forms(page.content.decode()):
                    _post(client, url, form, data, tally)
                    if user is not None:
                        client.force_login(user)

    run()
    with capsys.disabled():
        print(  # noqa: T201 - the counts go into the closing note
            f"\n[fuzz pages] {persona}: {tally.gets} GETs, {tally.posts} form POSTs ({tally.refused_posts} refused),"
            f" {len(tally.routes)} of {len(routes)} routes rendered a page"
        )
    return tally


def _sweep(client: Client, user: Any, world: World, tally: Tally) -> None:
    """Deterministic: each SWEEP value in every query parameter of every page, then in every form on it."""
    seen_forms: set[tuple[str, tuple[str, ...]]] = set()
    for route in _patterns():
        values = {name: _real_values(world, name, None)[0] for _, name in PATH_CONVERTER.findall(route)}
        url = _url(route, values)
        for value in SWEEP:
            response = client.get(url + "?" + query_string(dict.fromkeys(QUERY_PARAMETERS, value)))
            tally.gets += 1
            assert response.status_code < 500, (url, value, response.status_code)
        page = client.get(url)
        if page.status_code != 200 or not page.get("Content-Type", "").startswith("text/html"):
            continue
        for form in _forms(page.content.decode()):
            # The same form for another item (a decision per queued review) is the same code: sweep it once.
            key = (re.sub(r"[0-9]+", "N", form.action or url), tuple(sorted(form.fields)))
            if key in seen_forms:
                continue
            seen_forms.add(key)
            offered = _offered(form)
            attempts = [dict.fromkeys(offered, value) for value in SWEEP]
            attempts += [{**offered, name: value} for name in offered for value in ONE_AT_A_TIME]
            for values in attempts:
                _post_values(client, url, form, values, tally)
                if user is not None:
                    client.force_login(user)


def _offered(form: Form) -> dict[str, str]:
    return {name: next((v for v in offered if v), "") for name, offered in form.fields.items()}


@pytest.mark.parametrize("persona", ["visitor", "member", "moderator"])
def test_no_page_answers_5xx_to_hostile_input(persona, guides, member, other_member, moderator, capsys):
    world = world_build(member=member, other_member=other_member, moderator=moderator)
    user = {"visitor": None, "member": member, "moderator": moderator}[persona]
    tally = _fuzz_pages(persona, user, world, capsys)
    routes = len(_patterns())
    assert tally.gets >= EXAMPLES * routes and tally.posts >= EXAMPLES * 3, tally
    assert tally.refused_posts > 0, tally


@pytest.mark.parametrize("persona", ["visitor", "member", "moderator"])
def test_every_parameter_and_field_refuses_each_hostile_value(persona, guides, member, other_member, moderator, capsys):
    world = world_build(member=member, other_member=other_member, moderator=moderator)
    user = {"visitor": None, "member": member, "moderator": moderator}[persona]
    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(user)
    tally = Tally()
    _sweep(client, user, world, tally)
    with capsys.disabled():
        print(  # noqa: T201 - the counts go into the closing note
            f"\n[fuzz pages sweep] {persona}: {tally.gets} GETs,"
            f" {tally.posts} form POSTs ({tally.refused_posts} refused)"
        )
    assert tally.gets >= len(SWEEP) * len(_patterns()) and tally.posts >= len(SWEEP) * 3, tally
