-- Guild settings, per-feature configuration (the schedule's truth) and member presence.
CREATE TABLE guilds (
    guild_id   INTEGER PRIMARY KEY,
    language   TEXT NOT NULL DEFAULT 'ar' CHECK (language IN ('ar', 'en')),
    timezone   TEXT NOT NULL DEFAULT 'UTC',
    joined_at  TEXT NOT NULL,
    removed_at TEXT,
    welcomed   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE guild_features (
    guild_id    INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    feature     TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    channel_id  INTEGER,
    weekday     INTEGER CHECK (weekday BETWEEN 0 AND 6),
    hour        INTEGER CHECK (hour BETWEEN 0 AND 23),
    every_weeks INTEGER NOT NULL DEFAULT 1 CHECK (every_weeks IN (1, 2, 4)),
    options     TEXT NOT NULL DEFAULT '{}',
    anchor      TEXT,
    last_run_at TEXT,
    last_error  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, feature)
);

CREATE TABLE members (
    guild_id  INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    language  TEXT CHECK (language IN ('ar', 'en')),
    left_at   TEXT,
    PRIMARY KEY (guild_id, user_id)
);
