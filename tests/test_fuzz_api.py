"""Every operation in /api/v1/openapi.json, sent generated path, query and JSON body values drawn from a hostile
alphabet (Unicode digits, lone surrogates as JSON escapes, NUL, huge numbers, impossible dates, wrong types),
as a visitor, a member and a moderator: the answer is never a 5xx. The tus endpoints (not in the document) get
hostile Upload-Length / Upload-Offset headers.

The test client re-raises a view's exception, so a 500 fails here with its traceback."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import HOSTILE_TEXT, World, hostile_json, hostile_text, query_string, quoted, world_build

pytestmark = pytest.mark.django_db
EXAMPLES = 10  # each example sends one request to every operation: ~30 requests
PERSONAS = ["visitor", "member", "moderator"]
CAPTIONS = "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nCold.\n"
# A body each operation accepts, so that a single hostile field travels past validation into the services.
VALID: dict[str, dict[str, Any]] = {
    "POST /api/v1/suitability": {
        "procedure": "facial-cryomassage",
        "conditions": ["rosacea"],
        "areas": ["face"],
        "goal": "deep-wrinkles",
        "setting": "clinic",
        "date": "2026-03-01",
    },
    "POST /api/v1/videos": {"upload_id": "0123456789abcdef"},
    # Claims and credentials: multipart (their documents are fuzzed in cryoview/clinics/tests) and decisions.
    "POST /api/v1/clinics/{slug}/claims": {"job_title": "Owner", "message": ""},
    "POST /api/v1/clinics/{slug}/practitioners/{practitioner_id}/credential-checks": {
        "licence_number": "DE-1",
        "issuing_body": "Ärztekammer Berlin",
        "country": "DE",
        "licence_expires_on": "2030-01-01",
    },
    "POST /api/v1/clinic-claims/{claim_id}/decision": {"decision": "reject", "reason": "Not on the clinic's paper"},
    "POST /api/v1/credential-checks/{check_id}/decision": {"decision": "reject", "reason": "Not in the register"},
    "POST /api/v1/clinics/{slug}/invitations": {"emails": ["patient@example.org"], "procedure": "facial-cryomassage"},
    # Proofs of treatment: the document is the only field (multipart; fuzzed in cryoview/clinics/tests).
    "POST /api/v1/reviews/{review_id}/proof": {},
    "POST /api/v1/clinics/checks/proofs/{proof_id}/decision": {"decision": "reject", "reason": "Another clinic"},
    "PUT /api/v1/videos/{video_id}/captions/{lang}": {"vtt": CAPTIONS},
    "POST /api/v1/reviews": {
        "procedure": "cryoelectrophoresis",
        "rating": 4,
        "worth_it": "worth_it",
        "title": "Cold",
        "text": "It was cold.",
        "sessions": 2,
        "cost_amount": "120.00",
        "cost_currency": "EUR",
        "month": "2026-03",
        "city": "Riga",
        "clinic": "Cold clinic",
        "side_effects": ["none"],
        "side_effect_other": "",
        "pain": 2,
        "downtime_days": 0,
        "consent": True,
    },
    "PATCH /api/v1/reviews/{review_id}": {
        "title": "Colder",
        "text": "Still cold.",
        "month": "2025-12",
        "rating": 3,
        "sessions": 3,
        "cost_amount": "99.50",
        "side_effects": ["none"],
    },
    "POST /api/v1/reviews/{review_id}/followups": {"text": "Three months on: fine.", "new_rating": 4},
    "POST /api/v1/reviews/{review_id}/reports": {"reason": "other", "part": "review", "details": "Looks paid."},
    "POST /api/v1/clinics/{slug}/reviews/{review_id}/reports": {"reason": "other", "details": "Not our patient."},
    # The right of reply: a clinic's reply, the reviewer's answer, a moderator's decision.
    "POST /api/v1/reviews/{review_id}/reply": {"body": "Thank you; please call us."},
    "PATCH /api/v1/reviews/{review_id}/reply": {"body": "Thank you; please call us today."},
    "POST /api/v1/reviews/{review_id}/reply/answer": {"body": "I will."},
    "PATCH /api/v1/reviews/{review_id}/reply/answer": {"body": "I did."},
    "POST /api/v1/clinics/checks/replies/{reply_id}/decision": {
        "decision": "reject",
        "reason": "Names a patient.",
        "seen": "0123456789abcdef",
    },
    "POST /api/v1/procedures/{slug}/comments": {"text": "Was it cold?", "name": "Ann", "email": "ann@example.org"},
    "POST /api/v1/reviews/{review_id}/comments": {"text": "Was it cold?", "name": "Ann", "email": "ann@example.org"},
    "PATCH /api/v1/comments/{comment_id}": {"text": "Edited."},
    "POST /api/v1/comments/{comment_id}/reports": {"reason": "other", "details": "Links."},
    "POST /api/v1/moderation/reviews/{review_id}/decision": {"decision": "reject", "reason": "Off topic."},
    "POST /api/v1/moderation/comments/{comment_id}/decision": {"decision": "spam", "reason": "Links."},
}
# The values that once became 500s, sent one field at a time in an otherwise valid body.
SWEEP: list[Any] = [
    "²",
    "٣",
    "\uff15",
    "\ud800",
    "a\x00b",
    "",
    "9" * 20,
    "0000-01",
    "2024-02-30",
    "99999999999999999999-01",
    "00:1e308",
    10**30,
    -1,
    1e308,
    None,
    [],
    {},
    True,
]


def _operations() -> tuple[list[tuple[str, str, dict[str, Any]]], dict[str, Any]]:
    from cryoview.api.urls import api

    document = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ], document


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        schema = _resolve(options[0], document) if options else schema
    return schema


def _plausible(schema: dict[str, Any], document: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """A value the schema allows (so some requests get past validation into the services)."""
    schema = _resolve(schema, document)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum", 0), max_value=schema.get("maximum", 5))
    if kind == "number":
        return st.sampled_from([0, 1.5, 120])
    if kind == "boolean":
        return st.booleans()
    if kind == "array" and depth < 3:
        return st.lists(_value(schema.get("items", {}), document, depth + 1), max_size=3)
    if kind == "object" and depth < 3:
        return _body(schema, document, depth + 1)
    if schema.get("format") == "uuid":
        return st.uuids().map(str)
    return st.sampled_from(["Cold but fine", "2026-03", "EUR", "en", "facial-cryomassage", "spam", "dry-skin"])


def _value(schema: dict[str, Any], document: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    return st.one_of(_plausible(schema, document, depth), hostile_json)


def _body(schema: dict[str, Any], document: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    schema = _resolve(schema, document)
    properties = schema.get("properties", {})
    if not properties:
        return st.dictionaries(hostile_text, hostile_json, max_size=3)
    return st.fixed_dictionaries(
        {}, optional={name: _value(prop, document, depth) for name, prop in properties.items()}
    )


def _mutated(valid: dict[str, Any] | None, schema: dict[str, Any], document: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A valid body with a few fields replaced by hostile values (or dropped), or a body built from the schema."""
    generated = _body(schema, document)
    if valid is None:
        return generated
    properties = sorted(_resolve(schema, document).get("properties", {}))

    def mutate(changes: dict[str, Any]) -> dict[str, Any]:
        return {**valid, **changes}

    changes = st.dictionaries(st.sampled_from(properties), hostile_json, min_size=1, max_size=2)
    return st.one_of(changes.map(mutate), generated)


