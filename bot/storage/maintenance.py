"""Schema-derived housekeeping: which tables hold guild data, and purging removed guilds."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage import Database, from_db_time, to_db_time

PURGE_AFTER = timedelta(days=30)


async def tables_with_column(db: Database, column: str) -> list[str]:
    """Return the ordinary and FTS tables that have a column of this name (read from the schema)."""
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '%\\_data' ESCAPE '\\' AND name NOT LIKE '%\\_idx' ESCAPE '\\' "
        "AND name NOT LIKE '%\\_content' ESCAPE '\\' AND name NOT LIKE '%\\_docsize' ESCAPE '\\' "
        "AND name NOT LIKE '%\\_config' ESCAPE '\\' ORDER BY name"
    )
    found = []
    for row in tables:
        name = row["name"]
        # Table names come from sqlite_master, not from input; PRAGMA takes no parameters.
        columns = await db.fetchall(f"PRAGMA table_info('{name}')")
        if any(c["name"] == column for c in columns):
            found.append(name)
    return found


async def first_joined(db: Database) -> datetime | None:
    """Return when the bot first joined a guild still stored (None while the database holds no guild)."""
    row = await db.fetchone("SELECT MIN(joined_at) AS first FROM guilds")
    return from_db_time(row["first"]) if row else None


async def purge_removed_guilds(db: Database, now: datetime) -> list[int]:
    """Delete every row of guilds the bot was removed from more than 30 days ago."""
    rows = await db.fetchall(
        "SELECT guild_id FROM guilds WHERE removed_at IS NOT NULL AND removed_at < ?",
        (to_db_time(now - PURGE_AFTER),),
    )
    guild_ids = [r["guild_id"] for r in rows]
    if not guild_ids:
        return []
    tables = [t for t in await tables_with_column(db, "guild_id") if t != "guilds"]
    async with db.transaction() as conn:
        # Checked at COMMIT, so the order of deletes across related tables does not matter.
        await conn.execute("PRAGMA defer_foreign_keys = ON")
        for guild_id in guild_ids:
            for table in tables:
                await conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
            await conn.execute("DELETE FROM guilds WHERE guild_id = ?", (guild_id,))
    return guild_ids
