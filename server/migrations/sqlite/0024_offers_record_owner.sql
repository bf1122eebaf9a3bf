-- Issue 10: the pipeline without a lookup per offer. Each offer carries its record's owner and
-- whether the record is deleted (`record_owner_id`, `record_deleted`), so that the pipeline of
-- the agency or of one advisor is a range of one covering index. Triggers keep both in step:
-- an offer takes them from its record when created (an offer never moves to another record),
-- a record hands them to its offers when its owner changes or it is deleted or restored
-- (hand-overs, erasure, any later write path).

ALTER TABLE offers ADD COLUMN record_owner_id BLOB;
ALTER TABLE offers ADD COLUMN record_deleted INTEGER NOT NULL DEFAULT 0;

UPDATE offers SET
    record_owner_id = (SELECT c.owner_id FROM contacts c WHERE c.id = offers.contact_id),
    record_deleted = (SELECT c.deleted_at IS NOT NULL FROM contacts c WHERE c.id = offers.contact_id);

DROP INDEX offers_pipeline_cover;
CREATE INDEX offers_pipeline_cover ON offers
    (agency_id, record_deleted, status, record_owner_id, closing_month, amount_cents, prognosis, contact_id);

CREATE TRIGGER offers_record_insert AFTER INSERT ON offers
BEGIN
    UPDATE offers SET
        record_owner_id = (SELECT c.owner_id FROM contacts c WHERE c.id = NEW.contact_id),
        record_deleted = (SELECT c.deleted_at IS NOT NULL FROM contacts c WHERE c.id = NEW.contact_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER contacts_offers AFTER UPDATE OF owner_id, deleted_at ON contacts
WHEN OLD.owner_id IS NOT NEW.owner_id OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    UPDATE offers SET record_owner_id = NEW.owner_id, record_deleted = (NEW.deleted_at IS NOT NULL)
    WHERE contact_id = NEW.id;
END;
