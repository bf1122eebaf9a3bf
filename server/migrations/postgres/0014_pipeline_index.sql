-- Issue 10: the pipeline sums offers in progress or signed by month and by advisor. Both
-- indexes below let it read only index pages: the offers' figures, and each offer's record's
-- owner and deletion (a record's row is large; this index entry is not).
-- Never edit once released: add a new migration.
CREATE INDEX offers_pipeline_cover ON offers (agency_id, status, closing_month, contact_id, amount_cents, prognosis);
CREATE INDEX contacts_owner_cover ON contacts (id, agency_id, owner_id, deleted_at);
