"""``TASKCORE_ALLOWED_HOSTS``: a request naming another host in its ``Host`` header is
refused before routing, so no answer (a redirect) can point at a host an attacker chose."""

from __future__ import annotations

import attrs
import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime, in_memory
from taskcore_adapters.config import LOCAL_HOSTS, ConfigError, Settings
from taskcore_adapters.host import create_app


def test_a_forged_host_is_refused_everywhere(runtime: Runtime) -> None:
    """A forged ``Host`` gets 400 on the API, the pages and a path the framework would
    redirect (trailing slash), and is never echoed back."""
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        for path in ("/api/projects/", "/api/projects", "/login", "/", "/health"):
            response = client.get(path, headers={"Host": "evil.example"})
            assert (400, None) == (response.status_code, response.headers.get("location"))
            assert "evil.example" not in response.text
            assert "nosniff" == response.headers["x-content-type-options"]


def test_redirects_name_the_allowed_host(runtime: Runtime) -> None:
    """The framework's trailing-slash redirect names the (allowed) host the request used."""
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        response = client.get("/api/projects/")
    assert (307, "http://testserver/api/projects") == (
        response.status_code,
        response.headers["location"],
    )


def test_configured_hosts_and_ports() -> None:
    """Only the configured names are served, on any port; subdomain patterns match."""
    served = in_memory()
    served.settings = attrs.evolve(
        served.settings, allowed_hosts=("tasks.example.com", "*.example.org", "[::1]")
    )
    try:
        with TestClient(create_app(served), follow_redirects=False) as client:
            statuses = {
                host: client.get("/health", headers={"Host": host}).status_code
                for host in (
                    "tasks.example.com",
                    "tasks.example.com:8443",
                    "a.example.org",
                    "[::1]:8000",
                    "example.org",
                    "testserver",
                    "localhost",
                    "tasks.example.com.evil.example",
                )
            }
    finally:
        served.close()
    assert {
        "tasks.example.com": 200,
        "tasks.example.com:8443": 200,
        "a.example.org": 200,
        "[::1]:8000": 200,
        "example.org": 400,
        "testserver": 400,
        "localhost": 400,
        "tasks.example.com.evil.example": 400,
    } == statuses


class TestFromEnvironment:
    def test_default_is_this_machine(self) -> None:
        """Unset, the server answers to this machine's names only (not ``testserver``)."""
        assert (
            LOCAL_HOSTS
            == Settings.from_env({}).allowed_hosts
            == (
                "localhost",
                "127.0.0.1",
                "[::1]",
            )
        )
        assert "testserver" in Settings().allowed_hosts

    def test_values_are_normalised(self) -> None:
        """Names are lower-cased; IPv6 addresses get brackets (as ``Host`` carries them)."""
        value = " Tasks.Example.com, *.example.org, ::1, [2001:DB8::1], 10.0.0.1, * "
        assert (
            "tasks.example.com",
            "*.example.org",
            "[::1]",
            "[2001:db8::1]",
            "10.0.0.1",
            "*",
        ) == Settings.from_env({"TASKCORE_ALLOWED_HOSTS": value}).allowed_hosts

    @pytest.mark.parametrize(
        "value", ["example.com:8000", "a*.example.com", "http://example.com", "ex ample.com"]
    )
    def test_bad_values_name_the_variable(self, value: str) -> None:
        """A port, a misplaced wildcard, a URL or a space is a configuration error."""
        with pytest.raises(ConfigError, match="TASKCORE_ALLOWED_HOSTS"):
            Settings.from_env({"TASKCORE_ALLOWED_HOSTS": value})


def test_settings_are_attrs() -> None:
    """``allowed_hosts`` is an ordinary setting (evolve works)."""
    assert ("x.example",) == attrs.evolve(Settings(), allowed_hosts=("x.example",)).allowed_hosts
