"""taskcore as a library, with no server and no files: everything in memory.

Run: python examples/in_memory.py
"""

from __future__ import annotations

from taskcore_adapters.bootstrap import in_memory


def main() -> None:
    """Register a user, log in, and read the profile back through the token."""
    runtime = in_memory()
    users = runtime.core.users

    alice = users.register(
        username="alice", email="Alice@Example.com", password="correct horse", full_name="Alice"
    )
    print(f"registered {alice.username} <{alice.email}> as user {alice.id}")

    login = users.login(username="alice", password="correct horse")
    me = users.authenticate(login.token)
    print(f"token for user {me.user_id}, valid until {login.expires_at:%Y-%m-%d %H:%M} UTC")

    # A second, independent instance in the same process shares nothing with the first.
    other = in_memory()
    assert (
        other.core.users.register(
            username="alice", email="alice@example.com", password="another one", full_name="A2"
        ).id
        == alice.id
    )
    print("a second in-memory instance is independent")


if __name__ == "__main__":
    main()
