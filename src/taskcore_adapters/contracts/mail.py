"""The Mailer contract suite: a message handed to a mailer arrives once, whole, and its
failures come back as taskcore's mail errors.

Subclass :class:`MailerContract` and give it three fixtures:

- ``mailer``: the :class:`~taskcore.ports.mail.Mailer` under test;
- ``delivered``: a callable returning what the backing system received so far, oldest
  first, as :class:`Delivered` messages (build them with :meth:`Delivered.parse` from the
  raw bytes a server received, or :meth:`Delivered.of` for a mailer that keeps
  :class:`~taskcore.ports.mail.OutgoingMail` objects);
- ``refusing``: a callable taking a :data:`Failure` and returning a context manager
  during which the backing system refuses every message that way (call ``pytest.skip``
  for a failure it cannot produce).

taskcore's own mailers pass it: SMTP against a real ``aiosmtpd`` server on loopback, the
``.eml`` directory mailer and the recording mailer.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from email.message import EmailMessage
from typing import Any, Literal, cast

import attrs
import pytest

from taskcore import errors
from taskcore.ports.mail import Mailer, OutgoingMail

__all__ = ["Delivered", "Failure", "MailerContract", "Received", "Refusing"]

Failure = Literal["temporary", "rejected", "configuration"]
"""How the backing system refuses: ``temporary`` (unreachable, a 4xx reply),
``rejected`` (a 5xx reply for the message or its recipient), ``configuration`` (the
mailer's credentials are refused)."""

Refusing = Callable[[Failure], AbstractContextManager[None]]
"""The type of the ``refusing`` fixture."""


@attrs.frozen
class Delivered:
    """One message as the backing system received it.

    Attributes:
        recipients: The addresses it was delivered to (the SMTP envelope's ``RCPT TO``).
        message: The MIME message, parsed with :data:`email.policy.default`.
    """

    recipients: tuple[str, ...]
    message: EmailMessage

    @classmethod
    def parse(cls, raw: bytes, recipients: Iterable[str]) -> Delivered:
        """The message a server received as ``raw`` bytes, for ``recipients``."""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        return cls(tuple(recipients), parsed)

    @classmethod
    def of(cls, mail: OutgoingMail, sender: str = "noreply@example.com") -> Delivered:
        """What a mailer that keeps :class:`OutgoingMail` objects would have sent: the
        message taskcore's mailers build, through bytes and back."""
        from taskcore_adapters.mail.message import build_message

        recipients = [address for _, address in email.utils.getaddresses([mail.to])]
        return cls.parse(bytes(build_message(mail, sender)), recipients)


Received = Callable[[], list[Delivered]]
"""The type of the ``delivered`` fixture."""


def _text(part: EmailMessage) -> str:
    """A text part's content, line endings and the final line break normalised."""
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n").rstrip("\n")


def mail(**changes: Any) -> OutgoingMail:
    """A message with text and HTML to ``ada@example.com``, with ``changes``."""
    base = OutgoingMail(
        to="ada@example.com",
        subject="Task assigned: Fix the login page",
        text="Hello Ada,\n\nYou were assigned a task.",
        html="<p>Hello Ada,</p><p>You were assigned a task.</p>",
        message_id="<notification-7@taskcore.example>",
    )
    return attrs.evolve(base, **changes)


class _Delivery:
    def test_a_message_is_delivered_once_whole(self, mailer: Mailer, delivered: Received) -> None:
        """One send is one message to its recipient, with the headers taskcore relies on
        (``To``, ``Subject``, ``Message-ID`` as given, a ``From`` and a ``Date``) and a
        ``multipart/alternative`` body: the text part, then the HTML part."""
        sent = mail()
        mailer.send(sent)
        (received,) = delivered()
        message = received.message
        assert (["ada@example.com"], "ada@example.com", sent.subject, sent.message_id) == (
            list(received.recipients),
            message["To"],
            message["Subject"],
            message["Message-ID"],
        )
        assert message["From"]
        assert email.utils.parsedate_to_datetime(message["Date"]) is not None
        assert message.get_content_type() == "multipart/alternative"
        parts = list(message.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        assert [sent.text, sent.html] == [_text(cast("EmailMessage", p)) for p in parts]

    def test_text_only_message_is_a_single_part(self, mailer: Mailer, delivered: Received) -> None:
        """A message without HTML arrives as one ``text/plain`` part."""
        sent = mail(html=None)
        mailer.send(sent)
        (received,) = delivered()
        assert ("text/plain", sent.text) == (
            received.message.get_content_type(),
            _text(received.message),
        )

    def test_each_send_is_delivered(self, mailer: Mailer, delivered: Received) -> None:
        """Messages arrive in the order sent; sending the same message again delivers it
        again with the same ``Message-ID`` (receivers drop the duplicate)."""
        first, second = mail(), mail(to="bob@example.com", message_id="<n-8@taskcore.example>")
        for sent in (first, second, first):
            mailer.send(sent)
        assert [
            (("ada@example.com",), first.message_id),
            (("bob@example.com",), second.message_id),
            (("ada@example.com",), first.message_id),
        ] == [(d.recipients, d.message["Message-ID"]) for d in delivered()]

    def test_non_ascii_subject_names_and_bodies(self, mailer: Mailer, delivered: Received) -> None:
        """Subjects, recipient names and bodies outside ASCII arrive unchanged."""
        sent = mail(
            to='"Zoë Ångström" <zoe@example.com>',
            subject="Tâche assignée : « Réparer » — 修复登录 🚀",
            text="Bonjour Zoë,\nÇa avance ? 你好",
            html="<p>Bonjour Zoë, ça avance ? 你好 🚀</p>",
        )
        mailer.send(sent)
        (received,) = delivered()
        message = received.message
        assert (("zoe@example.com",), sent.subject) == (received.recipients, message["Subject"])
        assert email.utils.parseaddr(str(message["To"])) == ("Zoë Ångström", "zoe@example.com")
        parts = [cast("EmailMessage", p) for p in message.iter_parts()]
        assert [sent.text, sent.html] == [_text(p) for p in parts]

    def test_a_line_break_in_a_header_is_rejected(
        self, mailer: Mailer, delivered: Received
    ) -> None:
        """A subject or recipient holding a line break (header injection) is refused
        with :class:`~taskcore.errors.MailRejected`, and nothing is delivered."""
        for bad in (mail(subject="Hi\nBcc: eve@example.com"), mail(to="a@example.com\r\nX: y")):
            with pytest.raises(errors.MailRejected):
                mailer.send(bad)
        assert delivered() == []


class _Failures:
    @pytest.mark.parametrize(
        ("failure", "error"),
        [
            ("temporary", errors.MailTemporaryFailure),
            ("rejected", errors.MailRejected),
            ("configuration", errors.MailConfigurationError),
        ],
    )
    def test_refusals_are_taskcores_mail_errors(
        self,
        mailer: Mailer,
        delivered: Received,
        refusing: Refusing,
        failure: Failure,
        error: type[errors.TaskcoreError],
    ) -> None:
        """Each refusal raises its error (temporary and configuration ones are
        :class:`~taskcore.errors.Unavailable`, rejections
        :class:`~taskcore.errors.ValidationError`), nothing is delivered, and the mailer
        sends again once the backing system accepts."""
        with refusing(failure), pytest.raises(error) as caught:
            mailer.send(mail())
        family = errors.ValidationError if failure == "rejected" else errors.Unavailable
        assert isinstance(caught.value, family)
        assert caught.value.message
        assert delivered() == []
        mailer.send(mail())
        assert len(delivered()) == 1


class MailerContract(_Delivery, _Failures):
    """Every check of the :class:`~taskcore.ports.mail.Mailer` contract.

    Subclass it (under a name starting with ``Test``) and override :meth:`mailer`,
    :meth:`delivered` and :meth:`refusing`.
    """

    @pytest.fixture
    def mailer(self) -> Mailer:
        """The mailer under test, sending to an empty backing system; override it."""
        raise NotImplementedError("override the `mailer` fixture")

    @pytest.fixture
    def delivered(self) -> Received:
        """What the backing system received, oldest first; override it."""
        raise NotImplementedError("override the `delivered` fixture")

    @pytest.fixture
    def refusing(self) -> Refusing:
        """Make the backing system refuse messages for a while; override it."""
        raise NotImplementedError("override the `refusing` fixture")
