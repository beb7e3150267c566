-- A digest's send is recorded before the HTTP call, so a restart looks for it before sending again.
ALTER TABLE prompt_digests ADD COLUMN attempted_at TEXT;
