"""What a personal access token may do: the scope check every use case makes.

A caller authenticated by a login session has ``scopes`` ``None`` and is limited only by
its role (:mod:`taskcore.services.access`). A caller authenticated by a personal access
token carries the token's scopes; each service class is declared with :func:`guarded`,
which wraps every public use case that takes an ``actor`` with :func:`require_scope` for
the use case's area and kind (reading or writing). The scope check only ever removes
rights: after it, the use case checks the owner's role as for any caller, so a token can
never do more than its owner.

A use case is a *read* when its name starts with ``get_``, ``list_``, ``count_`` or
``find_``, or when the service names it among its reads; anything else is a write (a
use case missed in a service's reads needs more, never less).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

from taskcore.domain.access_tokens import READ, WRITE, allows
from taskcore.errors import ScopeRequired

C = TypeVar("C", bound=type)

OWN_ACCOUNT: Final = "*"
"""Area of reads any token may make, whatever its scopes (one's own account)."""
READ_PREFIXES: Final = ("get_", "list_", "count_", "find_")


def require_scope(actor: object, area: str | None, *, write: bool) -> None:
    """Raise unless the caller's token (if it authenticated with one) allows this.

    Args:
        actor: The caller; only its ``scopes`` attribute is read.
        area: The use case's area, :data:`OWN_ACCOUNT`, or ``None`` for use cases only a
            login session may run (managing one's account and tokens).
        write: Whether the use case changes anything.

    Raises:
        ScopeRequired: the token lacks the scope, or no token may do this.
    """
    scopes = getattr(actor, "scopes", None)
    if scopes is None:
        return
    if area is None or (area == OWN_ACCOUNT and write):
        raise ScopeRequired("Access tokens cannot do this; log in instead")
    if area == OWN_ACCOUNT:
        return
    if not allows(scopes, area, write=write):
        needed = f"{area}:{WRITE if write else READ}"
        raise ScopeRequired(f"The access token lacks the {needed} scope", scope=needed)


def is_read(name: str, reads: Iterable[str]) -> bool:
    """Whether the use case ``name`` only reads."""
    return name.startswith(READ_PREFIXES) or name in set(reads)


def guarded(
    area: str | None,
    *,
    reads: Iterable[str] = (),
    areas: Mapping[str, str | None] | None = None,
) -> Callable[[C], C]:
    """Class decorator: check the caller's scopes on every public use case taking an
    ``actor`` (the class's own and inherited ones).

    Args:
        area: The area of the class's use cases (see :func:`require_scope`).
        reads: Use cases that only read, beyond those named like reads.
        areas: Use cases of another area than ``area``.
    """
    read_names = frozenset(reads)
    other_areas = dict(areas or {})

    def decorate(cls: C) -> C:
        for name in dir(cls):
            func = inspect.getattr_static(cls, name)
            if name.startswith("_") or not inspect.isfunction(func):
                continue  # private, or not a plain method (static and class methods)
            params = list(inspect.signature(func).parameters)
            if "actor" not in params or getattr(func, "__scope__", None) is not None:
                continue
            use_area = other_areas.get(name, area)
            write = not is_read(name, read_names)
            setattr(cls, name, _checked(func, params.index("actor"), use_area, write))
        return cls

    return decorate


def _checked(
    func: Callable[..., Any], index: int, area: str | None, write: bool
) -> Callable[..., Any]:
    @functools.wraps(func)
    def use_case(*args: Any, **kwargs: Any) -> Any:
        actor = args[index] if len(args) > index else kwargs.get("actor")
        require_scope(actor, area, write=write)
        return func(*args, **kwargs)

    use_case.__scope__ = (area, write)  # type: ignore[attr-defined]
    return use_case
