"""The drill's people, made inside the cluster's own database: `python -m tests.cluster.seed` with a node's
environment prints them as JSON (API tokens, and session keys for the members of the load in step 4).

Members sign in by e-mail with a verified address, as the test personas do; their sessions are made the way
Django's login makes them, so the load's members are real signed-in members to every node.
"""

from __future__ import annotations

import json
import os
import sys

MEMBERS_UNDER_LOAD = 4


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    from cryoview.accounts.enums import Role
    from cryoview.accounts.models import User
    from cryoview.accounts.services import token_issue, user_set_role

    def person(email: str, role: Role) -> User:
        user = User.objects.create_user(email=email)  # no password: hashing one costs a second under load
        user.display_name = email.split("@")[0].title()
        user.save(update_fields=["display_name"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user_set_role(user=user, role=role)

    def session_of(user: User) -> str:
        from django.conf import settings

        store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return str(store.session_key)

    tokens = {
        name: token_issue(user=person(f"{name}@drill.example.org", role), name="drill").secret
        for name, role in (("uploader", Role.MEMBER), ("writer", Role.MEMBER), ("moderator", Role.MODERATOR))
    }
    sessions = [session_of(person(f"reader{n}@drill.example.org", Role.MEMBER)) for n in range(MEMBERS_UNDER_LOAD)]
    json.dump({"tokens": tokens, "sessions": sessions}, sys.stdout)


if __name__ == "__main__":
    main()
