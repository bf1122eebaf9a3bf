-- Issue 15: the agency's settings and lists (objections, product families, sectors, cadence…)
-- travel in the pull; `settings_seq` is the change number of their last change (0: never
-- changed — a pull from 0 always carries them).
ALTER TABLE agencies ADD COLUMN settings_seq INTEGER NOT NULL DEFAULT 0;
-- Phones synced before never had them: their next pull starts again from 0 (as in 0019).
UPDATE agencies SET sync_floor = change_seq + 1, change_seq = change_seq + 1;
