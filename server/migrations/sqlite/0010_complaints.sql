-- Issue 10: complaints (réclamations) and their steps. Never edit once released: add a new
-- migration.

-- A complaint as it stands: the facts of each phase reached (shared::complaint). The phase
-- only moves forward, one step at a time; nothing is ever deleted.
CREATE TABLE complaints (
    id                 BLOB PRIMARY KEY,
    agency_id          BLOB NOT NULL REFERENCES agencies(id),
    contact_id         BLOB NOT NULL REFERENCES contacts(id),
    received_at        TEXT NOT NULL,
    channel            TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'letter', 'visit', 'other')),
    from_whom          TEXT NOT NULL,
    description        TEXT NOT NULL,
    phase              TEXT NOT NULL CHECK (phase IN ('received', 'acknowledged', 'registered', 'resolved', 'closed', 'followed_up', 'exploited')),
    acknowledged_at    TEXT,
    registered_at      TEXT,
    founded            INTEGER,
    nature             TEXT CHECK (nature IN ('technical', 'psychological', 'tactical')),
    resolved_at        TEXT,
    answer             TEXT NOT NULL,
    serious            INTEGER NOT NULL,
    by_phone           INTEGER NOT NULL,
    closed_at          TEXT,
    satisfied          INTEGER,
    followed_up_at     TEXT,
    exploited_at       TEXT,
    preventive_action  TEXT NOT NULL,
    created_by         BLOB NOT NULL REFERENCES users(id),
    seq                INTEGER NOT NULL
);
CREATE INDEX complaints_contact ON complaints (contact_id);
CREATE INDEX complaints_agency_seq ON complaints (agency_id, seq);
CREATE INDEX complaints_agency_received ON complaints (agency_id, received_at);

-- Every step, dated and attributed: the complaint's history, append-only.
CREATE TABLE complaint_steps (
    id            BLOB PRIMARY KEY,
    agency_id     BLOB NOT NULL REFERENCES agencies(id),
    complaint_id  BLOB NOT NULL REFERENCES complaints(id),
    phase         TEXT NOT NULL,
    at            TEXT NOT NULL,
    author_id     BLOB NOT NULL REFERENCES users(id),
    note          TEXT NOT NULL
);
CREATE INDEX complaint_steps_complaint ON complaint_steps (complaint_id, at);
