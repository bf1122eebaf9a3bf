-- Issue 11: the search words of a record are derived from the record, written and deleted only
-- with it, in the same transaction, by the store (records are never deleted, only marked). Their
-- two foreign keys checked the agency and the record again for every word: an import of 100 000
-- lines writes 840 000 words, and on PostgreSQL those checks were about two thirds of the cost
-- of writing them (measured with COPY of 175 000 words: 5.1 s with both keys, 1.7 s without).
-- The words go on without foreign keys. SQLite cannot drop a key, so the table is rebuilt.
CREATE TABLE contact_terms_new (
    agency_id  BLOB NOT NULL,
    term       TEXT NOT NULL,
    contact_id BLOB NOT NULL,
    PRIMARY KEY (agency_id, term, contact_id)
) WITHOUT ROWID;
INSERT INTO contact_terms_new (agency_id, term, contact_id) SELECT agency_id, term, contact_id FROM contact_terms;
DROP TABLE contact_terms;
ALTER TABLE contact_terms_new RENAME TO contact_terms;
CREATE INDEX contact_terms_contact ON contact_terms (contact_id);
