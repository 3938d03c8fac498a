"""Outgoing mail as MIME messages."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

from taskcore.errors import MailRejected
from taskcore.ports.mail import OutgoingMail


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The MIME message for ``mail``: plain text, or ``multipart/alternative`` with a text
    and an HTML part when there is HTML.

    Raises:
        MailRejected: a header value cannot be encoded (e.g. a line break in the subject).
    """
    message = EmailMessage()
    try:
        message["From"] = sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = mail.message_id
        message["Date"] = email.utils.formatdate(usegmt=True)
    except ValueError as exc:
        raise MailRejected(f"Invalid message header: {exc}") from exc
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message
