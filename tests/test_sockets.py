"""The suite cannot reach beyond loopback: a test that tries fails instead of leaking."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_non_loopback_connections_are_blocked() -> None:
    """Connecting to a non-loopback address is refused before any packet leaves."""
    with (
        pytest.raises(SocketConnectBlockedError),
        pytest.warns(UserWarning, match=r"192\.0\.2\.1"),
    ):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
