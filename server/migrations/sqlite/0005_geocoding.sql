-- Issue 4: where each record's point comes from, and the geocoding queue (geocoding runs in
-- the background after the save). Never edit once released: add a new migration.
ALTER TABLE contacts ADD COLUMN geo_precision TEXT;
ALTER TABLE contacts ADD COLUMN geo_source TEXT;
-- none: no address; pending: to geocode (again at geo_next_at); done; ambiguous; not_found.
ALTER TABLE contacts ADD COLUMN geo_status TEXT NOT NULL DEFAULT 'none';
ALTER TABLE contacts ADD COLUMN geo_note TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN geo_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN geo_next_at TEXT;
UPDATE contacts SET geo_precision = 'manual', geo_source = 'saisie', geo_status = 'done' WHERE lat IS NOT NULL AND lon IS NOT NULL;
UPDATE contacts SET geo_status = 'pending', geo_next_at = created_at
    WHERE (lat IS NULL OR lon IS NULL) AND (address_line <> '' OR postcode <> '' OR city <> '') AND deleted_at IS NULL;
CREATE INDEX contacts_geo_queue ON contacts (geo_status, geo_next_at);
