-- Issue 10: what the dashboards need. Never edit once released: add a new migration.

-- Where a prospect came from (campagne: a fair, a file, a referral drive), filterable.
ALTER TABLE contacts ADD COLUMN campaign TEXT NOT NULL DEFAULT '';
CREATE INDEX contacts_campaign ON contacts (agency_id, campaign) WHERE campaign <> '';

-- The NPS question at the end of a visit report: would the client recommend us (0-10)?
ALTER TABLE visit_reports ADD COLUMN recommend_score BIGINT CHECK (recommend_score BETWEEN 0 AND 10);

-- The photo at a date reads each record's last stage change before it: one index range per
-- record, newest first.
CREATE INDEX stage_transitions_contact_seq ON stage_transitions (contact_id, at DESC);
