from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command

from cryoview.accounts.models import ApiToken, User
from cryoview.accounts.services import token_issue, token_revoke
from cryoview.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_custom_user_model_signs_in_by_email():
    from django.contrib.auth import get_user_model

    assert get_user_model() is User
    assert User.USERNAME_FIELD == "email"


def test_sign_up_verify_and_log_in(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "Anna@Example.org", "password1": PASSWORD, "password2": PASSWORD, "display_name": "Anna"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="anna@example.org")
    assert user.display_name == "Anna"
    # Unverified: cannot log in yet.
    client.logout()
    response = client.post("/accounts/login/", {"login": "anna@example.org", "password": PASSWORD})
    assert "/accounts/confirm-email/" in response["Location"]
    assert len(mail.outbox) >= 1
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 200  # the confirmation page asks for a POST
    response = client.post(link)
    assert response.status_code == 302
    client.logout()
    response = client.post("/accounts/login/", {"login": "anna@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_password_reset_sends_a_link(client, member):
    response = client.post("/accounts/password/reset/", {"email": member.email})
    assert response.status_code == 302
    assert any("/accounts/password/reset/key/" in m.body for m in mail.outbox)


def test_logout(client, member):
    client.force_login(member)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/account/").status_code == 302


def test_failed_logins_are_rate_limited(client, member):
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": member.email, "password": "wrong"})
        assert response.status_code == 200
        assert "not correct" in response.content.decode()
    # Now even the right password is refused for this address until the window has passed.
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_requests_are_rate_limited_per_ip(client, member):
    statuses = [
        client.post("/accounts/login/", {"login": f"x{i}@example.org", "password": "w"}).status_code for i in range(32)
    ]
    assert statuses[0] == 200
    assert statuses[-1] == 429


def test_sign_ups_are_rate_limited(client):
    statuses = [
        client.post(
            "/accounts/signup/", {"email": f"p{i}@example.org", "password1": PASSWORD, "password2": PASSWORD}
        ).status_code
        for i in range(7)
    ]
    assert statuses[0] == 302
    assert statuses[-1] == 429
    assert User.objects.count() == 5


def test_issue_token_command_prints_a_working_token(client, member, capsys):
    call_command("issue_token", member.email)
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("cv_")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["email"] == member.email
    token = ApiToken.objects.get(user=member)
    assert token.last_used_at is not None
    assert secret not in (token.digest, token.prefix)


def test_issue_token_for_unknown_email_fails():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no user with the e-mail"):
        call_command("issue_token", "ghost@example.org")


def test_revoked_token_is_refused(client, member):
    issued = token_issue(user=member, name="script")
    token_revoke(user=member, token_id=issued.token.pk)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer cv_" + "x" * 500])
def test_missing_or_bad_tokens_are_refused(client, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    assert client.get("/api/v1/me", **kwargs).status_code == 401


def test_account_page_lists_creates_and_revokes_tokens(client, member, other_member):
    theirs = token_issue(user=other_member, name="not yours")
    client.force_login(member)
    response = client.post("/account/tokens/", {"name": "upload script"})
    assert response.status_code == 302
    html = client.get("/account/").content.decode()
    secret = re.search(r'id="new-token">([^<]+)<', html).group(1)
    assert "upload script" in html
    assert "not yours" not in html
    assert 'id="new-token"' not in client.get("/account/").content.decode()  # shown once
    token = ApiToken.objects.get(user=member)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    # Someone else's token id: refused, untouched.
    client.post(f"/account/tokens/{theirs.token.pk}/revoke/")
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None


def test_token_name_is_required(client, member):
    client.force_login(member)
    client.post("/account/tokens/", {"name": "   "})
    assert ApiToken.objects.count() == 0


def test_account_page_needs_login(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
