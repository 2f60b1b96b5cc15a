from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from cryoview.accounts.models import User
from cryoview.accounts.selectors import token_list_for_user
from cryoview.api.auth import BearerToken

router = Router(tags=["account"], auth=BearerToken())


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class MeOut(Schema):
    email: str
    display_name: str
    role: str
    tokens: list[TokenOut]


@router.get("/me", response=MeOut, summary="The account the token belongs to")
def me(request: HttpRequest) -> MeOut:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    tokens = [
        TokenOut(
            id=t.pk,
            name=t.name,
            prefix=t.prefix,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
        )
        for t in token_list_for_user(user=user)
    ]
    return MeOut(email=user.email, display_name=user.public_name, role=user.role, tokens=tokens)
