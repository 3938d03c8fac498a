"""Embedding taskcore: the package's entry points, the runtime as a context manager, typed
event subscription, and the base install (attrs only) for in-memory use."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import taskcore_adapters
from taskcore.domain.events import DomainEvent, TaskEvent, TaskStatusChanged, UserRegistered
from taskcore.domain.tasks import TaskStatus
from taskcore.services.users import Principal
from taskcore_adapters import Runtime, Settings, from_settings, in_memory
from taskcore_adapters.events import Events, LocalEventBus
from taskcore_adapters.extras import EXTRA_OF_MODULE
from taskcore_adapters.memory import PlainPasswordHasher
from taskcore_adapters.scrypt import ScryptPasswordHasher

EXTRAS = (*EXTRA_OF_MODULE, "psycopg_binary", "httpx")
"""The top-level modules of every extra: a base install has none of them."""

NOT_INSTALLED = textwrap.dedent(
    """
    import sys

    class NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    """
)
"""Makes the extras' modules unimportable, as on ``pip install taskcore``."""

IN_MEMORY = textwrap.dedent(
    """
    from taskcore_adapters import in_memory
    from taskcore.domain.events import TaskStatusChanged
    from taskcore.domain.tasks import TaskStatus

    done = []
    with in_memory() as rt:
        rt.events.subscribe(TaskStatusChanged, lambda e: done.append(e.new_status))
        users = rt.core.users
        users.register(username="ada", email="ada@example.com", password="long enough pw",
                       full_name="Ada")
        ada = users.authenticate(users.login(username="ada", password="long enough pw").token)
        project = rt.core.projects.create_project(ada, name="Launch")
        task = rt.core.tasks.create_task(ada, project.id, title="Write the notes")
        rt.core.tasks.update_task(ada, task.id, status=TaskStatus.COMPLETED)
    assert done == ["completed"], done
    loaded = sorted(m.partition(".")[0] for m in sys.modules)
    assert not set(loaded) & BLOCKED, set(loaded) & BLOCKED
    print("ok")
    """
)

COMMAND = textwrap.dedent(
    """
    from taskcore_adapters import cli

    print("status", cli.main(["--help"]))
    print("status", cli.main(["migrate"]))
    """
)


def _on_a_base_install(code: str) -> subprocess.CompletedProcess[str]:
    script = f"BLOCKED = {set(EXTRAS)!r}\n" + NOT_INSTALLED + code
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )


