-- The skills each guild uses, kept by triggers as profiles and swap requests change, so autocomplete
-- reads one short index instead of counting every member's skills on each keystroke. `uses` counts
-- profile skills and skills named by a known member's swap requests (a forgotten member's tombstoned
-- requests no longer count); a skill nobody uses is deleted, and its label with it.
-- `label` is how an unshipped skill was first typed in this guild: its key drops case, ة, hamza and
-- tashkeel, so it is shown with this label instead ("كتابة الإعلانات", not "كتابه الاعلانات").
CREATE TABLE guild_skills (
    guild_id  INTEGER NOT NULL,
    skill_key TEXT NOT NULL CHECK (length(skill_key) BETWEEN 1 AND 100),
    uses      INTEGER NOT NULL DEFAULT 0,
    label     TEXT CHECK (label IS NULL OR length(label) BETWEEN 1 AND 100),
    PRIMARY KEY (guild_id, skill_key)
) WITHOUT ROWID;

CREATE INDEX guild_skills_by_use ON guild_skills (guild_id, uses DESC, skill_key);
CREATE INDEX guild_skills_labelled ON guild_skills (guild_id) WHERE label IS NOT NULL;

INSERT INTO guild_skills (guild_id, skill_key, uses)
SELECT guild_id, skill_key, COUNT(*) FROM (
    SELECT guild_id, skill_key FROM member_skills
    UNION ALL SELECT guild_id, offer_key FROM swap_requests WHERE user_id > 0
    UNION ALL SELECT guild_id, want_key FROM swap_requests WHERE user_id > 0
) GROUP BY guild_id, skill_key;

-- The old labels had no guild: each guild using the skill keeps it; unused ones go.
UPDATE guild_skills SET label = (SELECT l.label FROM skill_labels l WHERE l.skill_key = guild_skills.skill_key);
DROP TABLE skill_labels;

CREATE TRIGGER guild_skills_member_add AFTER INSERT ON member_skills BEGIN
    INSERT INTO guild_skills (guild_id, skill_key, uses) VALUES (NEW.guild_id, NEW.skill_key, 1)
    ON CONFLICT (guild_id, skill_key) DO UPDATE SET uses = uses + 1;
END;

CREATE TRIGGER guild_skills_member_remove AFTER DELETE ON member_skills BEGIN
    UPDATE guild_skills SET uses = uses - 1 WHERE guild_id = OLD.guild_id AND skill_key = OLD.skill_key;
    DELETE FROM guild_skills WHERE guild_id = OLD.guild_id AND skill_key = OLD.skill_key AND uses <= 0;
END;

CREATE TRIGGER guild_skills_member_change AFTER UPDATE OF guild_id, skill_key ON member_skills BEGIN
    INSERT INTO guild_skills (guild_id, skill_key, uses) VALUES (NEW.guild_id, NEW.skill_key, 1)
    ON CONFLICT (guild_id, skill_key) DO UPDATE SET uses = uses + 1;
    UPDATE guild_skills SET uses = uses - 1 WHERE guild_id = OLD.guild_id AND skill_key = OLD.skill_key;
    DELETE FROM guild_skills WHERE guild_id = OLD.guild_id AND skill_key = OLD.skill_key AND uses <= 0;
END;

CREATE TRIGGER guild_skills_request_add AFTER INSERT ON swap_requests WHEN NEW.user_id > 0 BEGIN
    INSERT INTO guild_skills (guild_id, skill_key, uses)
    SELECT NEW.guild_id, key, 1 FROM (SELECT NEW.offer_key AS key UNION ALL SELECT NEW.want_key) WHERE true
    ON CONFLICT (guild_id, skill_key) DO UPDATE SET uses = uses + 1;
END;

CREATE TRIGGER guild_skills_request_remove AFTER DELETE ON swap_requests WHEN OLD.user_id > 0 BEGIN
    UPDATE guild_skills SET uses = uses - 1
    WHERE guild_id = OLD.guild_id AND skill_key IN (OLD.offer_key, OLD.want_key);
    DELETE FROM guild_skills
    WHERE guild_id = OLD.guild_id AND skill_key IN (OLD.offer_key, OLD.want_key) AND uses <= 0;
END;

-- Forget replaces user_id with a negative tombstone: the request stays for the partner's
-- reputation, but it no longer keeps the forgotten member's skills (and labels) alive.
CREATE TRIGGER guild_skills_request_change
AFTER UPDATE OF guild_id, user_id, offer_key, want_key ON swap_requests BEGIN
    INSERT INTO guild_skills (guild_id, skill_key, uses)
    SELECT NEW.guild_id, key, 1 FROM (SELECT NEW.offer_key AS key UNION ALL SELECT NEW.want_key)
    WHERE NEW.user_id > 0
    ON CONFLICT (guild_id, skill_key) DO UPDATE SET uses = uses + 1;
    UPDATE guild_skills SET uses = uses - 1
    WHERE OLD.user_id > 0 AND guild_id = OLD.guild_id AND skill_key IN (OLD.offer_key, OLD.want_key);
    DELETE FROM guild_skills
    WHERE guild_id = OLD.guild_id AND skill_key IN (OLD.offer_key, OLD.want_key) AND uses <= 0;
END;

-- Autocomplete keeps each guild's list in memory and re-reads it only when this version moved.
-- Versions come from one counter that only grows, so a purged and re-added guild never repeats one.
CREATE TABLE skill_list_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO skill_list_counter (id, value) VALUES (1, 0);

CREATE TABLE guild_skill_versions (
    guild_id INTEGER PRIMARY KEY,
    version  INTEGER NOT NULL
);

CREATE TRIGGER guild_skills_added AFTER INSERT ON guild_skills BEGIN
    UPDATE skill_list_counter SET value = value + 1 WHERE id = 1;
    INSERT INTO guild_skill_versions (guild_id, version)
    VALUES (NEW.guild_id, (SELECT value FROM skill_list_counter WHERE id = 1))
    ON CONFLICT (guild_id) DO UPDATE SET version = excluded.version;
END;

CREATE TRIGGER guild_skills_changed AFTER UPDATE ON guild_skills BEGIN
    UPDATE skill_list_counter SET value = value + 1 WHERE id = 1;
    INSERT INTO guild_skill_versions (guild_id, version)
    VALUES (NEW.guild_id, (SELECT value FROM skill_list_counter WHERE id = 1))
    ON CONFLICT (guild_id) DO UPDATE SET version = excluded.version;
END;

CREATE TRIGGER guild_skills_removed AFTER DELETE ON guild_skills BEGIN
    UPDATE skill_list_counter SET value = value + 1 WHERE id = 1;
    INSERT INTO guild_skill_versions (guild_id, version)
    VALUES (OLD.guild_id, (SELECT value FROM skill_list_counter WHERE id = 1))
    ON CONFLICT (guild_id) DO UPDATE SET version = excluded.version;
END;

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
