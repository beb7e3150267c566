-- A check-in sent by direct message is recorded per member, like the intro itself, so a restart
-- mid-group never asks a member twice: pending -> sending -> sent; or closed (403, never retried).
ALTER TABLE intro_group_members ADD COLUMN checkin_dm_state TEXT NOT NULL DEFAULT 'pending'
    CHECK (checkin_dm_state IN ('pending', 'sending', 'sent', 'closed'));
ALTER TABLE intro_group_members ADD COLUMN checkin_dm_message_id INTEGER;
