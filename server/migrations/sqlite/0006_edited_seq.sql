-- The change number of the last edit by a person (form, stage change), distinct from `seq`,
-- which the system's own writes also move (a point found by the geocoder, a meeting held):
-- an edit conflicts only with another person's edit. Never edit once released.
ALTER TABLE contacts ADD COLUMN edited_seq INTEGER NOT NULL DEFAULT 0;
UPDATE contacts SET edited_seq = seq;
