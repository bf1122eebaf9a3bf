-- Word index for contact search: one row per distinct folded word of a record's searchable
-- text, so that "words starting with …" is an index range scan instead of a table scan.
-- COLLATE "C": byte order, so that the range [word, word + 1) is exactly the prefix.
CREATE TABLE contact_terms (
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    term       TEXT COLLATE "C" NOT NULL,
    contact_id UUID NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (agency_id, term, contact_id)
);
CREATE INDEX contact_terms_contact ON contact_terms (contact_id);
