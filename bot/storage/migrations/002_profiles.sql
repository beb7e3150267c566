-- Member profiles and their skills; "who has skill X here" is one indexed query.
CREATE TABLE profiles (
    guild_id     INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    field        TEXT,
    timezone     TEXT,
    languages    TEXT NOT NULL DEFAULT '[]',
    about        TEXT CHECK (about IS NULL OR length(about) <= 300),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE member_skills (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    skill_key TEXT NOT NULL CHECK (length(skill_key) BETWEEN 1 AND 50),
    position  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, skill_key),
    FOREIGN KEY (guild_id, user_id) REFERENCES profiles (guild_id, user_id) ON DELETE CASCADE
);

CREATE INDEX member_skills_by_skill ON member_skills (guild_id, skill_key);
CREATE INDEX profiles_by_field ON profiles (guild_id, field);
