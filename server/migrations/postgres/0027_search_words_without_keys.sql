-- Issue 11: the search words of a record are derived from the record, written and deleted only
-- with it, in the same transaction, by the store (records are never deleted, only marked). Their
-- two foreign keys checked the agency and the record again for every word: an import of 100 000
-- lines writes 840 000 words, and those checks were about two thirds of the cost of writing
-- them (measured with COPY of 175 000 words: 5.1 s with both keys, 1.7 s without).
ALTER TABLE contact_terms DROP CONSTRAINT contact_terms_agency_id_fkey, DROP CONSTRAINT contact_terms_contact_id_fkey;
