"""``python -m taskcore_adapters.cli``: the ``taskcore`` command."""

from __future__ import annotations

import sys

from taskcore_adapters.cli import main

if __name__ == "__main__":
    sys.exit(main())
