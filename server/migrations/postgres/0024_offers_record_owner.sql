-- Issue 10: the pipeline without a lookup per offer. Each offer carries its record's owner and
-- whether the record is deleted (`record_owner_id`, `record_deleted`), so that the pipeline of
-- the agency or of one advisor is a range of one covering index. Triggers keep both in step:
-- an offer takes them from its record when created (an offer never moves to another record),
-- a record hands them to its offers when its owner changes or it is deleted or restored
-- (hand-overs, erasure, any later write path).

ALTER TABLE offers ADD COLUMN record_owner_id UUID;
ALTER TABLE offers ADD COLUMN record_deleted BOOLEAN NOT NULL DEFAULT false;

UPDATE offers o SET record_owner_id = c.owner_id, record_deleted = (c.deleted_at IS NOT NULL)
FROM contacts c WHERE c.id = o.contact_id;

DROP INDEX offers_pipeline_cover;
CREATE INDEX offers_pipeline_cover ON offers
    (agency_id, record_deleted, status, record_owner_id, closing_month, amount_cents, prognosis, contact_id);

CREATE FUNCTION offers_record() RETURNS trigger AS $$
BEGIN
    SELECT c.owner_id, c.deleted_at IS NOT NULL INTO NEW.record_owner_id, NEW.record_deleted
    FROM contacts c WHERE c.id = NEW.contact_id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER offers_record BEFORE INSERT ON offers
FOR EACH ROW EXECUTE FUNCTION offers_record();

CREATE FUNCTION contacts_offers() RETURNS trigger AS $$
BEGIN
    UPDATE offers SET record_owner_id = NEW.owner_id, record_deleted = (NEW.deleted_at IS NOT NULL)
    WHERE contact_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER contacts_offers AFTER UPDATE ON contacts FOR EACH ROW
WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
EXECUTE FUNCTION contacts_offers();
