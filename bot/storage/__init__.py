"""The SQLite store: one connection, numbered migrations, transactions."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.files import private_dir, private_file, tighten

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def to_db_time(moment: datetime | None) -> str | None:
    """Store an aware datetime as an ISO-8601 UTC string."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(value: str | None) -> datetime | None:
    """Read a stored ISO-8601 string back as an aware UTC datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """Return the numbered migration files in order; each number is used once."""
    found = []
    for path in directory.glob("*.sql"):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"badly named migration {path.name}")
        found.append((int(match.group(1)), path))
    found.sort()
    numbers = [n for n, _ in found]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"two migrations share a number: {numbers}")
    return found


def latest_version() -> int:
    """Return the schema version this code brings a database to (its newest migration's number)."""
    found = migrations()
    return found[-1][0] if found else 0


class Database:
    """The bot's single SQLite writer connection."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        # What storage modules keep in memory for this database (each under its own name).
        self.memo: dict[str, Any] = {}

    @property
    def conn(self) -> aiosqlite.Connection:
        """Return the open connection."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self, *, migrate: bool = True) -> None:
        """Open the file, set the pragmas and (unless `migrate` is False) apply pending migrations."""
        if str(self.path) != ":memory:":
            # 0600 in a 0700 folder whatever the umask; SQLite gives -wal and -shm the main file's mode.
            private_dir(self.path.parent)
            private_file(self.path)
            for suffix in ("-wal", "-shm"):
                tighten(self.path.with_name(self.path.name + suffix))
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly a block.
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA busy_timeout=5000")
        await self._conn.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not left readable in free space (`/privacy forget`).
        await self._conn.execute("PRAGMA secure_delete=ON")
        if migrate:
            await self.migrate()

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        self.memo.clear()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def version(self) -> int:
        """Return the schema version (`PRAGMA user_version`)."""
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than the schema version, all in one transaction."""
        current = await self.version()
        pending = [(n, p) for n, p in migrations() if n > current]
        if not pending:
            return current
        async with self.transaction():
            for _number, path in pending:
                log.info("applying migration %s", path.name)
                for statement in _split_sql(path.read_text(encoding="utf-8")):
                    await self.conn.execute(statement)
            # PRAGMA takes no parameters; the value is an int we computed.
            await self.conn.execute(f"PRAGMA user_version={pending[-1][0]}")
        return pending[-1][0]

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one IMMEDIATE transaction: all of it lands, or none."""
        conn = self.conn
        await conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        else:
            await conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        """Run a query and return its first row."""
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        """Run a query and return all rows."""
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def execute(self, sql: str, params: tuple | dict = ()) -> int:
        """Run one statement outside an explicit transaction; return the last row id."""
        async with self.conn.execute(sql, params) as cur:
            return cur.lastrowid or 0


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (aiosqlite's executescript would COMMIT mid-transaction)."""
    statements, buffer = [], []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buffer.append(line)
        joined = "\n".join(buffer)
        if joined.rstrip().endswith(";") and _complete(joined):
            statements.append(joined.strip())
            buffer = []
    if "\n".join(buffer).strip():
        statements.append("\n".join(buffer).strip())
    return statements


def _complete(sql: str) -> bool:
    """Tell whether a statement ending in ';' is whole (a trigger body has inner ';'s)."""
    import sqlite3

    return sqlite3.complete_statement(sql)
