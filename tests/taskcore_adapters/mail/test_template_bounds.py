"""The template sandbox bounds the work an administrator's template can cause: rendering
time, output size, and values built in one step (T-cases for I5)."""

from __future__ import annotations

import time

import pytest

from taskcore.errors import ValidationError
from taskcore_adapters.mail.templates import OUTPUT_MAX, RENDER_SECONDS, JinjaTemplateRenderer

COSTLY = [
    "{% for i in range(10**9) %}x{% endfor %}",
    "{{ 'x' * 10**9 }}",
    "{{ [1] * 10**9 }}",
    "{{ 'x'|center(10**9) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ 10 ** 100000 }}",
    "{% set ns = namespace(s='xx') %}{% for i in range(40) %}"
    "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
    "{% for i in range(99999) %}{{ 'abcdefghij' }}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("source", COSTLY)
@pytest.mark.parametrize("html", [False, True])
def test_costly_templates_fail_quickly_at_send_time(source: str, html: bool) -> None:
    """Each costly template fails with a ValidationError within the time bound (plus a
    margin), having produced nothing."""
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        JinjaTemplateRenderer().render(source, {}, html=html)
    assert time.monotonic() - started < RENDER_SECONDS + 1.5
    assert "template" == caught.value.field


@pytest.mark.parametrize("source", COSTLY)
def test_costly_templates_are_refused_when_saved(source: str) -> None:
    """Checking a template (on create and update) renders it once without values and
    refuses it, naming the field."""
    with pytest.raises(ValidationError) as caught:
        JinjaTemplateRenderer().check(source, "body_template")
    assert ("body_template", True) == (
        caught.value.field,
        caught.value.message.startswith("body_template is too costly to render"),
    )


def test_ordinary_templates_still_render() -> None:
    """Loops, arithmetic and filters within the bounds work as before."""
    source = (
        "Hi {{ name }}: {% for i in range(3) %}{{ i }}{% endfor %} {{ 'ab' * 2 }} "
        "{{ 2 ** 10 }} {{ title|upper }} {{ missing }}"
    )
    renderer = JinjaTemplateRenderer()
    renderer.check(source, "body_template")
    assert "Hi Bob: 012 abab 1024 LAUNCH {{missing}}" == renderer.render(
        source, {"name": "Bob", "title": "launch"}, html=False
    )


def test_output_up_to_the_bound_is_kept() -> None:
    """Exactly :data:`OUTPUT_MAX` characters still render."""
    source = "{% for i in range(%d) %}x{%% endfor %%}".replace("%d", str(OUTPUT_MAX))
    source = source.replace("%%", "%")
    assert OUTPUT_MAX == len(JinjaTemplateRenderer().render(source, {}, html=False))


def test_values_depending_on_the_context_are_checked_at_send_time() -> None:
    """A template that fails only without its values is accepted when saved."""
    source = "{{ count + 1 }}"
    renderer = JinjaTemplateRenderer()
    renderer.check(source, "body_template")
    assert "3" == renderer.render(source, {"count": 2}, html=False)
