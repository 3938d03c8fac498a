"""Notification templates rendered by jinja2 in a sandbox, escaping values in HTML.

Templates are written by administrators, so the sandbox bounds the work a template can
cause as well as what it can reach: rendering stops with an error once it has taken
:data:`RENDER_SECONDS` or produced :data:`OUTPUT_MAX` characters, and the operations that
build large values in one step (``*``, ``+`` and ``**`` on text, lists and integers; a
method or filter asked for more than :data:`OUTPUT_MAX` of something, as in
``'x'|center(10**9)``) are refused before they run.
"""

from __future__ import annotations

import contextvars
import functools
import operator
import time
from collections.abc import Callable, Mapping, Sized
from typing import Any, Final

from jinja2 import TemplateError, Undefined
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from taskcore.errors import ValidationError

OUTPUT_MAX: Final = 100_000
"""The most characters one rendered subject or body may have."""

RENDER_SECONDS: Final = 1.0
"""The most time one rendering may take."""

EXPONENT_MAX: Final = 256
"""The largest integer exponent of ``**`` (``10**256`` has 257 digits)."""

_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("template_deadline")


class TemplateTooCostly(TemplateError):
    """A template exceeded the rendering bounds (time, output or the size of a value)."""


class _KeptPlaceholder(Undefined):
    """An unknown ``{{ name }}`` renders as ``{{name}}``, as the original left it."""

    __slots__ = ()

    def __str__(self) -> str:
        return "{{" + str(self._undefined_name) + "}}" if self._undefined_name else ""


def _check_time() -> None:
    deadline = _deadline.get(None)
    if deadline is not None and time.monotonic() > deadline:
        raise TemplateTooCostly(f"the template took more than {RENDER_SECONDS:g} s to render")


def _check_sizes(values: Any) -> None:
    """Refuse a numeric argument that asks for more than :data:`OUTPUT_MAX` of anything."""
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool) and value > OUTPUT_MAX:
            raise TemplateTooCostly(f"a number above {OUTPUT_MAX} cannot size a value")


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple | Sized) else None


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that checks the deadline and refuses oversized numeric arguments (its
    ``pass_*`` marker is kept by ``functools.wraps``)."""

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_time()
        _check_sizes(args[1:])
        _check_sizes(kwargs.values())
        return function(*args, **kwargs)

    return bounded


class BoundedSandbox(SandboxedEnvironment):
    """jinja2's sandbox with bounded work: a deadline checked at every call, attribute
    access, operator and filter, and the value-building operators refused when their
    result would be larger than :data:`OUTPUT_MAX`. ``lipsum`` (text of any length) is
    not offered."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum", None)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def call_binop(self, context: Context, operator_name: str, left: Any, right: Any) -> Any:
        _check_time()
        if operator_name == "*":
            for sized, count in ((left, right), (right, left)):
                length = _length(sized)
                if length is not None and isinstance(count, int) and length * count > OUTPUT_MAX:
                    raise TemplateTooCostly(f"a value longer than {OUTPUT_MAX} was asked for")
            both_int = isinstance(left, int) and isinstance(right, int)
            if both_int and abs(left).bit_length() + abs(right).bit_length() > 4 * EXPONENT_MAX:
                raise TemplateTooCostly("an integer too large was asked for")
            return operator.mul(left, right)
        if operator_name == "+":
            lengths = (_length(left), _length(right))
            if None not in lengths and sum(n or 0 for n in lengths) > OUTPUT_MAX:
                raise TemplateTooCostly(f"a value longer than {OUTPUT_MAX} was asked for")
            return operator.add(left, right)
        if isinstance(right, int) and abs(right) > EXPONENT_MAX and abs(left) > 1:
            raise TemplateTooCostly(f"exponents above {EXPONENT_MAX} are not allowed")
        return operator.pow(left, right)

    def call(
        __self,
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _check_time()
        _check_sizes(args)
        _check_sizes(kwargs.values())
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _check_time()
        return super().getitem(obj, argument)


class JinjaTemplateRenderer:
    """Renders administrators' templates with a bounded jinja2 sandbox (see
    ``taskcore.ports.mail.TemplateRenderer`` and :class:`BoundedSandbox`).

    HTML bodies are rendered with autoescaping, so a task title such as
    ``<script>`` arrives as text; subjects and plain-text bodies are not escaped. The
    sandbox refuses access to Python internals (``__class__``, ``mro``, ...). The
    original's ``{{key}}`` placeholders are valid jinja and keep working. Rendering is
    streamed and stops at :data:`OUTPUT_MAX` characters or after :data:`RENDER_SECONDS`.
    """

    def __init__(self) -> None:
        self._html = BoundedSandbox(autoescape=True, undefined=_KeptPlaceholder)
        self._text = BoundedSandbox(autoescape=False, undefined=_KeptPlaceholder)

    def render(self, source: str, context: Mapping[str, Any], *, html: bool) -> str:
        try:
            return self._bounded_render(source, context, html=html)
        except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
            raise ValidationError(f"Failed to render template: {exc}", field="template") from exc

    def check(self, source: str, field: str) -> None:
        """Check the syntax, then render once without values: a template whose own text
        exceeds the bounds (a huge loop, a huge value) is refused when it is saved."""
        try:
            self._text.parse(source)
        except TemplateError as exc:
            raise ValidationError(f"{field} is not a valid template: {exc}", field=field) from exc
        try:
            self._bounded_render(source, {}, html=False)
        except TemplateTooCostly as exc:
            raise ValidationError(f"{field} is too costly to render: {exc}", field=field) from exc
        except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError):
            pass  # depends on the values of a real notification; checked when it is sent

    def _bounded_render(self, source: str, context: Mapping[str, Any], *, html: bool) -> str:
        env = self._html if html else self._text
        token = _deadline.set(time.monotonic() + RENDER_SECONDS)
        try:
            parts: list[str] = []
            size = 0
            for chunk in env.from_string(source).generate(dict(context)):
                size += len(chunk)
                if size > OUTPUT_MAX:
                    raise TemplateTooCostly(f"the output is longer than {OUTPUT_MAX} characters")
                _check_time()
                parts.append(chunk)
            return "".join(parts)
        finally:
            _deadline.reset(token)
