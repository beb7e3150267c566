-- Words a member told the privacy check never to flag again ("always ignore"), kept beside their
-- private client list; /privacy export and /privacy forget find the table by its user_id column.
CREATE TABLE ignored_words (
    guild_id INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    position INTEGER NOT NULL,
    word     TEXT NOT NULL CHECK (length(word) BETWEEN 1 AND 100),
    PRIMARY KEY (guild_id, user_id, position)
);

-- Findings the author dismissed as "not a client detail" for this one draft (a JSON list of texts).
ALTER TABLE share_drafts ADD COLUMN dismissed TEXT NOT NULL DEFAULT '[]';
