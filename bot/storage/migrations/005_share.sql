-- Experience sharing: posted threads, drafts awaiting the author's privacy choice,
-- members' private client lists, and the full-text search index.
CREATE TABLE shared_posts (
    post_id    INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    thread_id  INTEGER NOT NULL UNIQUE,
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    story      TEXT NOT NULL,
    lesson     TEXT NOT NULL,
    field      TEXT,
    tags       TEXT NOT NULL DEFAULT '[]',
    masked     INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE INDEX shared_posts_by_member ON shared_posts (guild_id, user_id);

-- The originals of a draft live here for at most a day, only until the author chooses.
CREATE TABLE share_drafts (
    draft_id   INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    title      TEXT NOT NULL,
    story      TEXT NOT NULL,
    lesson     TEXT NOT NULL,
    tags_text  TEXT NOT NULL DEFAULT '',
    posting    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX share_drafts_by_member ON share_drafts (guild_id, user_id);
CREATE INDEX share_drafts_by_expiry ON share_drafts (expires_at);

CREATE TABLE client_names (
    guild_id INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    PRIMARY KEY (guild_id, user_id, position)
);

-- A problem admins should see in /majlis status (e.g. the bot may not create forum tags).
CREATE TABLE share_notices (
    guild_id  INTEGER PRIMARY KEY REFERENCES guilds (guild_id) ON DELETE CASCADE,
    notice    TEXT NOT NULL,
    noted_at  TEXT NOT NULL
);

-- What /share search finds: shared posts, and any other thread a feature indexes (kind).
CREATE TABLE search_documents (
    doc_id     INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id    INTEGER,
    kind       TEXT NOT NULL,
    ref_id     INTEGER NOT NULL,
    thread_id  INTEGER NOT NULL,
    field      TEXT,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (kind, ref_id)
);

CREATE INDEX search_documents_by_member ON search_documents (guild_id, user_id);
CREATE INDEX search_documents_by_thread ON search_documents (thread_id);

-- Holds the normalised title and body (rowid = doc_id); Python fills it, triggers keep it in step.
-- `scope` holds tokens such as "g<guild id>" and "f<field>", so the guild and field filters are
-- posting-list intersections inside FTS rather than a lookup per matching row.
CREATE VIRTUAL TABLE search_fts USING fts5 (title, body, scope, tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER search_documents_forget AFTER DELETE ON search_documents BEGIN
    DELETE FROM search_fts WHERE rowid = old.doc_id;
END;

-- Deleting a post (e.g. /privacy forget) takes it out of search too.
CREATE TRIGGER shared_posts_forget AFTER DELETE ON shared_posts BEGIN
    DELETE FROM search_documents WHERE kind = 'post' AND ref_id = old.post_id;
END;
