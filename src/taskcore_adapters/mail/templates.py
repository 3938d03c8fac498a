"""Notification templates rendered by jinja2 in a sandbox, escaping values in HTML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment

from taskcore.errors import ValidationError


class _KeptPlaceholder(Undefined):
    """An unknown ``{{ name }}`` renders as ``{{name}}``, as the original left it."""

    __slots__ = ()

    def __str__(self) -> str:
        return "{{" + str(self._undefined_name) + "}}" if self._undefined_name else ""


class JinjaTemplateRenderer:
    """Renders administrators' templates with jinja2's ``SandboxedEnvironment`` (see
    ``taskcore.ports.mail.TemplateRenderer``).

    HTML bodies are rendered with autoescaping, so a task title such as
    ``<script>`` arrives as text; subjects and plain-text bodies are not escaped. The
    sandbox refuses access to Python internals (``__class__``, ``mro``, ...). The
    original's ``{{key}}`` placeholders are valid jinja and keep working.
    """

    def __init__(self) -> None:
        self._html = SandboxedEnvironment(autoescape=True, undefined=_KeptPlaceholder)
        self._text = SandboxedEnvironment(autoescape=False, undefined=_KeptPlaceholder)

    def render(self, source: str, context: Mapping[str, Any], *, html: bool) -> str:
        env = self._html if html else self._text
        try:
            return env.from_string(source).render(dict(context))
        except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
            raise ValidationError(f"Failed to render template: {exc}", field="template") from exc

    def check(self, source: str, field: str) -> None:
        try:
            self._text.parse(source)
        except TemplateError as exc:
            raise ValidationError(f"{field} is not a valid template: {exc}", field=field) from exc