def _path_value(name: str, world: World) -> st.SearchStrategy[str]:
    real: list[str] = {
        "slug": world.slugs,
        "review_id": [str(i) for i in world.review_ids],
        "comment_id": [str(i) for i in world.comment_ids],
        "video_id": world.video_ids,
        "lang": ["en"],
    }.get(name, [])
    return st.one_of(st.sampled_from(real), hostile_text) if real else hostile_text


def _headers(persona: str, world: World) -> dict[str, str]:
    token = world.tokens.get(persona)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def _send(client: Client, method: str, url: str, body: Any | None, headers: dict[str, str]) -> int:
    kwargs: dict[str, Any] = dict(headers)
    if body is not None:
        # ensure_ascii: a lone surrogate travels as the JSON escape "\ud800", as a real client would send it.
        kwargs.update(data=json.dumps(body, ensure_ascii=True), content_type="application/json")
    return client.generic(method, url, **kwargs).status_code


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_operation_answers_5xx_to_hostile_input(persona, guides, member, other_member, moderator, capsys):
    world = world_build(member=member, other_member=other_member, moderator=moderator)
    operations, document = _operations()
    client = Client(raise_request_exception=True)
    tried: dict[str, int] = {}

    @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        for method, path, operation in operations:
            url = path
            query: dict[str, str] = {}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    value = data.draw(_path_value(parameter["name"], world), label=parameter["name"])
                    url = url.replace("{" + parameter["name"] + "}", quoted(value) or "x")
                elif parameter["in"] == "query" and data.draw(st.booleans()):
                    query[parameter["name"]] = data.draw(hostile_text, label=parameter["name"])
            if query:
                url += "?" + query_string(query)
            body = None
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                body = data.draw(
                    st.one_of(_mutated(VALID.get(f"{method} {path}"), content["schema"], document), hostile_json),
                    label="body",
                )
            status = _send(client, method, url, body, _headers(persona, world))
            assert status < 500, (method, url, body, status)
            tried[f"{method} {path}"] = tried.get(f"{method} {path}", 0) + 1

    run()
    total = sum(tried.values())
    with capsys.disabled():
        print(  # noqa: T201 - the counts go into the closing note
            f"\n[fuzz api] {persona}: {total} requests over {len(tried)} operations"
        )
    assert len(tried) == len(operations) and min(tried.values()) >= EXAMPLES // 2, tried