def test_in_memory_works_on_a_base_install_and_never_imports_sqlalchemy() -> None:
    """With every extra's modules made unimportable, ``in_memory()`` still registers,
    logs in (scrypt, HMAC tokens), creates a project and a task and delivers events
    (standard-library bus), and no extra's module is imported."""
    result = _on_a_base_install(IN_MEMORY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_command_on_a_base_install_names_the_extra_to_install() -> None:
    """On a base install (no click) every command, ``--help`` included, fails with status
    2, says what to install for what and names the cli extra, with no traceback."""
    result = _on_a_base_install(COMMAND)
    assert result.returncode == 0, result.stderr
    assert ["status 2", "status 2"] == result.stdout.split("\n")[:2]
    assert "taskcore[http]" in result.stderr
    assert 2 == result.stderr.count("pip install 'taskcore[cli]'")
    assert "Traceback" not in result.stderr


def test_the_command_with_only_the_cli_extra_names_the_extra_a_command_needs() -> None:
    """With click but no other extra, ``taskcore --help`` works and says what to install;
    a command whose extra is missing fails with status 2 and names that extra, with no
    traceback."""
    script = f"BLOCKED = {set(EXTRAS) - {'click'}!r}\n" + NOT_INSTALLED + COMMAND
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "taskcore[http]" in result.stdout
    assert "status 0\nstatus 2" in result.stdout
    assert "pip install 'taskcore[sql]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_entry_points_are_the_modules_objects_and_unknown_names_fail() -> None:
    from taskcore_adapters import bootstrap, config

    assert taskcore_adapters.in_memory is bootstrap.in_memory
    assert taskcore_adapters.Settings is config.Settings
    assert {"in_memory", "from_settings", "Settings", "Runtime"} <= set(dir(taskcore_adapters))
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = taskcore_adapters.no_such_thing


def _ada(rt: Runtime) -> Principal:
    users = rt.core.users
    users.register(
        username="ada", email="ada@example.com", password="pw long enough", full_name="A"
    )
    return users.authenticate(users.login(username="ada", password="pw long enough").token)


def test_typed_subscription_by_class_by_family_and_with_a_condition() -> None:
    completed: list[int] = []
    task_events: list[str] = []
    everything: list[str] = []
    with in_memory(password_hasher=PlainPasswordHasher()) as rt:
        rt.events.subscribe(
            TaskStatusChanged,
            lambda event: completed.append(event.entity_id),
            when=lambda event: event.new_status == "completed",
        )
        rt.events.subscribe(TaskEvent, lambda event: task_events.append(event.name))
        rt.events.subscribe(DomainEvent, lambda event: everything.append(event.name))
        ada = _ada(rt)
        project = rt.core.projects.create_project(ada, name="P")
        first = rt.core.tasks.create_task(ada, project.id, title="one")
        second = rt.core.tasks.create_task(ada, project.id, title="two")
        rt.core.tasks.update_task(ada, first.id, status=TaskStatus.IN_PROGRESS)
        rt.core.tasks.update_task(ada, second.id, status=TaskStatus.COMPLETED)
    assert completed == [second.id]
    assert task_events.count("task.created") == 2
    assert "task.status_changed" in task_events
    assert not [name for name in task_events if not name.startswith("task.")]
    assert everything[0] == UserRegistered.name
    assert "project.created" in everything


def test_a_failing_handler_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = LocalEventBus()
    seen: list[str] = []

    def boom(event: UserRegistered) -> None:
        raise RuntimeError("handler bug")

    Events(bus).subscribe(UserRegistered, boom)
    Events(bus).subscribe(UserRegistered, lambda event: seen.append(event.username))
    event = UserRegistered(
        occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        actor_id=None,
        entity_id=1,
        username="ada",
    )
    bus.publish([event])
    assert seen == ["ada"]
    assert "event handler failed" in caplog.text


def test_the_runtime_as_a_context_manager_stops_its_relay_thread(tmp_path: Path) -> None:
    """A runtime whose relay runs in the background starts that thread on entering and
    stops it (and the job lanes, and the pools) on leaving; closing twice is harmless."""
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40, background_relay=True)
    seen: list[str] = []
    with from_settings(settings, password_hasher=PlainPasswordHasher()) as rt:
        assert any(t.name == "taskcore-relay" for t in threading.enumerate())
        rt.events.subscribe(UserRegistered, lambda event: seen.append(event.username))
        _ada(rt)
    assert seen == ["ada"]
    assert not any(t.name == "taskcore-relay" for t in threading.enumerate())
    rt.close()


def test_scrypt_hashes_verify_and_refuse_foreign_or_malformed_hashes() -> None:
    hasher = ScryptPasswordHasher(n=2**4)
    stored = hasher.hash("correct horse")
    assert stored.startswith("$scrypt$n=16,r=8,p=1$")
    assert hasher.verify(stored, "correct horse")
    assert not hasher.verify(stored, "wrong horse")
    assert not hasher.needs_rehash(stored)
    assert ScryptPasswordHasher(n=2**5).needs_rehash(stored)
    for foreign in ("", "$argon2id$v=19$...", "$scrypt$n=x$", "$scrypt$n=16,r=8,p=1$!!$!!"):
        assert not hasher.verify(foreign, "correct horse")
    hasher.burn("anything")


def test_the_readme_script_is_the_type_checked_example() -> None:
    """The README's embedding script is examples/readme.py word for word, which mypy
    checks strictly (and tests/test_docs.py runs the README's block)."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using the library", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    example = (root / "examples" / "readme.py").read_text(encoding="utf-8")
    assert block.count("\n") >= 15
    assert example.endswith("\n" + block)
