"""The checks of each settings variable's value, and the error a bad one raises.

:meth:`taskcore_adapters.config.Settings.from_env` reads every variable through these;
each raises :class:`ConfigError` naming the variable (never a secret's value).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import attrs

from taskcore.domain.attachments import DEFAULT_USER_QUOTA_BYTES
from taskcore.domain.webhook_urls import parse_allow_hosts


def check_secret_key(key: str, *, name: str = "TASKCORE_SECRET_KEY") -> str:
    """:func:`taskcore_adapters.security.tokens.check_secret_key`, imported when first
    needed, so that the settings load without the ``security`` extra."""
    from taskcore_adapters.security.tokens import check_secret_key as check

    return check(key, name=name)


DEFAULT_MAIL_FROM = "taskcore@localhost"
"""The ``From`` of the development mailer's ``.eml`` files; a real SMTP server needs
``TASKCORE_MAIL_FROM`` (an address of a domain the operator owns)."""

SECRET_VARIABLES = (
    "TASKCORE_SECRET_KEY",
    "TASKCORE_PREVIOUS_SECRET_KEYS",
    "TASKCORE_DATABASE_URL",
    "TASKCORE_QUEUE_URL",
    "TASKCORE_RATE_LIMIT_URL",
    "TASKCORE_MAIL_URL",
    "TASKCORE_MAIL_PASSWORD",
    "TASKCORE_STORAGE_URL",
    "TASKCORE_METRICS_TOKEN",
)
"""Variables that hold secrets (keys, passwords, URLs with credentials): each may instead
be read from a file named by ``<variable>_FILE`` (Docker and systemd secrets)."""

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
"""The hosts the server answers to unless ``TASKCORE_ALLOWED_HOSTS`` says otherwise: this
machine only."""


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable."""


def rate(env: Mapping[str, str], name: str, default: str) -> str | None:
    """A rate such as ``30/minute`` (checked), or ``None`` for ``off``.

    Raises:
        ConfigError: the value is not a rate.
    """
    value = env.get(name, "").strip() or default
    if value.lower() == "off":
        return None
    if not re.fullmatch(r"\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?", value):
        raise ConfigError(f"{name} must look like 30/minute (or be off)")
    return value


def queue_name(env: Mapping[str, str]) -> str:
    """``TASKCORE_QUEUE_NAME``: letters, digits, ``_`` and ``-``; ``taskcore`` by default.

    Raises:
        ConfigError: the name holds another character or is longer than 64.
    """
    value = env.get("TASKCORE_QUEUE_NAME", "").strip() or "taskcore"
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
        raise ConfigError("TASKCORE_QUEUE_NAME must be 1 to 64 letters, digits, '_' or '-'")
    return value


def tracing(env: Mapping[str, str]) -> str:
    """``TASKCORE_TRACING``: ``off`` (the default), ``otlp`` or ``console``.

    Raises:
        ConfigError: another value.
    """
    value = env.get("TASKCORE_TRACING", "").strip().lower() or "off"
    if value not in ("off", "otlp", "console"):
        raise ConfigError("TASKCORE_TRACING must be off, otlp or console")
    return value


def positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """The whole number > 0 in variable ``name``, or ``default`` when it is unset or empty.

    Raises:
        ConfigError: the value is not a positive whole number (the message names it).
    """
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    """The whole number ≥ 0 in variable ``name``, or ``default`` when it is unset or empty.

    Raises:
        ConfigError: the value is not a whole number ≥ 0 (the message names it).
    """
    if env.get(name, "").strip() == "0":
        return 0
    return positive_int(env, name, default)


def networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks (checked); empty when unset.

    Raises:
        ConfigError: an item is neither an address nor a network.
    """
    items = tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(f"{name}: {item!r} is not an IP address or network") from None
    return items


_HOST_NAME = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def allowed_hosts(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated host names, IP addresses (IPv6 with or without brackets),
    ``*.domain`` patterns or ``*``, without ports; :data:`LOCAL_HOSTS` when unset.

    Raises:
        ConfigError: an item is none of those (a port, a path, a misplaced ``*``).
    """
    items = [item.strip().lower() for item in env.get(name, "").split(",") if item.strip()]
    hosts = []
    for item in items:
        literal = item[1:-1] if item.startswith("[") and item.endswith("]") else item
        try:
            address = ipaddress.ip_address(literal)
        except ValueError:
            if item != "*" and not _HOST_NAME.fullmatch(item):
                raise ConfigError(
                    f"{name}: {item!r} is not a host name, an IP address, *.domain or *"
                ) from None
            hosts.append(item)
            continue
        hosts.append(f"[{address.compressed}]" if address.version == 6 else str(address))
    return tuple(hosts) or LOCAL_HOSTS


