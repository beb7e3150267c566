"""deploy/: the Dockerfile repeats the steps the wheel test proves; the systemd unit runs Majlis safely."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# What tests/e2e/test_installed_e2e.py copies to build the wheel it installs and runs.
WHEEL_SOURCES = {"bot", "cogs", "data", "pyproject.toml", "setup.py", "README.md"}


def _unit() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / "majlis.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_dockerfile_builds_the_wheel_from_what_the_wheel_test_builds_it_from():
    text = (DEPLOY / "Dockerfile").read_text()
    build = text.split("FROM ")[1]
    copied = set()
    for sources in re.findall(r"^COPY (.+)$", build, flags=re.M):
        copied |= set(sources.split()[:-1])
    assert copied == WHEEL_SOURCES
    assert "pip wheel --no-cache-dir --no-deps" in build
    assert "FROM python:3.11-slim" in text


def test_the_container_runs_as_a_user_with_its_data_on_a_volume_and_checks_healthz():
    text = (DEPLOY / "Dockerfile").read_text()
    runtime = text.split("FROM ")[2]
    assert re.search(r"^USER majlis$", runtime, flags=re.M)
    assert 'VOLUME ["/data"]' in runtime and "MAJLIS_DB=/data/majlis.db" in runtime
    port = re.search(r"MAJLIS_METRICS_PORT=(\d+)", runtime).group(1)
    assert f"http://127.0.0.1:{port}/healthz" in runtime.split("HEALTHCHECK")[1]
    assert 'CMD ["majlis", "run"]' in runtime and "STOPSIGNAL SIGTERM" in runtime
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "dockerfile: deploy/Dockerfile" in compose and "majlis-data:/data" in compose
    assert "MAJLIS_DB: /data/majlis.db" in compose


def test_the_systemd_unit_runs_its_own_user_in_a_read_only_system_and_stops_with_sigterm():
    unit = _unit()
    assert unit["User"] == ["majlis"] and unit["StateDirectory"] == ["majlis"]
    assert unit["ProtectSystem"] == ["strict"] and unit["Restart"] == ["on-failure"]
    assert unit["KillSignal"] == ["SIGTERM"] and unit["ExecStart"][0].endswith("/majlis run")
    assert unit["RestartPreventExitStatus"] == ["2"]  # a missing token: restarting cannot help
    env = dict(e.split("=", 1) for e in unit["Environment"])
    assert env["MAJLIS_DB"].startswith(
        "/var/lib/majlis/"
    )  # inside the StateDirectory, the one writable place
    assert env["MAJLIS_BACKUP_DIR"].startswith("/var/lib/majlis/")
