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

CREATE FUNCTION stage_cells_add(a UUID, o UUID, st TEXT, sz TEXT, d DATE, dn BIGINT, dp BIGINT) RETURNS void AS $$
BEGIN
    INSERT INTO stage_cells (agency_id, owner_id, stage, size_class, n, potential)
    VALUES (a, o, st, sz, dn, dp)
    ON CONFLICT (agency_id, owner_id, stage, size_class)
    DO UPDATE SET n = stage_cells.n + EXCLUDED.n, potential = stage_cells.potential + EXCLUDED.potential;
    INSERT INTO stage_cell_days (agency_id, day, owner_id, stage, size_class, n, potential)
    VALUES (a, d, o, st, sz, dn, dp)
    ON CONFLICT (agency_id, day, owner_id, stage, size_class)
    DO UPDATE SET n = stage_cell_days.n + EXCLUDED.n, potential = stage_cell_days.potential + EXCLUDED.potential;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION contacts_cells() RETURNS trigger AS $$
DECLARE
    t TIMESTAMPTZ;
    d DATE;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.deleted_at IS NULL THEN
            PERFORM stage_cells_add(NEW.agency_id, NEW.owner_id, NEW.stage, NEW.size_class,
                stage_cells_day(NEW.created_at), 1, NEW.accessible_potential_cents);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.deleted_at IS NULL THEN
            PERFORM stage_cells_add(OLD.agency_id, OLD.owner_id, OLD.stage, OLD.size_class,
                stage_cells_day(now()), -1, -OLD.accessible_potential_cents);
        END IF;
        RETURN NULL;
    END IF;
    IF OLD.stage IS NOT DISTINCT FROM NEW.stage AND OLD.size_class IS NOT DISTINCT FROM NEW.size_class
        AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id AND OLD.agency_id IS NOT DISTINCT FROM NEW.agency_id
        AND OLD.accessible_potential_cents IS NOT DISTINCT FROM NEW.accessible_potential_cents
        AND OLD.deleted_at IS NOT DISTINCT FROM NEW.deleted_at THEN
        RETURN NULL;
    END IF;
    t := CASE WHEN OLD.stage IS DISTINCT FROM NEW.stage THEN NEW.stage_changed_at
              WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN NEW.deleted_at
              ELSE now() END;
    d := stage_cells_day(t);
    -- The two cells in key order, so that two writers moving records between the same two
    -- cells take their row locks in the same order.
    IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NULL
        AND (NEW.owner_id, NEW.stage, NEW.size_class) < (OLD.owner_id, OLD.stage, OLD.size_class) THEN
        PERFORM stage_cells_add(NEW.agency_id, NEW.owner_id, NEW.stage, NEW.size_class, d, 1, NEW.accessible_potential_cents);
        PERFORM stage_cells_add(OLD.agency_id, OLD.owner_id, OLD.stage, OLD.size_class, d, -1, -OLD.accessible_potential_cents);
        RETURN NULL;
    END IF;
    IF OLD.deleted_at IS NULL THEN
        PERFORM stage_cells_add(OLD.agency_id, OLD.owner_id, OLD.stage, OLD.size_class, d, -1, -OLD.accessible_potential_cents);
    END IF;
    IF NEW.deleted_at IS NULL THEN
        PERFORM stage_cells_add(NEW.agency_id, NEW.owner_id, NEW.stage, NEW.size_class, d, 1, NEW.accessible_potential_cents);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER contacts_cells AFTER INSERT OR UPDATE OR DELETE ON contacts
FOR EACH ROW EXECUTE FUNCTION contacts_cells();
