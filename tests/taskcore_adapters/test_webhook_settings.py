"""Webhook settings from the environment, and the sender and rules built from them."""

from __future__ import annotations

import pytest

from taskcore_adapters.bootstrap import webhook_options, webhook_sender
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.webhooks import HttpxWebhookSender


class TestWebhookSettings:
    def test_defaults_are_strict(self) -> None:
        """By default: https only, port 443, no allow-list, 8 attempts, 10 failures."""
        options = webhook_options(Settings.from_env({}))
        assert (False, frozenset({443}), frozenset(), 8, 10) == (
            options.policy.allow_http,
            options.policy.ports,
            options.policy.allow_hosts,
            options.max_attempts,
            options.disable_after,
        )

    def test_values_are_read(self) -> None:
        """Every variable reaches the rules and the sender."""
        settings = Settings.from_env(
            {
                "TASKCORE_WEBHOOK_ALLOW_HTTP": "true",
                "TASKCORE_WEBHOOK_PORTS": "8443, 9000",
                "TASKCORE_WEBHOOK_ALLOW_HOSTS": "127.0.0.1:8080,[::1]:81",
                "TASKCORE_WEBHOOK_MAX_ATTEMPTS": "3",
                "TASKCORE_WEBHOOK_DISABLE_AFTER": "4",
                "TASKCORE_WEBHOOK_TIMEOUT_SECONDS": "5",
            }
        )
        options = webhook_options(settings)
        assert (frozenset({80, 443, 8443, 9000}), frozenset({"127.0.0.1:8080", "[::1]:81"})) == (
            options.policy.ports,
            options.policy.allow_hosts,
        )
        assert (3, 4) == (options.max_attempts, options.disable_after)
        sender = webhook_sender(settings)
        assert isinstance(sender, HttpxWebhookSender)
        assert options.policy == sender.policy

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("TASKCORE_WEBHOOK_ALLOW_HTTP", "maybe"),
            ("TASKCORE_WEBHOOK_PORTS", "https"),
            ("TASKCORE_WEBHOOK_PORTS", "70000"),
            ("TASKCORE_WEBHOOK_ALLOW_HOSTS", "127.0.0.1"),
            ("TASKCORE_WEBHOOK_MAX_ATTEMPTS", "0"),
        ],
    )
    def test_malformed_values_name_the_variable(self, name: str, value: str) -> None:
        """A malformed value is refused with the variable's name."""
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})
