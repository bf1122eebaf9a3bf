-- Issue 15: the record's history, the visit reports and the logged calls and messages travel in
-- the pull like the other kinds. Each timeline line takes the change number of the write that
-- made it; lines written before this migration take their record's.
ALTER TABLE contact_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE contact_events SET seq = COALESCE((SELECT c.seq FROM contacts c WHERE c.id = contact_events.contact_id), 0);
CREATE INDEX contact_events_seq ON contact_events (agency_id, seq);
CREATE INDEX visit_reports_seq ON visit_reports (agency_id, seq);
CREATE INDEX interactions_seq ON interactions (agency_id, seq);

-- Phones synced before hold none of those rows: a cursor below `sync_floor` gets a reset (the
-- phone pulls again from 0; its outbox stays). The counter moves on by one so that every
-- cursor handed out from now on is at or above the floor.
ALTER TABLE agencies ADD COLUMN sync_floor INTEGER NOT NULL DEFAULT 0;
UPDATE agencies SET sync_floor = change_seq + 1, change_seq = change_seq + 1;
