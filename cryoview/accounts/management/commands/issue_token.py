from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cryoview.accounts.models import User
from cryoview.accounts.services import token_issue
from cryoview.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Issue a personal API token for a user and print it (shown only this once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="command line")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"no user with the e-mail {options['email']!r}")
        try:
            issued = token_issue(user=user, name=options["name"])
        except ApplicationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(issued.secret)
