-- Skill swaps: requests on the board, "I can help" threads, proposed matches, thanks (reputation).
CREATE TABLE swap_requests (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL,
    offer_key          TEXT NOT NULL CHECK (length(offer_key) BETWEEN 1 AND 100),
    want_key           TEXT NOT NULL CHECK (length(want_key) BETWEEN 1 AND 100),
    details            TEXT CHECK (details IS NULL OR length(details) <= 500),
    status             TEXT NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'matched', 'done', 'closed', 'expired')),
    created_at         TEXT NOT NULL,
    expires_at         TEXT NOT NULL,
    reminded_at        TEXT,
    finished_at        TEXT,
    board_channel_id   INTEGER,
    board_message_id   INTEGER,
    match_id           INTEGER,
    -- Who helped, when a request was completed through an "I can help" thread rather than a match.
    helper_user_id     INTEGER,
    CHECK (offer_key <> want_key)
);

-- The same offer/want twice while still active is refused, even under concurrent commands.
CREATE UNIQUE INDEX swap_requests_active_once
    ON swap_requests (guild_id, user_id, offer_key, want_key) WHERE status IN ('open', 'matched');
CREATE INDEX swap_requests_by_status ON swap_requests (guild_id, status, created_at);
CREATE INDEX swap_requests_by_member ON swap_requests (guild_id, user_id, status);
CREATE INDEX swap_requests_by_expiry ON swap_requests (status, expires_at);

-- One private thread per (request, helper): pressing "I can help" twice opens no second thread.
CREATE TABLE swap_helps (
    request_id     INTEGER NOT NULL REFERENCES swap_requests (id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    helper_user_id INTEGER NOT NULL,
    thread_id      INTEGER,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (request_id, helper_user_id)
);

-- A proposal: a direct swap or a three-way cycle. request_set (sorted ids) is unique, so the same
-- set of requests is never proposed twice, whatever became of the first proposal.
CREATE TABLE swap_matches (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('direct', 'cycle3')),
    request_set TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'proposed'
                CHECK (status IN ('proposed', 'matched', 'declined', 'cancelled', 'done')),
    channel_id  INTEGER,
    thread_id   INTEGER,
    message_id  INTEGER,
    created_at  TEXT NOT NULL,
    decided_at  TEXT,
    UNIQUE (guild_id, request_set)
);

-- The members of a proposal in cycle order: position i offers to position i + 1 (wrapping).
CREATE TABLE swap_match_members (
    match_id     INTEGER NOT NULL REFERENCES swap_matches (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    position     INTEGER NOT NULL CHECK (position BETWEEN 0 AND 2),
    request_id   INTEGER NOT NULL REFERENCES swap_requests (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    response     TEXT CHECK (response IN ('confirmed', 'declined')),
    responded_at TEXT,
    PRIMARY KEY (match_id, position)
);
CREATE INDEX swap_match_members_by_request ON swap_match_members (request_id);

-- A thank-you for a completed swap: each one adds a point to the thanked member's reputation.
CREATE TABLE swap_thanks (
    guild_id      INTEGER NOT NULL,
    request_id    INTEGER NOT NULL REFERENCES swap_requests (id) ON DELETE CASCADE,
    from_user_id  INTEGER NOT NULL,
    to_user_id    INTEGER NOT NULL,
    note          TEXT CHECK (note IS NULL OR length(note) <= 300),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (request_id, from_user_id, to_user_id)
);
CREATE INDEX swap_thanks_by_member ON swap_thanks (guild_id, to_user_id);
