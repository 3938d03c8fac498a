"""Fixtures of the integration tests, and a small TCP fault proxy for the fault tests: put
it between the app and a server, then refuse, black-hole or cut connections on demand
(toxiproxy is not available here)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest


class FaultProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target`` until told to misbehave.

    Modes: ``pass`` (forward), ``refuse`` (new connections are closed at once, as if the
    server were down), ``blackhole`` (connections are accepted and never answered).
    :meth:`cut` drops every open connection.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "pass"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open.update(socks)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "refuse":
                client.close()
                continue
            self._track(client)
            if self.mode == "blackhole":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self._track(upstream)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every open connection, as a network failure would."""
        with self._lock:
            socks, self._open = list(self._open), set()
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def refuse(self) -> None:
        """Behave like a server that is down: drop open connections, refuse new ones."""
        self.mode = "refuse"
        self.cut()

    def blackhole(self) -> None:
        """Accept connections and never answer (a hung server or a lost route)."""
        self.mode = "blackhole"
        self.cut()

    def heal(self) -> None:
        """Forward again."""
        self.mode = "pass"

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self.cut()
        self._thread.join(timeout=2)


@pytest.fixture
def fault_proxy() -> Iterator[Callable[[tuple[str, int]], FaultProxy]]:
    """Start fault proxies in front of servers; all are closed after the test."""
    proxies: list[FaultProxy] = []

    def start(target: tuple[str, int]) -> FaultProxy:
        proxy = FaultProxy(target)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()
