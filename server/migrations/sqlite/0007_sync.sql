-- Issue 15: offline sync. Never edit once released: add a new migration.

-- A phone (one installation of the app) and the last of its mutations the server applied.
-- The last id is written in the same transaction as the mutation's effects: exactly once.
-- `applying` names the attempt that wrote it, so that a mutation whose effects take several
-- statements records itself once and a concurrent replay of it finds the id taken.
CREATE TABLE sync_clients (
    id               BLOB PRIMARY KEY,
    user_id          BLOB NOT NULL REFERENCES users(id),
    agency_id        BLOB NOT NULL REFERENCES agencies(id),
    last_mutation_id INTEGER NOT NULL DEFAULT 0,
    applying         BLOB,
    created_at       TEXT NOT NULL,
    last_push_at     TEXT
);
CREATE INDEX sync_clients_user ON sync_clients (user_id);

-- Mutations the rules refused, with the reason and the mutation itself (what was typed is
-- never lost): returned to the phone by push and by pull.
CREATE TABLE sync_refusals (
    client_id   BLOB NOT NULL REFERENCES sync_clients(id),
    mutation_id INTEGER NOT NULL,
    name        TEXT NOT NULL,
    error       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    fields      TEXT NOT NULL,
    mutation    TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (client_id, mutation_id)
);

-- Two people changed one field of a record differently (field-by-field merge of a phone's
-- edit): the record keeps `theirs` until someone involved picks a value (`resolution`).
-- Values are JSON, as the field travels on the wire.
CREATE TABLE conflicts (
    id          BLOB PRIMARY KEY,
    agency_id   BLOB NOT NULL REFERENCES agencies(id),
    contact_id  BLOB NOT NULL REFERENCES contacts(id),
    field       TEXT NOT NULL,
    base        TEXT NOT NULL,
    mine        TEXT NOT NULL,
    mine_by     BLOB NOT NULL REFERENCES users(id),
    mine_at     TEXT NOT NULL,
    theirs      TEXT NOT NULL,
    theirs_by   BLOB NOT NULL REFERENCES users(id),
    theirs_at   TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by BLOB REFERENCES users(id),
    resolution  TEXT,
    seq         INTEGER NOT NULL
);
CREATE INDEX conflicts_seq ON conflicts (agency_id, seq);
CREATE INDEX conflicts_contact ON conflicts (contact_id);

-- Pull reads each kind by change number.
CREATE INDEX meetings_seq ON meetings (agency_id, seq);
CREATE INDEX tasks_seq ON tasks (agency_id, seq);
