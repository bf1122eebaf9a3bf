-- Issue 15: the agency's settings and lists (objections, product families, sectors, cadence…)
-- travel in the pull; `settings_seq` is the change number of their last change. A pull from 0
-- always carries them; phones synced before get them at their next pull (a number above every
-- cursor handed out so far).
ALTER TABLE agencies ADD COLUMN settings_seq BIGINT NOT NULL DEFAULT 0;
UPDATE agencies SET settings_seq = change_seq + 1, change_seq = change_seq + 1;
