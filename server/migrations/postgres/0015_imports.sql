-- Issue 11: records imported from a file. Never edit once released: add a new migration.

-- An import: the file as read (kept as UTF-8 between the preview and the run, cleared after),
-- the manager's choices and what happened.
CREATE TABLE imports (
    id           UUID PRIMARY KEY,
    agency_id    UUID NOT NULL REFERENCES agencies(id),
    created_by   UUID NOT NULL REFERENCES users(id),
    created_at   TIMESTAMPTZ NOT NULL,
    file_name    TEXT NOT NULL,
    encoding     TEXT NOT NULL,
    delimiter    TEXT NOT NULL,
    line_count   BIGINT NOT NULL,
    content      TEXT,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'running', 'done', 'failed')),
    options      TEXT,
    counts       TEXT,
    report       TEXT,
    error        TEXT,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX imports_agency ON imports (agency_id, created_at DESC);

-- Which import made a record, and the fingerprints of the lines it came from (space
-- separated): the same line is never imported twice.
ALTER TABLE contacts ADD COLUMN import_id UUID;
ALTER TABLE contacts ADD COLUMN import_key TEXT;
