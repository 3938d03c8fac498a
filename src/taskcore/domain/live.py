"""Live updates: committed events and in-app notifications as numbered feeds, the cursor a
subscriber resumes from, and who may see which event.

Both feeds are numbered by the database (the outbox's row id, the notification's id). On
PostgreSQL two transactions may commit their numbers out of order, and a rolled-back
insert leaves a number unused, so a reader cannot assume that every number below the
highest it has seen is already there. A :class:`Cursor` therefore holds a *watermark*
(every position at or below it is delivered or given up) and the positions above it
already delivered; a gap below the highest delivered position is waited for until
:data:`GAP_WAIT_SECONDS` have passed (far longer than any statement may run), then given up.
The cursor's text form is what a stream sends as each event's id, so ``Last-Event-ID``
resumes exactly where the subscriber stopped, on any server process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

import attrs

from taskcore.domain.event_base import DomainEvent
from taskcore.domain.projects import Role
from taskcore.errors import ValidationError

GAP_WAIT_SECONDS: Final = 10.0
"""How long a missing position below the highest seen one is waited for."""

MAX_CURSOR_TEXT: Final = 400
"""The longest cursor text accepted (a watermark and a few positions above it)."""

MAX_SEEN: Final = 32
"""The most positions above the watermark a cursor keeps; beyond, the lowest gap is
given up (the watermark moves past it) so the text stays short."""

HIDDEN_EVENTS: Final = frozenset({"attachment.downloaded"})
"""Events of a project that its stream does not carry (reading is not a change)."""

OWNER_EVENTS: Final = frozenset(
    {
        "project.member_invited",
        "project.invitation_accepted",
        "project.invitation_declined",
        "project.invitation_revoked",
    }
)
"""Events of a project only its owners (and administrators) see: invitations name
people who are not members."""

ACCESS_EVENTS: Final = frozenset(
    {
        "project.member_removed",
        "project.member_role_changed",
        "project.deleted",
        "project.team_removed",
        "project.team_role_changed",
    }
)
"""Events after which a stream of their project checks its subscriber's access again at
once."""

TEAM_ACCESS_EVENTS: Final = frozenset({"team.member_removed", "team.deleted"})
"""Events of a team (which names no project) after which every project stream checks its
subscriber's access again at once: the team may have given the access."""


@attrs.frozen(kw_only=True)
class FeedEntry:
    """One committed event at its position in the event feed (``event`` is ``None`` when
    this version of taskcore does not know the stored event's name)."""

    position: int
    event: DomainEvent | None


@attrs.frozen(kw_only=True)
class InboxItem:
    """One in-app notification, at its position (its id) in the inbox feed."""

    position: int
    recipient_id: int
    subject: str
    body: str
    priority: str
    context_data: dict[str, object] | None
    created_at: dt.datetime


@attrs.frozen
class Cursor:
    """Where a subscriber is in a feed: every position at or below ``watermark`` is
    delivered (or given up), and so are those in ``seen``, all above it."""

    watermark: int
    seen: frozenset[int] = frozenset()

    @classmethod
    def parse(cls, text: str, *, field: str = "Last-Event-ID") -> Cursor:
        """Read a cursor's text form: ``12`` or ``12+15,16``.

        Raises:
            ValidationError: naming ``field``: not a cursor.
        """
        bad = ValidationError(f"{field} must be an event id sent by this stream", field=field)
        text = text.strip()
        if not text or len(text) > MAX_CURSOR_TEXT:
            raise bad
        head, plus, tail = text.partition("+")
        if plus and not tail:
            raise bad
        try:
            watermark = _position(head)
            seen = frozenset(_position(p) for p in tail.split(",")) if tail else frozenset()
        except ValueError:
            raise bad from None
        if len(seen) > MAX_SEEN or any(p <= watermark for p in seen):
            raise bad
        return cls(watermark, seen)

    @property
    def text(self) -> str:
        """The text form, as sent in an event's ``id`` field."""
        if not self.seen:
            return str(self.watermark)
        return f"{self.watermark}+{','.join(str(p) for p in sorted(self.seen))}"

    @property
    def highest(self) -> int:
        """The highest position delivered."""
        return max(self.seen, default=self.watermark)

    def gaps(self) -> list[int]:
        """Positions between the watermark and the highest delivered one not delivered."""
        return [p for p in range(self.watermark + 1, self.highest) if p not in self.seen]

    def has(self, position: int) -> bool:
        """Whether ``position`` is delivered or given up."""
        return position <= self.watermark or position in self.seen

    def add(self, position: int) -> Cursor:
        """This cursor with ``position`` delivered."""
        if self.has(position):
            return self
        return _compact(self.watermark, self.seen | {position})

    def settle(self, watermark: int) -> Cursor:
        """This cursor with every position up to ``watermark`` delivered or given up."""
        if watermark <= self.watermark:
            return self
        return _compact(watermark, frozenset(p for p in self.seen if p > watermark))


def _position(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise ValueError(text)
    return int(text)


def _compact(watermark: int, seen: frozenset[int]) -> Cursor:
    """Move the watermark over the delivered positions just above it; keep at most
    :data:`MAX_SEEN` above it (giving up the lowest gaps)."""
    pending = set(seen)
    while True:
        while watermark + 1 in pending:
            watermark += 1
            pending.remove(watermark)
        if len(pending) <= MAX_SEEN:
            return Cursor(watermark, frozenset(pending))
        watermark = min(pending)
        pending.remove(watermark)


@attrs.define
class GapTracker:
    """A reader's cursor over a feed that waits a while for missing positions.

    Args:
        cursor: Where the reader starts.
        wait: Seconds a missing position is waited for.
    """

    cursor: Cursor
    wait: float = GAP_WAIT_SECONDS
    _missing_since: dict[int, float] = attrs.field(factory=dict)

    def take(self, positions: Iterable[int], now: float) -> None:
        """Note delivered positions, and give up the gaps waited for too long (``now`` in
        seconds on any monotonic clock)."""
        cursor = self.cursor
        for p in positions:
            cursor = cursor.add(p)
        gaps = cursor.gaps()
        self._missing_since = {p: self._missing_since.get(p, now) for p in gaps}
        expired = [p for p, since in self._missing_since.items() if now - since >= self.wait]
        if expired:
            # Give up every gap up to the newest expired one (older ones waited longer).
            cursor = cursor.settle(max(expired))
            self._missing_since = {p: t for p, t in self._missing_since.items() if p > max(expired)}
        self.cursor = cursor


def project_of(event: DomainEvent) -> int | None:
    """The project an event belongs to, if any."""
    value = getattr(event, "project_id", None)
    return value if isinstance(value, int) else None


def visible_in_project(event: DomainEvent, project_id: int, role: Role | None) -> bool:
    """Whether the stream of ``project_id`` carries ``event`` to a subscriber with
    ``role`` in it (``None``: an administrator who is not a member)."""
    if project_of(event) != project_id or event.name in HIDDEN_EVENTS:
        return False
    return event.name not in OWNER_EVENTS or role in (None, Role.OWNER)
