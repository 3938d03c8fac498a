"""Malware scanning of uploaded files."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Protocol

import attrs


class Verdict(enum.StrEnum):
    """What a scan found."""

    CLEAN = "clean"
    INFECTED = "infected"
    UNAVAILABLE = "unavailable"
    """The scanner could not scan the file (down, timed out, refused it)."""


@attrs.frozen(kw_only=True)
class ScanResult:
    """The outcome of scanning one file."""

    verdict: Verdict
    signature: str | None = None
    """The scanner's name for what it found (infected files only)."""
    detail: str | None = None
    """Why the scan could not be done (unavailable only)."""

    @classmethod
    def clean(cls) -> ScanResult:
        """Nothing found."""
        return cls(verdict=Verdict.CLEAN)

    @classmethod
    def infected(cls, signature: str) -> ScanResult:
        """The scanner found ``signature``."""
        return cls(verdict=Verdict.INFECTED, signature=signature)

    @classmethod
    def unavailable(cls, detail: str) -> ScanResult:
        """The file could not be scanned, for the reason ``detail``."""
        return cls(verdict=Verdict.UNAVAILABLE, detail=detail)


class MalwareScanner(Protocol):
    """Scans files for malware.

    Implementations report a scanner that cannot be reached or fails by returning
    :meth:`ScanResult.unavailable` or by raising :class:`~taskcore.errors.Unavailable`;
    the core treats both alike (it fails closed).
    """

    def scan(self, chunks: Iterable[bytes]) -> ScanResult:
        """Scan the file whose bytes are ``chunks``, in order.

        Raises:
            Unavailable: the scanner could not scan the file.
        """
        ...


class NoMalwareScanner:
    """The scanner of a taskcore configured without one: every file is clean, unread."""

    def scan(self, chunks: Iterable[bytes]) -> ScanResult:
        return ScanResult.clean()
