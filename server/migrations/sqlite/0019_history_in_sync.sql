-- Issue 15: the record's history, the visit reports and the logged calls and messages travel in
-- the pull like the other kinds. Each timeline line takes the change number of the write that
-- made it.
ALTER TABLE contact_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

-- What was written before is new to every phone: each record's history takes a number above
-- every cursor handed out so far — the agency's counter plus the record's own number, so that a
-- first pull still comes in pages of a few records — and the counter moves past them.
UPDATE contact_events SET seq = COALESCE((SELECT a.change_seq + c.seq FROM contacts c JOIN agencies a ON a.id = c.agency_id
                                          WHERE c.id = contact_events.contact_id), 0);
UPDATE visit_reports SET seq = COALESCE((SELECT a.change_seq + c.seq FROM contacts c JOIN agencies a ON a.id = c.agency_id
                                         WHERE c.id = visit_reports.contact_id), seq);
UPDATE interactions SET seq = COALESCE((SELECT a.change_seq + c.seq FROM contacts c JOIN agencies a ON a.id = c.agency_id
                                        WHERE c.id = interactions.contact_id), seq);
UPDATE agencies SET change_seq = change_seq * 2 + 1;

CREATE INDEX contact_events_seq ON contact_events (agency_id, seq);
CREATE INDEX visit_reports_seq ON visit_reports (agency_id, seq);
CREATE INDEX interactions_seq ON interactions (agency_id, seq);
