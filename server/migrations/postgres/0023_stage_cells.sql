-- Issue 10: the photo at any past date without reading the history. Each record counts in
-- one cell (agency, owner, stage, size class) with its accessible potential - `stage_cells`
-- holds the cells now, `stage_cell_days` what each local day changed in them. The photo at the
-- end of a day is the cells now minus what the days after it changed (a few hundred rows a
-- day, whatever the size of the history).
--
-- Triggers keep both in step with `contacts` (here inserts and deletions once per statement,
-- from its transition tables: a row updated many times in one transaction grows a chain of
-- versions that every later update walks, so an import's 96 000 per-row updates of the same few
-- cells took minutes), so every write path (forms, sync, imports,
-- stage changes, hand-overs, rescoring, erasure) is counted without code of its own: a record
-- enters its cell when created, leaves it when deleted, and moves when its stage, size class,
-- owner or potential changes - a stage change on the day of the change (`stage_changed_at`),
-- a deletion on the day of the deletion, anything else on the day it is written. From this
-- migration on a record's size class, owner and potential are kept as of each day too.
--
-- The local day needs the agencies' time zone, kept by the server, not by the database (as on SQLite): `zone_offsets`
-- holds its offsets from UTC (minutes, from each instant on), written by the server at start
-- from its configured zone, which it names in `dashboard_zone`. When that name differs from
-- the configured one (the first start after this migration, or a new zone), the server
-- writes the offsets again and rebuilds both tables from the records and their stage history.

CREATE TABLE zone_offsets (
    since   TIMESTAMPTZ NOT NULL PRIMARY KEY,
    minutes INTEGER NOT NULL
);

CREATE TABLE dashboard_zone (
    name TEXT NOT NULL
);

CREATE TABLE stage_cells (
    agency_id  UUID NOT NULL,
    owner_id   UUID NOT NULL,
    stage      TEXT NOT NULL,
    size_class TEXT NOT NULL,
    n          BIGINT NOT NULL,
    potential  BIGINT NOT NULL,
    PRIMARY KEY (agency_id, owner_id, stage, size_class)
);

CREATE TABLE stage_cell_days (
    agency_id  UUID NOT NULL,
    day        DATE NOT NULL,
    owner_id   UUID NOT NULL,
    stage      TEXT NOT NULL,
    size_class TEXT NOT NULL,
    n          BIGINT NOT NULL,
    potential  BIGINT NOT NULL,
    PRIMARY KEY (agency_id, day, owner_id, stage, size_class)
);

CREATE FUNCTION stage_cells_day(t TIMESTAMPTZ) RETURNS DATE AS $$
    SELECT ((t + make_interval(mins => COALESCE(
        (SELECT minutes FROM zone_offsets WHERE since <= t ORDER BY since DESC LIMIT 1), 0)))
        AT TIME ZONE 'UTC')::date
$$ LANGUAGE sql STABLE;

-- What a statement changed in the cells, written to both tables, grouped, in key order (two
-- writers moving records between the same cells take their row locks alike).
CREATE TYPE stage_cell_delta AS (a UUID, o UUID, st TEXT, sz TEXT, d DATE, dn BIGINT, dp BIGINT);

CREATE FUNCTION stage_cells_write(deltas stage_cell_delta[]) RETURNS void AS $$
    INSERT INTO stage_cells (agency_id, owner_id, stage, size_class, n, potential)
    SELECT a, o, st, sz, SUM(dn), SUM(dp) FROM unnest(deltas) GROUP BY a, o, st, sz ORDER BY a, o, st, sz
    ON CONFLICT (agency_id, owner_id, stage, size_class)
    DO UPDATE SET n = stage_cells.n + EXCLUDED.n, potential = stage_cells.potential + EXCLUDED.potential;
    INSERT INTO stage_cell_days (agency_id, day, owner_id, stage, size_class, n, potential)
    SELECT a, d, o, st, sz, SUM(dn), SUM(dp) FROM unnest(deltas) GROUP BY a, d, o, st, sz ORDER BY a, d, o, st, sz
    ON CONFLICT (agency_id, day, owner_id, stage, size_class)
    DO UPDATE SET n = stage_cell_days.n + EXCLUDED.n, potential = stage_cell_days.potential + EXCLUDED.potential;
$$ LANGUAGE sql;

CREATE FUNCTION contacts_cells_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM stage_cells_write(ARRAY(
        SELECT ROW(agency_id, owner_id, stage, size_class, stage_cells_day(created_at), 1, accessible_potential_cents)::stage_cell_delta
        FROM new_rows WHERE deleted_at IS NULL));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION contacts_cells_updated() RETURNS trigger AS $$
BEGIN
    PERFORM stage_cells_write(ARRAY(
        WITH ch AS (
            SELECT stage_cells_day(CASE WHEN OLD.stage IS DISTINCT FROM NEW.stage THEN NEW.stage_changed_at
                WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN NEW.deleted_at
                ELSE now() END) AS d
        )
        SELECT ROW(OLD.agency_id, OLD.owner_id, OLD.stage, OLD.size_class, d, -1, -OLD.accessible_potential_cents)::stage_cell_delta
        FROM ch WHERE OLD.deleted_at IS NULL
        UNION ALL
        SELECT ROW(NEW.agency_id, NEW.owner_id, NEW.stage, NEW.size_class, d, 1, NEW.accessible_potential_cents)::stage_cell_delta
        FROM ch WHERE NEW.deleted_at IS NULL));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION contacts_cells_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM stage_cells_write(ARRAY(
        SELECT ROW(agency_id, owner_id, stage, size_class, stage_cells_day(now()), -1, -accessible_potential_cents)::stage_cell_delta
        FROM old_rows WHERE deleted_at IS NULL));
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER contacts_cells_inserted AFTER INSERT ON contacts
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_cells_inserted();

-- An update, once per row and only when it moves the record between cells: a statement-level
-- trigger cannot be skipped, and most updates (search words, geocoding, import keys) change no
-- cell.
CREATE TRIGGER contacts_cells_updated AFTER UPDATE ON contacts FOR EACH ROW
WHEN ((OLD.agency_id, OLD.owner_id, OLD.stage, OLD.size_class, OLD.accessible_potential_cents)
    IS DISTINCT FROM (NEW.agency_id, NEW.owner_id, NEW.stage, NEW.size_class, NEW.accessible_potential_cents)
    OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
EXECUTE FUNCTION contacts_cells_updated();

CREATE TRIGGER contacts_cells_deleted AFTER DELETE ON contacts
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_cells_deleted();
