"""The embedded default mailer: e-mails printed readably in the terminal of `make run`.

Django's console backend prints the encoded MIME message, where quoted-printable splits long lines (and so
the verification link) with "=" breaks; someone trying Cryoview locally needs a link they can click.
"""

from __future__ import annotations

from typing import Any

from django.core.mail.backends.console import EmailBackend


class ReadableConsoleBackend(EmailBackend):
    def write_message(self, message: Any) -> None:
        self.stream.write(f"To: {', '.join(message.to)}\nSubject: {message.subject}\n\n{message.body}\n")
        self.stream.write("-" * 79 + "\n")
