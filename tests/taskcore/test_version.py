"""The package's version is the installed distribution's."""

from __future__ import annotations

from importlib import metadata

import taskcore


def test_the_version_is_the_distributions() -> None:
    assert taskcore.__version__ == metadata.version("taskcore")
    assert taskcore.__version__.split(".")[0].isdigit()
