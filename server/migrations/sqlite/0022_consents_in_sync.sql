-- Issue 11 / 15: consents travel in the pull and are recorded from the phone, offline too (a
-- mutation with a client-made id). Each consent takes the change number of the write that
-- recorded it.
ALTER TABLE consents ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

-- Consents recorded before are new to every phone: a number above every cursor handed out so
-- far (the agency's counter plus the record's own number), and the counter moves past them.
UPDATE consents SET seq = COALESCE((SELECT a.change_seq + c.seq FROM contacts c JOIN agencies a ON a.id = c.agency_id
                                    WHERE c.id = consents.contact_id), 0);
UPDATE agencies SET change_seq = change_seq * 2 + 1;

CREATE INDEX consents_seq ON consents (agency_id, seq);
