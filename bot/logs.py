"""Logging: readable text by default, or one JSON object a line; private text never reaches a log.

`MAJLIS_LOG_LEVEL=DEBUG` applies to Majlis's own loggers (`bot`, `cogs`) only. discord.py's DEBUG logs
carry gateway payloads and request bodies — modal text, interaction tokens — so its loggers stay at
INFO unless `MAJLIS_DISCORD_DEBUG=1` (unsafe: for a developer's own test server).

Each record carries the guild id, command and feature it happened in when known (set with `bind`
around a command or a scheduled run): the JSON format writes them as fields, the text format appends
them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

OWN_LOGGERS = ("bot", "cogs", "__main__")
QUIET_AT_DEBUG = ("discord", "aiohttp", "apscheduler", "asyncio")
CONTEXT_FIELDS = ("guild_id", "command", "feature")
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "majlis_log_context", default=None
)


def bind(**fields: Any) -> None:
    """Attach guild_id / command / feature to every record logged from here on in this task."""
    merged = dict(_context.get() or {})
    merged.update({k: v for k, v in fields.items() if v is not None})
    _context.set(merged)


def unbind() -> None:
    """Forget the bound context in this task."""
    _context.set(None)


class ContextFilter(logging.Filter):
    """Copy the bound context onto each record (as attributes, so formatters can use them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, context.get(name))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, guild_id, command, feature, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger: message [guild=… command=… feature=…]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = " ".join(
            f"{name.removesuffix('_id')}={getattr(record, name)}"
            for name in CONTEXT_FIELDS
            if getattr(record, name, None) is not None
        )
        if not context:
            return text
        first, sep, rest = text.partition("\n")
        return f"{first} [{context}]{sep}{rest}"


def setup_logging(
    level: int, *, fmt: str = "text", discord_debug: bool = False, stream: IO[str] | None = None
) -> logging.Handler:
    """Send logs to stderr (or `stream`) in the chosen format; DEBUG only for Majlis's own loggers."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "majlis", False)]:
        root.removeHandler(old)
    handler.majlis = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(max(level, logging.INFO))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name in QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(
            logging.DEBUG if discord_debug and name == "discord" else logging.NOTSET
        )
    return handler
