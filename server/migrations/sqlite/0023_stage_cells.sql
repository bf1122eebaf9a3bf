-- Issue 10: the photo at any past date without reading the history. Each record counts in
-- one cell (agency, owner, stage, size class) with its accessible potential - `stage_cells`
-- holds the cells now, `stage_cell_days` what each local day changed in them. The photo at the
-- end of a day is the cells now minus what the days after it changed (a few hundred rows a
-- day, whatever the size of the history).
--
-- Triggers keep both in step with `contacts`, so every write path (forms, sync, imports,
-- stage changes, hand-overs, rescoring, erasure) is counted without code of its own: a record
-- enters its cell when created, leaves it when deleted, and moves when its stage, size class,
-- owner or potential changes - a stage change on the day of the change (`stage_changed_at`),
-- a deletion on the day of the deletion, anything else on the day it is written. From this
-- migration on a record's size class, owner and potential are kept as of each day too.
--
-- The local day needs the agencies' time zone, which SQLite does not know: `zone_offsets`
-- holds its offsets from UTC (minutes, from each instant on), written by the server at start
-- from its configured zone, which it names in `dashboard_zone`. When that name differs from
-- the configured one (the first start after this migration, or a new zone), the server
-- writes the offsets again and rebuilds both tables from the records and their stage history.

CREATE TABLE zone_offsets (
    since   TEXT NOT NULL PRIMARY KEY,
    minutes INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE dashboard_zone (
    name TEXT NOT NULL
);

CREATE TABLE stage_cells (
    agency_id  BLOB NOT NULL,
    owner_id   BLOB NOT NULL,
    stage      TEXT NOT NULL,
    size_class TEXT NOT NULL,
    n          INTEGER NOT NULL,
    potential  INTEGER NOT NULL,
    PRIMARY KEY (agency_id, owner_id, stage, size_class)
) WITHOUT ROWID;

CREATE TABLE stage_cell_days (
    agency_id  BLOB NOT NULL,
    day        TEXT NOT NULL,
    owner_id   BLOB NOT NULL,
    stage      TEXT NOT NULL,
    size_class TEXT NOT NULL,
    n          INTEGER NOT NULL,
    potential  INTEGER NOT NULL,
    PRIMARY KEY (agency_id, day, owner_id, stage, size_class)
) WITHOUT ROWID;

CREATE TRIGGER contacts_cells_insert AFTER INSERT ON contacts
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO stage_cells (agency_id, owner_id, stage, size_class, n, potential)
    SELECT NEW.agency_id, NEW.owner_id, NEW.stage, NEW.size_class, 1, NEW.accessible_potential_cents
    WHERE true
    ON CONFLICT (agency_id, owner_id, stage, size_class) DO UPDATE SET n = n + excluded.n, potential = potential + excluded.potential;
    INSERT INTO stage_cell_days (agency_id, day, owner_id, stage, size_class, n, potential)
    SELECT NEW.agency_id, date(NEW.created_at, COALESCE((SELECT minutes FROM zone_offsets WHERE since <= NEW.created_at ORDER BY since DESC LIMIT 1), 0) || ' minutes'), NEW.owner_id, NEW.stage, NEW.size_class, 1, NEW.accessible_potential_cents
    WHERE true
    ON CONFLICT (agency_id, day, owner_id, stage, size_class) DO UPDATE SET n = n + excluded.n, potential = potential + excluded.potential;
END;

CREATE TRIGGER contacts_cells_update AFTER UPDATE ON contacts
WHEN OLD.stage IS NOT NEW.stage OR OLD.size_class IS NOT NEW.size_class OR OLD.owner_id IS NOT NEW.owner_id
    OR OLD.accessible_potential_cents IS NOT NEW.accessible_potential_cents OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.agency_id IS NOT NEW.agency_id
BEGIN
    INSERT INTO stage_cells (agency_id, owner_id, stage, size_class, n, potential)
    SELECT OLD.agency_id, OLD.owner_id, OLD.stage, OLD.size_class, -1, -OLD.accessible_potential_cents
    WHERE OLD.deleted_at IS NULL
    ON CONFLICT (agency_id, owner_id, stage, size_class) DO UPDATE SET n = n + excluded.n, potential = potential + excluded.potential;
    INSERT INTO stage_cell_days (agency_id, day, owner_id, stage, size_class, n, potential)
    SELECT OLD.agency_id, date(CASE WHEN OLD.stage IS NOT NEW.stage THEN NEW.stage_changed_at WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN NEW.deleted_at ELSE strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') END, COALESCE((SELECT minutes FROM zone_offsets WHERE since <= CASE WHEN OLD.stage IS NOT NEW.stage THEN NEW.stage_changed_at WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN NEW.deleted_at ELSE strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') END ORDER BY since DESC LIMIT 1), 0) || ' minutes'), OLD.owner_id, OLD.stage, OLD.size_class, -1, -OLD.accessible_potential_cents
    WHERE OLD.deleted_at IS NULL
    ON CONFLICT (agency_id, day, owner_id, stage, size_class) DO UPDATE SET n = n + excluded.n, potential = potential + excluded.potential;
    INSERT INTO stage_cells (agency_id, owner_id, stage, size_class, n, potential)
    SELECT NEW.agency_id, NEW.owner_id, NEW.stage, NEW.size_class, 1, NEW.accessible_potential_cents
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (agency_id, owner_id, stage, size_class) DO UPDATE SET n = n + excluded.n, potential = potential + excluded.potential;
    INSERT INTO stage_cell_days (agency_id, day, owner_id, stage, size_class, n, potential)
    SELECT NEW.agency_id, date(CASE WHEN OLD.stage IS NOT NEW.stage THEN NEW.stage_changed_at WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN NEW.deleted_at ELSE strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') END, COALESCE((SELECT minutes FROM zone_offsets WHERE since <= CASE WHEN OLD.stage IS NOT NEW.stage THEN NEW.stage_changed_at WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN NEW.deleted_at ELSE strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') END ORDER BY since DESC LIMIT 1), 0) || ' minutes'), NEW.owner_id, NEW.stage, NEW.size_class, 1, NEW.accessible_potential_cents
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT (agency_id, day, owner_id, stage, size_class) DO UPDATE SET n = n + excluded.n, potential = potential + excluded.potential;
END;

CREATE TRIGGER contacts_cells_delete AFTER DELETE ON contacts
WHEN OLD.deleted_at IS NULL
BEGIN
    INSERT INTO stage_cells (agency_id, owner_id, stage, size_class, n, potential)
    SELECT OLD.agency_id, OLD.owner_id, OLD.stage, OLD.size_class, -1, -OLD.accessible_potential_cents
    WHERE true
    ON CONFLICT (agency_id, owner_id, stage, size_class) DO UPDATE SET n = n + excluded.n, potential = potential + excluded.potential;
    INSERT INTO stage_cell_days (agency_id, day, owner_id, stage, size_class, n, potential)
    SELECT OLD.agency_id, date(strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), COALESCE((SELECT minutes FROM zone_offsets WHERE since <= strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') ORDER BY since DESC LIMIT 1), 0) || ' minutes'), OLD.owner_id, OLD.stage, OLD.size_class, -1, -OLD.accessible_potential_cents
    WHERE true
    ON CONFLICT (agency_id, day, owner_id, stage, size_class) DO UPDATE SET n = n + excluded.n, potential = potential + excluded.potential;
END;
