-- Peer introductions: who takes part, private preferences, and each round as a recorded state machine.
CREATE TABLE intro_members (
    guild_id      INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    opted_in      INTEGER NOT NULL DEFAULT 1,
    joined_at     TEXT NOT NULL,
    paused_until  TEXT,
    -- left out or stood up last round: goes first next round
    priority      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE intro_avoids (
    guild_id         INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL,
    avoided_user_id  INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, avoided_user_id),
    CHECK (user_id != avoided_user_id)
);

CREATE TABLE intro_again (
    guild_id       INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    again_user_id  INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, again_user_id),
    CHECK (user_id != again_user_id)
);

CREATE TABLE intro_rounds (
    round_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    scheduled_for  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    seed           INTEGER NOT NULL,
    group_size     INTEGER NOT NULL,
    match_mode     TEXT NOT NULL,
    delivery       TEXT NOT NULL CHECK (delivery IN ('thread', 'dm')),
    channel_id     INTEGER,
    language       TEXT NOT NULL,
    checkin_at     TEXT NOT NULL,
    checkin_done   INTEGER NOT NULL DEFAULT 0,
    delivered_at   TEXT,
    UNIQUE (guild_id, scheduled_for)
);

CREATE TABLE intro_groups (
    group_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id        INTEGER NOT NULL REFERENCES intro_rounds (round_id) ON DELETE CASCADE,
    guild_id        INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    reasons         TEXT NOT NULL DEFAULT '[]',
    weight          REAL NOT NULL DEFAULT 0,
    is_repeat       INTEGER NOT NULL DEFAULT 0,
    icebreaker_id   TEXT,
    -- pending -> creating -> thread_created -> members_added -> posting -> posted; or failed (never retried)
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'creating', 'thread_created', 'members_added', 'posting',
                                     'posted', 'failed')),
    thread_id       INTEGER,
    message_id      INTEGER,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    checkin_state   TEXT NOT NULL DEFAULT 'none' CHECK (checkin_state IN ('none', 'posting', 'posted', 'failed')),
    checkin_message_id INTEGER,
    UNIQUE (round_id, position)
);

CREATE TABLE intro_group_members (
    group_id     INTEGER NOT NULL REFERENCES intro_groups (group_id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    answer       TEXT CHECK (answer IN ('met', 'not_yet', 'couldnt')),
    answered_at  TEXT,
    -- direct-message delivery, per member: pending -> sending -> sent; or closed (403, never retried)
    dm_state     TEXT NOT NULL DEFAULT 'pending' CHECK (dm_state IN ('pending', 'sending', 'sent', 'closed')),
    dm_message_id INTEGER,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE intro_unmatched (
    round_id   INTEGER NOT NULL REFERENCES intro_rounds (round_id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    notified   TEXT NOT NULL DEFAULT 'pending' CHECK (notified IN ('pending', 'sent', 'closed')),
    PRIMARY KEY (round_id, user_id)
);

CREATE INDEX intro_group_members_by_member ON intro_group_members (guild_id, user_id);
CREATE INDEX intro_groups_by_round ON intro_groups (round_id, state);
CREATE INDEX intro_groups_by_thread ON intro_groups (thread_id);
CREATE INDEX intro_rounds_by_guild ON intro_rounds (guild_id, round_id);
CREATE INDEX intro_members_by_guild ON intro_members (guild_id, opted_in);
CREATE INDEX intro_unmatched_by_member ON intro_unmatched (guild_id, user_id);
