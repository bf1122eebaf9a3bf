-- Issue 10: the KPI "conversion meetings to clients" asks, for every record met in the period,
-- whether it became a client before the period and whether it became one during it. Through
-- the index by record and instant each question read every stage change of the record before
-- the instant (ten on average in the steering bench). Only the moves to client are asked for,
-- so a partial index of those alone answers each question with one seek, and the writes of
-- every other stage change do not touch it.
CREATE INDEX stage_transitions_to_client ON stage_transitions (contact_id, at, to_stage) WHERE to_stage = 'client';