def flag(env: Mapping[str, str], name: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no, on/off); false when unset.

    Raises:
        ConfigError: any other value.
    """
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false")


def ports(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    """Comma-separated TCP ports; empty when unset.

    Raises:
        ConfigError: an item is not a port number.
    """
    ports = []
    for item in (i.strip() for i in env.get(name, "").split(",")):
        if not item:
            continue
        if not item.isdigit() or not 0 < int(item) < 65536:
            raise ConfigError(f"{name}: {item!r} is not a port number")
        ports.append(int(item))
    return tuple(ports)


def host_ports(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated exact ``host:port`` pairs (IPv6 hosts in brackets); empty when unset.

    Raises:
        ConfigError: an item is not ``host:port``.
    """
    items = [i.strip() for i in env.get(name, "").split(",") if i.strip()]
    try:
        return tuple(sorted(parse_allow_hosts(items)))
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def mail_port(env: Mapping[str, str]) -> int:
    """``TASKCORE_MAIL_PORT``: a TCP port, 587 when unset.

    Raises:
        ConfigError: not a port number.
    """
    port = positive_int(env, "TASKCORE_MAIL_PORT", 587)
    if port > 65535:
        raise ConfigError("TASKCORE_MAIL_PORT must be a port number")
    return port


def relay(env: Mapping[str, str]) -> bool:
    """``TASKCORE_RELAY``: ``background`` (default) or ``inline``.

    Raises:
        ConfigError: any other value.
    """
    value = env.get("TASKCORE_RELAY", "").strip().lower() or "background"
    if value not in {"inline", "background"}:
        raise ConfigError("TASKCORE_RELAY must be inline or background")
    return value == "background"


