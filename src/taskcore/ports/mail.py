"""Sending e-mail and rendering message templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import attrs


@attrs.frozen(kw_only=True)
class OutgoingMail:
    """One message, ready to send.

    Attributes:
        to: The recipient's address.
        subject: The subject line.
        text: The plain-text body.
        html: The HTML alternative, if any.
        message_id: The ``Message-ID`` header (``<...@...>``); derived from the notification,
            so sending the same notification again carries the same one and receivers can
            drop the duplicate.
    """

    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str


class Mailer(Protocol):
    """Hands a message to a mail system.

    A call that returns has handed the message over. Implementations translate their
    failures into the core's errors:

    - :class:`~taskcore.errors.MailTemporaryFailure`: connection refused or lost, timeout,
      a 4xx reply; trying again later may work;
    - :class:`~taskcore.errors.MailRejected`: a 5xx reply for the message or its
      recipient; trying again cannot help;
    - :class:`~taskcore.errors.MailConfigurationError`: the settings are wrong
      (authentication refused, 535); fix the configuration.

    Error messages never contain credentials.
    """

    def send(self, mail: OutgoingMail) -> None:
        """Send ``mail`` once."""
        ...


class TemplateRenderer(Protocol):
    """Renders notification templates, which administrators edit, safely.

    ``{{ name }}`` placeholders are replaced by the context's values; an unknown name stays
    in the text as ``{{name}}``. In HTML output every value is escaped. Implementations
    must not let a template reach anything but its context (no access to Python
    internals).
    """

    def render(self, source: str, context: Mapping[str, Any], *, html: bool) -> str:
        """Render ``source`` with ``context``; ``html`` escapes values for HTML.

        Raises:
            ValidationError: the template is malformed or fails to render.
        """
        ...

    def check(self, source: str, field: str) -> None:
        """Check that ``source`` is a well-formed template.

        Raises:
            ValidationError: it is not (``field`` names the culprit).
        """
        ...
