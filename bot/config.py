"""Settings read from the environment and `.env`."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

SETUP_HINT = (
    "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications "
    "(Bot → Reset Token), then put DISCORD_TOKEN=<token> in .env or the environment."
)


class MissingTokenError(RuntimeError):
    """The bot token is missing; the message tells how to get one."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs from its environment."""

    token: str
    db_path: Path
    log_level: int
    dev_guild: int | None
    backup_dir: Path | None = None
    metrics_port: int | None = None  # MAJLIS_METRICS_PORT; None: no /healthz or /metrics
    metrics_host: str = "127.0.0.1"
    log_format: str = "text"  # or "json": one object a line
    discord_debug: bool = False  # MAJLIS_DISCORD_DEBUG: discord.py's DEBUG logs carry private text

    @property
    def backup_folder(self) -> Path:
        """Return where backups go: `MAJLIS_BACKUP_DIR`, else `backups/` beside the database."""
        return self.backup_dir or self.db_path.parent / "backups"

    def __repr__(self) -> str:
        # Never let the token reach a log line or a traceback.
        return f"Settings(db_path={self.db_path!s}, log_level={self.log_level}, dev_guild={self.dev_guild})"


def load_settings(
    env_file: str | os.PathLike[str] | None = ".env", *, require_token: bool = True
) -> Settings:
    """Read settings from `.env` (if present) and the environment; raise if the token is missing and required."""
    if env_file is not None:
        load_dotenv(env_file, override=False)
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token and require_token:
        raise MissingTokenError(SETUP_HINT)
    level_name = os.environ.get("MAJLIS_LOG_LEVEL", "INFO").upper()
    level = logging.getLevelName(level_name)
    if not isinstance(level, int):
        level = logging.INFO
    dev_guild = os.environ.get("MAJLIS_DEV_GUILD", "").strip()
    backup_dir = os.environ.get("MAJLIS_BACKUP_DIR", "").strip()
    metrics_port = os.environ.get("MAJLIS_METRICS_PORT", "").strip()
    return Settings(
        token=token,
        db_path=Path(os.environ.get("MAJLIS_DB", "data/majlis.db")),
        log_level=level,
        dev_guild=int(dev_guild) if dev_guild.isdigit() else None,
        backup_dir=Path(backup_dir) if backup_dir else None,
        metrics_port=int(metrics_port) if metrics_port.isdigit() else None,
        metrics_host=os.environ.get("MAJLIS_METRICS_HOST", "").strip() or "127.0.0.1",
        log_format="json" if os.environ.get("MAJLIS_LOG_FORMAT", "").strip().lower() == "json" else "text",
        discord_debug=os.environ.get("MAJLIS_DISCORD_DEBUG", "").strip() == "1",
    )
