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
    temporary name, then renamed. The folder is created with mode 0700 and the files
    with mode 0600, whatever the process umask.

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
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self.folder.mkdir(mode=0o700, exist_ok=True)
            partial = self.folder / f".{name}.tmp"
            # 0600 whatever the umask: messages hold people's addresses and task text.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(bytes(message))
            os.replace(partial, self.folder / f"{name}.eml")
        except OSError as exc:
            raise MailTemporaryFailure(f"Cannot write mail to {self.folder}: {exc}") from exc

    def messages(self) -> list[Path]:
        """The files written so far, oldest first."""
        return sorted(self.folder.glob("*.eml")) if self.folder.exists() else []
