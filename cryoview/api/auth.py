from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from cryoview.accounts.selectors import token_find_active
from cryoview.accounts.services import token_touch


class BearerToken(HttpBearer):
    """Personal API tokens: Authorization: Bearer cv_…; revoked tokens are refused."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_find_active(secret=token.strip())
        if found is None:
            return None
        token_touch(token=found)
        request.user = found.user
        return found.user
