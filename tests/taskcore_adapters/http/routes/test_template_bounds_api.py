"""An administrator saving a template that exceeds the rendering bounds gets a 400 naming
the field; nothing is stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

Account = tuple[int, dict[str, str]]


@pytest.mark.parametrize(
    ("field", "source"),
    [
        ("body_template", "{% for i in range(10**9) %}x{% endfor %}"),
        ("subject_template", "{{ 'x' * 10**9 }}"),
    ],
)
def test_costly_template_is_400_on_create_and_update(
    client: TestClient, admin: Callable[..., Account], field: str, source: str
) -> None:
    """Create and update refuse the template (400 naming the field) and store nothing."""
    _, root = admin()
    payload = {
        "name": "digest",
        "subject_template": "Digest",
        "body_template": "Hello {{ user_name }}",
        "notification_type": "email",
    }
    refused = client.post(
        "/api/notification-templates", headers=root, json={**payload, field: source}
    )
    assert (400, True) == (
        refused.status_code,
        refused.json()["error"].startswith(f"{field} is too costly to render"),
    )
    created = client.post("/api/notification-templates", headers=root, json=payload)
    assert 201 == created.status_code, created.text
    url = f"/api/notification-templates/{created.json()['template']['id']}"
    updated = client.put(url, headers=root, json={field: source})
    assert 400 == updated.status_code, updated.text
    assert payload[field] == client.get(url, headers=root).json()["template"][field]
