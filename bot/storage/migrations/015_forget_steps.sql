-- /privacy forget reaches Discord too: the messages to edit or delete are planned in the same
-- transaction that deletes the member's rows, then done one recorded step at a time, so a stop
-- mid-way finishes after the restart without doing any step twice. `forgotten_id` is the member's
-- Discord id, kept only to recognise their mentions until the last step is done; the job row and
-- its steps are deleted then.
CREATE TABLE forget_jobs (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    forgotten_id INTEGER NOT NULL,
    language     TEXT NOT NULL CHECK (language IN ('ar', 'en')),
    created_at   TEXT NOT NULL
);

CREATE TABLE forget_steps (
    job_id     INTEGER NOT NULL REFERENCES forget_jobs (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('board', 'forum', 'digest', 'prompt', 'intro')),
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}',
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'begun', 'done', 'unchanged', 'gone')),
    PRIMARY KEY (job_id, position)
);