def _path_for(path: str, world: World) -> str:
    """The row each operation can act on: the member's own for edits, one awaiting a decision for moderators."""
    own = path.startswith(("/api/v1/videos", "/api/v1/comments/{comment_id}")) or path.endswith(
        ("{review_id}", "/followups")
    )
    real = {
        "slug": "facial-cryomassage",
        "review_id": str(world.review_ids[2 if "moderation" in path else 1 if own else 0]),
        "lang": "en",
        "comment_id": str(world.comment_ids[1 if own and not path.endswith("reports") else 0]),
        "video_id": world.video_ids[1],
    }
    for name, value in real.items():
        path = path.replace("{" + name + "}", value)
    return path


@pytest.mark.parametrize("persona", ["member", "moderator"])
def test_each_field_refuses_each_hostile_value_without_5xx(persona, guides, member, other_member, moderator, capsys):
    """Deterministic: every field of every body, one at a time, set to each value that once became a 500."""
    world = world_build(member=member, other_member=other_member, moderator=moderator)
    operations, document = _operations()
    client = Client(raise_request_exception=True)
    sent = 0
    for method, path, operation in operations:
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        valid = VALID.get(f"{method} {path}")
        if content is None or valid is None:
            continue
        url = _path_for(path, world)
        properties = sorted(_resolve(content["schema"], document).get("properties", {}))
        for name in properties:
            for value in SWEEP:
                body = {**valid, name: value}
                status = _send(client, method, url, body, _headers(persona, world))
                assert status < 500, (method, url, body, status)
                sent += 1
    with capsys.disabled():
        print(  # noqa: T201 - the counts go into the closing note
            f"\n[fuzz api sweep] {persona}: {sent} requests"
        )
    assert len(VALID) == sum(1 for m, p, o in operations if o.get("requestBody")), "a body operation has no example"
    assert sent >= 60 * len(SWEEP), sent


TUS_HEADERS = ["Upload-Length", "Upload-Offset"]


@pytest.fixture
def tus_auth(member) -> dict[str, str]:
    from cryoview.accounts.services import token_issue

    return {
        "HTTP_AUTHORIZATION": f"Bearer {token_issue(user=member, name='tus').secret}",
        "HTTP_TUS_RESUMABLE": "1.0.0",
    }


@settings(max_examples=60, suppress_health_check=list(HealthCheck))
@given(value=st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20)), which=st.sampled_from(TUS_HEADERS))
def test_tus_headers_never_answer_5xx(value, which, tus_auth):
    # Lone surrogates and NUL cannot be sent as HTTP header values at all; everything else can.
    if re.search("[\x00-\x1f\x7f\ud800-\udfff]", value):
        return
    auth = tus_auth
    client = Client(raise_request_exception=True)
    header = "HTTP_" + which.upper().replace("-", "_")
    if which == "Upload-Length":
        response = client.post("/api/v1/uploads/", **auth, **{header: value})
    else:
        created = client.post("/api/v1/uploads/", **auth, HTTP_UPLOAD_LENGTH="10")
        response = client.generic(
            "PATCH",
            created["Location"],
            b"0123456789",
            content_type="application/offset+octet-stream",
            **auth,
            **{header: value},
        )
    assert response.status_code < 500, (which, value, response.status_code)
    if not re.fullmatch("[0-9]+", value, re.ASCII):
        assert response.status_code == 400 and which in response.json()["detail"]