def quota(env: Mapping[str, str]) -> int:
    """``TASKCORE_USER_QUOTA_BYTES``: a whole number of bytes, 0 for no limit; 1 GiB when
    unset or empty.

    Raises:
        ConfigError: the value is not a whole number, or is negative.
    """
    name = "TASKCORE_USER_QUOTA_BYTES"
    text = env.get(name, "").strip()
    if not text:
        return DEFAULT_USER_QUOTA_BYTES
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def previous_keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated signing keys of earlier rotations (each checked); empty when unset.

    Raises:
        ConfigError: a key is shorter than 32 bytes (the key itself is not shown).
    """
    keys = tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())
    for key in keys:
        try:
            check_secret_key(key, name=name)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return keys


def with_secret_files(
    env: Mapping[str, str], names: tuple[str, ...] = SECRET_VARIABLES
) -> Mapping[str, str]:
    """``env`` with each secret of ``names`` whose ``<name>_FILE`` is set read from that
    file.

    Raises:
        ConfigError: a secret is set both directly and by file, or its file cannot be read
            (the message names the variable, never the secret).
    """
    found: dict[str, str] = {}
    for name in names:
        path = env.get(f"{name}_FILE", "").strip()
        if not path:
            continue
        if env.get(name, "").strip():
            raise ConfigError(f"set {name} or {name}_FILE, not both")
        try:
            found[name] = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigError(f"{name}_FILE: cannot read {path}: {reason}") from None
    return {**env, **found} if found else env


def mail_from(env: Mapping[str, str]) -> str:
    """``TASKCORE_MAIL_FROM``; required once a real SMTP server is configured.

    Raises:
        ConfigError: ``TASKCORE_MAIL_URL`` or ``TASKCORE_MAIL_SERVER`` is set without it.
    """
    value = env.get("TASKCORE_MAIL_FROM", "").strip()
    if value:
        return value
    for name in ("TASKCORE_MAIL_URL", "TASKCORE_MAIL_SERVER"):
        if env.get(name, "").strip():
            raise ConfigError(
                f"TASKCORE_MAIL_FROM must be set when {name} is (an address of your own "
                "domain, e.g. tasks@example.com)"
            )
    return DEFAULT_MAIL_FROM


METRICS_TOKEN_BYTES = 16
"""The shortest ``TASKCORE_METRICS_TOKEN`` accepted."""


def metrics_token(env: Mapping[str, str]) -> str | None:
    """``TASKCORE_METRICS_TOKEN``: at least :data:`METRICS_TOKEN_BYTES` bytes, or unset.

    Raises:
        ConfigError: the token is shorter (it is not shown).
    """
    value = env.get("TASKCORE_METRICS_TOKEN", "").strip()
    if not value:
        return None
    if len(value.encode()) < METRICS_TOKEN_BYTES:
        raise ConfigError(f"TASKCORE_METRICS_TOKEN must be at least {METRICS_TOKEN_BYTES} bytes")
    return value


@attrs.frozen(kw_only=True)
class OidcProviderSettings:
    """One OpenID Connect provider people may sign in through (``TASKCORE_OIDC_<NAME>_*``).

    Attributes:
        name: The provider's name in ``TASKCORE_OIDC_PROVIDERS`` (lower case); its
            identities are stored under it, so it must not change once used.
        issuer: The issuer URL; its discovery document is
            ``<issuer>/.well-known/openid-configuration``.
        client_id / client_secret: This application's registration at the provider
            (without a secret, a public client: PKCE alone).
        display_name: The login button says "Sign in with <display_name>".
        scopes: Requested scopes (``openid`` always among them).
        allowed_domains: E-mail domains whose people get an account on first sign-in.
        existing_users_only: The first sign-in only links existing accounts.
        admin_group: A value of ``groups_claim`` that grants admin.
        groups_claim: The ID token claim listing the person's groups.
        disable_passwords: Accounts that sign in through this provider lose their local
            password.
    """

    name: str
    issuer: str
    client_id: str
    client_secret: str | None = attrs.field(default=None, repr=False)
    display_name: str
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    allowed_domains: tuple[str, ...] = ()
    existing_users_only: bool = False
    admin_group: str | None = None
    groups_claim: str = "groups"
    disable_passwords: bool = False


_PROVIDER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def oidc_providers(env: Mapping[str, str]) -> tuple[OidcProviderSettings, ...]:
    """The providers named by ``TASKCORE_OIDC_PROVIDERS`` (comma-separated), each read
    from its ``TASKCORE_OIDC_<NAME>_*`` variables; none when unset.

    Raises:
        ConfigError: a malformed or repeated name, a missing issuer or client id, an
            issuer that is not ``https`` (except on this machine), or a malformed value.
    """
    names = [n.strip().lower() for n in env.get("TASKCORE_OIDC_PROVIDERS", "").split(",")]
    seen: list[str] = []
    for name in (n for n in names if n):
        if not _PROVIDER_NAME.match(name) or name in seen:
            raise ConfigError(
                f"TASKCORE_OIDC_PROVIDERS: {name!r} must be a new name of lower-case letters, "
                "digits and '_', starting with a letter"
            )
        seen.append(name)
    return tuple(_oidc_provider(env, name) for name in seen)


def _oidc_provider(env: Mapping[str, str], name: str) -> OidcProviderSettings:
    prefix = f"TASKCORE_OIDC_{name.upper()}_"

    def opt(key: str) -> str | None:
        return env.get(prefix + key, "").strip() or None

    issuer = opt("ISSUER")
    client_id = opt("CLIENT_ID")
    if issuer is None or client_id is None:
        key = "ISSUER" if issuer is None else "CLIENT_ID"
        raise ConfigError(f"{prefix}{key} is required for the OIDC provider {name!r}")
    _check_issuer(prefix + "ISSUER", issuer)
    scopes = tuple((opt("SCOPES") or "openid email profile").split())
    domains = tuple(
        d.strip().lower().lstrip("@") for d in (opt("ALLOWED_DOMAINS") or "").split(",")
    )
    return OidcProviderSettings(
        name=name,
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        client_secret=_file_secret(env, prefix + "CLIENT_SECRET"),
        display_name=opt("DISPLAY_NAME") or name.replace("_", " ").title(),
        scopes=scopes if "openid" in scopes else ("openid", *scopes),
        allowed_domains=tuple(d for d in domains if d),
        existing_users_only=flag(env, prefix + "EXISTING_USERS_ONLY"),
        admin_group=opt("ADMIN_GROUP"),
        groups_claim=opt("GROUPS_CLAIM") or "groups",
        disable_passwords=flag(env, prefix + "DISABLE_PASSWORDS"),
    )


def _check_issuer(name: str, issuer: str) -> None:
    parts = urlsplit(issuer)
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ConfigError(f"{name} must be an https URL (http only on this machine)")
    if not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be an issuer URL without query or fragment")


def _file_secret(env: Mapping[str, str], name: str) -> str | None:
    """A secret from ``name`` or from the file ``<name>_FILE`` names (as
    :func:`with_secret_files` reads the fixed secrets), or ``None``."""
    found = with_secret_files(
        {name: env.get(name, ""), f"{name}_FILE": env.get(f"{name}_FILE", "")}, (name,)
    )
    return found.get(name) or None
