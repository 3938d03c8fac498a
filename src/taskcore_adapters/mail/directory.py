"""The development mailer: every message becomes an ``.eml`` file in a folder."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from taskcore.errors import MailTemporaryFailure
from taskcore.ports.mail import OutgoingMail
from taskcore_adapters.mail.message import build_message

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class DirectoryMailer:
    """Writes each message to ``<folder>/<time>-<message id>.eml`` instead of sending it
    (see ``taskcore.ports.mail.Mailer``). Files appear whole: each is written under a
    temporary name, then renamed.

    Args:
        folder: Where the files go; created when needed.
        sender: The ``From`` address.
    """

    def __init__(self, folder: Path | str, *, sender: str = "noreply@taskapp.com") -> None:
        self.folder = Path(folder)
        self.sender = sender

    def send(self, mail: OutgoingMail) -> None:
        message = build_message(mail, self.sender)
        name = f"{time.time_ns()}-{_UNSAFE.sub('_', mail.message_id.strip('<>'))}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / f".{name}.tmp"
            partial.write_bytes(bytes(message))
            os.replace(partial, self.folder / f"{name}.eml")
        except OSError as exc:
            raise MailTemporaryFailure(f"Cannot write mail to {self.folder}: {exc}") from exc

    def messages(self) -> list[Path]:
        """The files written so far, oldest first."""
        return sorted(self.folder.glob("*.eml")) if self.folder.exists() else []
