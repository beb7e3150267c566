-- How Arabic messages address a member: masculine, feminine or neutral (NULL = neutral, the default).
ALTER TABLE members ADD COLUMN addressing TEXT CHECK (addressing IN ('masculine', 'feminine', 'neutral'));
