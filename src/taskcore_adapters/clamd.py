"""A malware scanner that asks ClamAV's daemon, clamd, over TCP (its ``INSTREAM`` command).

The file is sent in length-prefixed pieces; clamd answers ``stream: OK`` or
``stream: <signature> FOUND``. Anything else (no connection, a timeout, an ``ERROR``
answer such as clamd's ``StreamMaxLength`` being exceeded) is reported as
:meth:`ScanResult.unavailable`, so the core fails closed (the file is quarantined).
"""

from __future__ import annotations

import socket
import struct
import urllib.parse
from collections.abc import Iterable
from typing import Final

from taskcore.ports.scanning import ScanResult

DEFAULT_PORT: Final = 3310
"""clamd's usual TCP port."""

PIECE: Final = 64 * 1024
"""The most bytes sent in one ``INSTREAM`` piece."""

MAX_REPLY: Final = 4096
"""The longest answer read from clamd."""


class ClamdScanner:
    """Scans files with clamd over TCP.

    Args:
        host: clamd's address.
        port: clamd's TCP port.
        timeout: Seconds allowed for connecting and for each send or receive.
    """

    def __init__(self, host: str, port: int = DEFAULT_PORT, *, timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0) -> ClamdScanner:
        """A scanner for ``tcp://host:port`` (the port defaults to 3310).

        Raises:
            ValueError: the URL is not ``tcp://`` with a host.
        """
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "tcp" or not parsed.hostname:
            raise ValueError("the clamd URL must look like tcp://host:3310")
        return cls(parsed.hostname, parsed.port or DEFAULT_PORT, timeout=timeout)

    def scan(self, chunks: Iterable[bytes]) -> ScanResult:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as conn:
                conn.sendall(b"zINSTREAM\0")
                for chunk in chunks:
                    for start in range(0, len(chunk), PIECE):
                        piece = chunk[start : start + PIECE]
                        conn.sendall(struct.pack("!L", len(piece)) + piece)
                conn.sendall(struct.pack("!L", 0))
                reply = _read_reply(conn)
        except OSError as exc:
            return ScanResult.unavailable(f"clamd at {self.host}:{self.port}: {exc}")
        return _result(reply)


def _read_reply(conn: socket.socket) -> str:
    data = b""
    while b"\0" not in data and len(data) < MAX_REPLY:
        received = conn.recv(MAX_REPLY)
        if not received:
            break
        data += received
    return data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def _result(reply: str) -> ScanResult:
    """The scan result clamd's answer to ``INSTREAM`` stands for."""
    answer = reply.split(":", 1)[1].strip() if reply.startswith("stream:") else reply
    if answer == "OK":
        return ScanResult.clean()
    if answer.endswith(" FOUND"):
        return ScanResult.infected(answer.removesuffix(" FOUND").strip() or "unknown")
    return ScanResult.unavailable(f"clamd answered {reply!r}" if reply else "clamd closed")
