"""The suite cannot reach beyond loopback: a test that tries fails instead of leaking."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_non_loopback_connections_are_blocked() -> None:
    """Connecting to a non-loopback address is refused before any packet leaves."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.1)
        with (
            pytest.raises(SocketConnectBlockedError),
            pytest.warns(UserWarning, match=r"192\.0\.2\.1"),
        ):
            sock.connect(("192.0.2.1", 80))
