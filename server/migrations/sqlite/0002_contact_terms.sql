-- Word index for contact search: one row per distinct folded word of a record's searchable
-- text, so that "words starting with …" is an index range scan instead of a table scan.
CREATE TABLE contact_terms (
    agency_id  BLOB NOT NULL REFERENCES agencies(id),
    term       TEXT NOT NULL,
    contact_id BLOB NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (agency_id, term, contact_id)
) WITHOUT ROWID;
CREATE INDEX contact_terms_contact ON contact_terms (contact_id);
