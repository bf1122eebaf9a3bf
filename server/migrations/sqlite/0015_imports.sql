-- Issue 11: records imported from a file. Never edit once released: add a new migration.

-- An import: the file as read (kept as UTF-8 between the preview and the run, cleared after),
-- the manager's choices and what happened.
CREATE TABLE imports (
    id           BLOB PRIMARY KEY,
    agency_id    BLOB NOT NULL REFERENCES agencies(id),
    created_by   BLOB NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    encoding     TEXT NOT NULL,
    delimiter    TEXT NOT NULL,
    line_count   INTEGER NOT NULL,
    content      TEXT,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'running', 'done', 'failed')),
    options      TEXT,
    counts       TEXT,
    report       TEXT,
    error        TEXT,
    finished_at  TEXT
);
CREATE INDEX imports_agency ON imports (agency_id, created_at DESC);

-- Which import made a record, and the fingerprints of the lines it came from (space
-- separated): the same line is never imported twice.
ALTER TABLE contacts ADD COLUMN import_id BLOB;
ALTER TABLE contacts ADD COLUMN import_key TEXT;
