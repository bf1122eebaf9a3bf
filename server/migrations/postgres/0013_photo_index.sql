-- Issue 10: a past photo and the film read the agency's stage changes since a date, in time
-- order, with the record and the stages: this index holds all of it, so the range is read from
-- the index alone. The per-record index of 0012 is no longer used.
-- Never edit once released: add a new migration.
DROP INDEX stage_transitions_contact_seq;
CREATE INDEX stage_transitions_agency_at_moves ON stage_transitions (agency_id, at, contact_id, from_stage, to_stage);
