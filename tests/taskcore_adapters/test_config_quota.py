"""The ``TASKCORE_USER_QUOTA_BYTES`` setting."""

from __future__ import annotations

import pytest

from taskcore_adapters.config import ConfigError, Settings


class TestUserQuotaSetting:
    def test_default_is_one_gibibyte(self) -> None:
        """Unset or empty, each user may store 1 GiB."""
        assert [2**30, 2**30] == [
            Settings.from_env({}).user_quota_bytes,
            Settings.from_env({"TASKCORE_USER_QUOTA_BYTES": " "}).user_quota_bytes,
        ]

    def test_value_and_zero(self) -> None:
        """A whole number is the quota in bytes; 0 means no limit."""
        assert [5000, 0] == [
            Settings.from_env({"TASKCORE_USER_QUOTA_BYTES": "5000"}).user_quota_bytes,
            Settings.from_env({"TASKCORE_USER_QUOTA_BYTES": "0"}).user_quota_bytes,
        ]

    @pytest.mark.parametrize("value", ["-1", "1GB", "1.5"])
    def test_malformed_is_refused(self, value: str) -> None:
        """A negative or non-integer value is a ConfigError naming the variable."""
        with pytest.raises(ConfigError, match="TASKCORE_USER_QUOTA_BYTES"):
            Settings.from_env({"TASKCORE_USER_QUOTA_BYTES": value})
