"""A malware scanner for tests and demos: it knows only the EICAR test file."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Final

from taskcore.errors import Unavailable
from taskcore.ports.scanning import ScanResult

EICAR: Final = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!H+H*"
"""The EICAR anti-virus test string: harmless, and flagged by every scanner."""

EICAR_SIGNATURE: Final = "Eicar-Test-Signature"
"""What :class:`FakeMalwareScanner` (like ClamAV) calls the EICAR test file."""


class FakeMalwareScanner:
    """Flags any file that contains the EICAR test string (also across chunk boundaries).

    Set :attr:`available` to ``False`` to play a scanner that is down: scans then raise
    :class:`~taskcore.errors.Unavailable`. :attr:`scanned` counts the files scanned.
    """

    def __init__(self, *, available: bool = True) -> None:
        self.available = available
        self.scanned = 0
        self._lock = threading.Lock()

    def scan(self, chunks: Iterable[bytes]) -> ScanResult:
        if not self.available:
            raise Unavailable("malware scanner unavailable")
        tail = b""
        found = False
        for chunk in chunks:
            window = tail + chunk
            if EICAR in window:
                found = True
                break
            tail = window[-(len(EICAR) - 1) :]
        with self._lock:
            self.scanned += 1
        return ScanResult.infected(EICAR_SIGNATURE) if found else ScanResult.clean()
