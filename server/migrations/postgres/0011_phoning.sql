-- Issue 10: phoning sessions. Never edit once released: add a new migration.

-- The phoning session a call was made in (an id the phone chooses; no table of its own): at
-- most 3 such calls per person and period. And the objection heard when the person refused.
ALTER TABLE interactions ADD COLUMN session_id UUID;
ALTER TABLE interactions ADD COLUMN objection_code TEXT;
CREATE INDEX interactions_session ON interactions (session_id) WHERE session_id IS NOT NULL;
