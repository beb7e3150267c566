"""Majlis as a server runs it: the wheel, installed in a fresh virtual environment outside the checkout.

The wheel is built from a copy of the sources (the checkout stays clean) offline with
`--no-build-isolation`, and installed with `--no-deps --no-index` into a new venv. The new venv borrows
the project venv's dependencies through a `.pth` line naming its site-packages: a plain path line adds
the folder to `sys.path` without running that folder's own `.pth` files, so the project's editable
install (a `.pth` hook mapping `bot` to the checkout) stays out and every `bot`, `cogs` and
`majlis_data` import comes from the wheel. No network, a few seconds of pip.

The fake Discord runs in this test process; the installed bot runs as a subprocess started from an
empty folder with `MAJLIS_DISCORD_API_BASE` (honoured for tests only) pointing it at the fake.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.i18n import t
from bot.sandbox import FakeDiscord
from tests.conftest import spec_path

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@dataclass
class Installed:
    """A venv with only the Majlis wheel installed (dependencies borrowed from the project venv)."""

    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def majlis(self) -> Path:
        return self.venv / "bin" / "majlis"


def _copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.db", "*.db-*", "backups", "*.egg-info", "build")
    for name in ("bot", "cogs", "data"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, target / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source, wheels, venv = work / "src", work / "wheels", work / "venv"
    _copy_sources(source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("majlis-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    new_site = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (new_site / "_majlis_test_deps.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    subprocess.run(
        [*pip, "--python", str(venv / "bin" / "python"), "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    return Installed(venv)


def _env(home: Path, **extra: str) -> dict[str, str]:
    # Nothing from the checkout: no PYTHONPATH, the venv's own bin first.
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **extra}


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    probe = (
        "import bot, cogs, majlis_data; from bot.fields import FIELDS_PATH; "
        "print(bot.__file__); print(cogs.__file__); print(FIELDS_PATH)"
    )
    result = subprocess.run(
        [str(installed.python), "-c", probe], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        assert line.startswith(str(installed.venv)), line


def test_the_console_command_without_a_token_says_how_to_get_one(installed, tmp_path):
    result = subprocess.run(
        [str(installed.majlis), "run"], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "discord.com/developers" in result.stderr and len(result.stderr.strip().splitlines()) == 1


async def test_the_installed_bot_answers_help_from_an_empty_folder_and_stops_on_sigterm(installed, tmp_path):
    fake = FakeDiscord(spec_path=spec_path(), interaction_deadline=10.0)
    await fake.start()  # not install(): the bot is another process, pointed here by the environment
    guild = fake.create_guild("Freelancers")
    member = fake.create_user("salma", global_name="Salma")
    fake.add_member(guild, member)
    lounge = fake.create_text_channel(guild, "lounge")
    folder = tmp_path / "empty"
    folder.mkdir()
    log_path = tmp_path / "bot.log"
    env = _env(
        tmp_path,
        DISCORD_TOKEN=fake.bot_token,
        MAJLIS_DISCORD_API_BASE=f"{fake.url}/api/v10",
        MAJLIS_LOG_FORMAT="json",
    )
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            str(installed.python), "-m", "bot", cwd=folder, env=env, stdout=log_file, stderr=log_file
        )
        try:
            await fake.wait_for(
                lambda: (fake.commands() and fake.gateway.live_sessions()) or process.returncode is not None,
                timeout=90,
            )
            assert process.returncode is None, log_path.read_text()
            await fake.wait_for(lambda: guild.id in _ready_guilds(fake), timeout=30)
            reply = await fake.invoke(guild, member, "help", channel=lounge)
            await reply.wait_done(30)
            assert reply.ephemeral and reply.embeds[0]["title"] == t("ar", "help.title")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), timeout=60)
            await fake.stop()
    log = log_path.read_text()
    assert code == 0, log
    entries = [json.loads(line) for line in log.splitlines()]  # one JSON object a line, nothing else
    messages = [e["message"] for e in entries]
    assert "SIGTERM received: stopping" in messages and messages[-1] == "stopped cleanly", log
    assert not [e for e in entries if e["level"] in ("ERROR", "CRITICAL")], log
    assert (folder / "data" / "majlis.db").exists()  # the default database, beside where it was started
    assert not fake.violations


def _ready_guilds(fake: FakeDiscord) -> set[int]:
    # The bot has the guild once the gateway session that covers it was sent GUILD_CREATE.
    return {g.id for g in fake.guilds.values() if any(s.covers(g.id) for s in fake.gateway.live_sessions())}


def test_the_wheel_carries_every_shipped_data_file(installed):
    site = Path(
        subprocess.run(
            [
                str(installed.python),
                "-c",
                "import majlis_data, os; print(os.path.dirname(majlis_data.__file__))",
            ],
            check=True,
            capture_output=True,
            text=True,
            env=_env(installed.venv),
        ).stdout.strip()
    )
    shipped = {p.relative_to(ROOT / "data") for p in (ROOT / "data").rglob("*.json")}
    assert shipped and {p.relative_to(site) for p in site.rglob("*.json")} == shipped
    assert os.path.commonpath([site, installed.venv]) == str(installed.venv)


async def test_the_installed_check_command_reports_ready_against_the_fake(installed, tmp_path):
    fake = FakeDiscord(spec_path=spec_path())
    await fake.start()
    try:
        env = _env(tmp_path, DISCORD_TOKEN=fake.bot_token, MAJLIS_DISCORD_API_BASE=f"{fake.url}/api/v10")
        process = await asyncio.create_subprocess_exec(
            str(installed.majlis),
            "check",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        await fake.stop()
    text = out.decode()
    assert process.returncode == 0, text + err.decode()
    assert f"client_id={fake.application_id}&scope=bot+applications.commands&permissions=377957239808" in text
    assert text.endswith("ready\n")
    assert not fake.violations
