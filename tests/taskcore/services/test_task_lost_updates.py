"""No lost updates (T65): clients doing read-modify-write with an expected version, in
every interleaving hypothesis picks, on the in-memory adapters."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from taskcore import errors
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

INCREMENTS = 3
"""How many increments each client makes."""


@attrs.define
class Client:
    """One client: reads the counter and the version, then writes counter + 1 expecting
    that version; a 412 (``VersionMismatch``) sends it back to reading."""

    actor: Principal
    left: int = INCREMENTS
    seen: tuple[int, int] | None = None
    """The (counter, version) it read and has not written yet."""

    def step(self, world: World, task_id: int, log: list[int]) -> None:
        """Read if it has nothing pending, else try its write."""
        if self.left == 0:
            return
        tasks = world.core.tasks
        if self.seen is None:
            view = tasks.get_task(self.actor, task_id)
            self.seen = (int(view.description or "0"), view.version)
            return
        counter, version = self.seen
        self.seen = None
        try:
            written = tasks.update_task(
                self.actor, task_id, description=str(counter + 1), expected_version=version
            )
        except errors.VersionMismatch:
            return  # someone wrote in between: read again
        self.left -= 1
        log.append(written.version)


@given(
    clients=st.integers(min_value=2, max_value=5),
    schedule=st.lists(st.integers(min_value=0, max_value=4), max_size=60),
)
def test_no_update_is_lost_in_any_interleaving(clients: int, schedule: list[int]) -> None:
    """Whatever the order of reads and writes, the counter ends equal to the number of
    successful writes, every client's increments all land, and versions only go up."""
    world = World.create()
    owner = world.user("owner")
    members = [world.user(f"member{i}") for i in range(clients)]
    project = world.project(owner, members=members)
    task_id = world.core.tasks.create_task(owner, project.id, title="counter").id
    crowd = [Client(actor=member) for member in members]
    versions: list[int] = []
    for index in schedule:
        crowd[index % clients].step(world, task_id, versions)
    for _ in range(4 * INCREMENTS * clients):  # then let everyone finish
        for client in crowd:
            client.step(world, task_id, versions)
    final = world.core.tasks.get_task(owner, task_id)
    assert (clients * INCREMENTS, clients * INCREMENTS, [0] * clients) == (
        int(final.description),
        len(versions),
        [c.left for c in crowd],
    )
    assert sorted(set(versions)) == versions
    assert versions[-1] == final.version
