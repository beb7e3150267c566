-- Weekly knowledge prompts: member suggestions, each post (exactly once per occurrence), digests.
CREATE TABLE prompt_suggestions (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    author_user_id     INTEGER NOT NULL,
    text               TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    text_key           TEXT NOT NULL,
    language           TEXT CHECK (language IN ('ar', 'en')),
    -- 'admin' prompts come from /majlis prompt-add: approved at once and not credited.
    origin             TEXT NOT NULL DEFAULT 'member' CHECK (origin IN ('member', 'admin')),
    status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at         TEXT NOT NULL,
    decided_at         TEXT,
    decided_by_user_id INTEGER
);

-- A duplicate of a waiting suggestion is refused in code; this makes a race unable to slip one in.
CREATE UNIQUE INDEX prompt_suggestions_pending_text
    ON prompt_suggestions (guild_id, text_key) WHERE status = 'pending';
CREATE INDEX prompt_suggestions_by_author ON prompt_suggestions (guild_id, author_user_id, status);

CREATE TABLE prompt_posts (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    -- The scheduled occurrence this post is for; NULL for a post asked for with /majlis run.
    scheduled_for  TEXT,
    prompt_ref     TEXT NOT NULL,
    suggestion_id  INTEGER REFERENCES prompt_suggestions (id) ON DELETE SET NULL,
    -- The member credited in the post (an approved suggestion's author), so forget can find it.
    credited_user_id INTEGER,
    text           TEXT NOT NULL,
    language       TEXT,
    channel_id     INTEGER,
    message_id     INTEGER,
    thread_id      INTEGER,
    status         TEXT NOT NULL DEFAULT 'posting' CHECK (status IN ('posting', 'failed', 'posted')),
    error          TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    answer_count   INTEGER,
    created_at     TEXT NOT NULL,
    attempted_at   TEXT,
    posted_at      TEXT,
    UNIQUE (guild_id, scheduled_for)
);

CREATE INDEX prompt_posts_by_guild ON prompt_posts (guild_id, id);

CREATE TABLE prompt_digests (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    scheduled_for  TEXT,
    prompt_post_id INTEGER REFERENCES prompt_posts (id) ON DELETE SET NULL,
    channel_id     INTEGER,
    message_id     INTEGER,
    status         TEXT NOT NULL DEFAULT 'posting' CHECK (status IN ('posting', 'failed', 'posted', 'empty')),
    error          TEXT,
    created_at     TEXT NOT NULL,
    posted_at      TEXT,
    UNIQUE (guild_id, scheduled_for)
);
