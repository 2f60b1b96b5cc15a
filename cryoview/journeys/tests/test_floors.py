"""The journeys that span apps keep their addresses and names after moving to the top floor."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.urls import reverse

from cryoview.accounts.models import User
from cryoview.journeys.admin import UserAdminDeletingAccounts

pytestmark = pytest.mark.django_db


def test_account_export_and_delete_keep_their_addresses_and_names():
    assert reverse("accounts:export") == "/account/export/"
    assert reverse("accounts:delete") == "/account/delete/"
    assert reverse("accounts:profile") == "/account/"


def test_export_downloads_the_members_data(client, member):
    client.force_login(member)
    response = client.get("/account/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="cryoview-export-')
    assert json.loads(response.content)["account"]["email"] == member.email


def test_delete_page_asks_for_the_password_and_a_wrong_one_deletes_nothing(client, member):
    client.force_login(member)
    assert client.get("/account/delete/").status_code == 200
    response = client.post("/account/delete/", {"password": "not the password"})
    assert response.status_code == 422
    assert User.objects.filter(pk=member.pk).exists()


def test_the_user_admin_deletes_accounts_through_the_journey():
    assert isinstance(admin.site._registry[User], UserAdminDeletingAccounts)
