"""taskcore as a library on a SQLite file, configured in code (no environment variables).

Run: python examples/sqlite_file.py [DATA_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from taskcore.domain.pagination import PageRequest
from taskcore.errors import UsernameAlreadyExists
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings


def main(data_dir: Path) -> None:
    """Create an admin and a user in a SQLite file, then list accounts as the admin."""
    settings = Settings(data_dir=data_dir)  # SQLite file, key generated in data_dir
    runtime = from_settings(settings)  # migrates the embedded database on first use
    try:
        users = runtime.core.users
        admin, created = users.create_admin(
            username="admin", email="admin@example.com", password="a long operator passphrase"
        )
        print(f"admin {admin.username}: {'created' if created else 'already there'}")
        try:
            users.register(
                username="bob", email="bob@example.com", password="calm harbour 7", full_name="Bob"
            )
        except UsernameAlreadyExists:
            print("bob already registered")
        actor = Principal(user_id=admin.id, username=admin.username, is_admin=True)
        page = users.list_users(actor, PageRequest(per_page=10))
        print(f"{page.total} accounts in {settings.effective_database_url}:")
        for user in page.items:
            print(f"  {user.id} {user.username} admin={user.is_admin}")
    finally:
        runtime.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
