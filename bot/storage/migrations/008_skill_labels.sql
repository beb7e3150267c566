-- How an unshipped skill was first typed: its key drops case, ة, hamza and tashkeel, so it is
-- shown with this label instead ("كتابة الإعلانات", not "كتابه الاعلانات").
CREATE TABLE skill_labels (
    skill_key  TEXT PRIMARY KEY CHECK (length(skill_key) BETWEEN 1 AND 100),
    label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    first_seen TEXT NOT NULL
);
