"""Sending mail over SMTP, with the server's answers mapped to the core's mail errors."""

from __future__ import annotations

import smtplib
import ssl
from urllib.parse import unquote, urlsplit

import attrs

from taskcore.errors import MailConfigurationError, MailRejected, MailTemporaryFailure
from taskcore.ports.mail import OutgoingMail
from taskcore_adapters.mail.message import build_message

AUTH_FAILED = 535


@attrs.frozen(kw_only=True)
class SmtpSettings:
    """Where and how to send.

    Attributes:
        host: The SMTP server.
        port: Its port (587 for STARTTLS, 465 for implicit TLS, 25 for plain).
        sender: The ``From`` address.
        starttls: Upgrade the connection with STARTTLS before anything else.
        implicit_tls: Speak TLS from the start (``smtps``).
        username / password: Log in when both are set. The password is never shown.
        timeout: Seconds each network operation may take.
    """

    host: str
    port: int = 587
    sender: str = "noreply@taskapp.com"
    starttls: bool = True
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 10.0

    @classmethod
    def from_url(
        cls, url: str, *, sender: str = "noreply@taskapp.com", timeout: float = 10.0
    ) -> SmtpSettings:
        """Settings from ``smtp://``, ``smtp+starttls://`` or ``smtps://user:pass@host:port``.

        Raises:
            ValueError: not one of those schemes, or no host (the URL is not repeated, as
                it may hold a password).
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("smtp", "smtp+starttls", "smtps"):
            raise ValueError("the mail URL must start with smtp://, smtp+starttls:// or smtps://")
        if not parts.hostname:
            raise ValueError("the mail URL has no host")
        default_port = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}[scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise ValueError("the mail URL has an invalid port") from None
        return cls(
            host=parts.hostname,
            port=port,
            sender=sender,
            starttls=scheme == "smtp+starttls",
            implicit_tls=scheme == "smtps",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
        )


def _by_code(code: int, text: str) -> Exception:
    """A reply code as the core's error: 535 configuration, other 5xx permanent, else
    temporary."""
    if code == AUTH_FAILED:
        return MailConfigurationError(f"SMTP authentication failed: {code} {text}", code=code)
    if 500 <= code < 600:
        return MailRejected(f"SMTP {code} {text}", code=code)
    return MailTemporaryFailure(f"SMTP {code} {text}", code=code)


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:500]


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; a server offering no usable mechanism is a configuration error."""
    try:
        smtp.login(username, password)
    except (smtplib.SMTPResponseException, smtplib.SMTPServerDisconnected):
        raise
    except smtplib.SMTPException as exc:
        raise MailConfigurationError(f"SMTP login impossible: {exc}") from exc


class SmtpMailer:
    """Sends each message over a fresh SMTP connection (see ``taskcore.ports.mail.Mailer``).

    Failures become the core's errors: connection refused or lost, timeouts and 4xx
    replies are temporary; 5xx replies are permanent; refused authentication (535), a
    server without STARTTLS when it is required and a certificate that does not verify are
    configuration errors. Every network operation is bounded by ``settings.timeout``.

    Args:
        settings: Server, credentials and sender.
        tls_context: The TLS context (the system's verified defaults unless given).
    """

    def __init__(
        self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        self._tls = tls_context or ssl.create_default_context()

    def __repr__(self) -> str:
        s = self.settings
        return f"SmtpMailer(host={s.host!r}, port={s.port}, user={s.username!r})"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.implicit_tls:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls)
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout)

    def send(self, mail: OutgoingMail) -> None:
        s = self.settings
        message = build_message(mail, s.sender)
        try:
            with self._connect() as smtp:
                if s.starttls and not s.implicit_tls:
                    smtp.starttls(context=self._tls)
                if s.username and s.password:
                    _login(smtp, s.username, s.password)
                smtp.send_message(message)
        except smtplib.SMTPNotSupportedError as exc:
            raise MailConfigurationError(f"SMTP server does not support this: {exc}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise MailConfigurationError(
                f"SMTP authentication failed: {exc.smtp_code} {_reply_text(exc.smtp_error)}",
                code=exc.smtp_code,
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per message: its reply decides.
            code, reply = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            raise _by_code(code, _reply_text(reply)) from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, _reply_text(exc.smtp_error)) from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailConfigurationError(f"SMTP certificate not trusted: {exc.reason}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Refused or dropped connections, timeouts, TLS hiccups: try again later.
            detail = str(exc) or type(exc).__name__
            raise MailTemporaryFailure(f"SMTP server unreachable: {detail}") from exc
