-- Issue 10: complaints (réclamations) and their steps. Never edit once released: add a new
-- migration.

-- A complaint as it stands: the facts of each phase reached (shared::complaint). The phase
-- only moves forward, one step at a time; nothing is ever deleted.
CREATE TABLE complaints (
    id                 UUID PRIMARY KEY,
    agency_id          UUID NOT NULL REFERENCES agencies(id),
    contact_id         UUID NOT NULL REFERENCES contacts(id),
    received_at        TIMESTAMPTZ NOT NULL,
    channel            TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'letter', 'visit', 'other')),
    from_whom          TEXT NOT NULL,
    description        TEXT NOT NULL,
    phase              TEXT NOT NULL CHECK (phase IN ('received', 'acknowledged', 'registered', 'resolved', 'closed', 'followed_up', 'exploited')),
    acknowledged_at    TIMESTAMPTZ,
    registered_at      TIMESTAMPTZ,
    founded            BOOLEAN,
    nature             TEXT CHECK (nature IN ('technical', 'psychological', 'tactical')),
    resolved_at        TIMESTAMPTZ,
    answer             TEXT NOT NULL,
    serious            BOOLEAN NOT NULL,
    by_phone           BOOLEAN NOT NULL,
    closed_at          TIMESTAMPTZ,
    satisfied          BOOLEAN,
    followed_up_at     TIMESTAMPTZ,
    exploited_at       TIMESTAMPTZ,
    preventive_action  TEXT NOT NULL,
    created_by         UUID NOT NULL REFERENCES users(id),
    seq                BIGINT NOT NULL
);
CREATE INDEX complaints_contact ON complaints (contact_id);
CREATE INDEX complaints_agency_seq ON complaints (agency_id, seq);
CREATE INDEX complaints_agency_received ON complaints (agency_id, received_at);

-- Every step, dated and attributed: the complaint's history, append-only.
CREATE TABLE complaint_steps (
    id            UUID PRIMARY KEY,
    agency_id     UUID NOT NULL REFERENCES agencies(id),
    complaint_id  UUID NOT NULL REFERENCES complaints(id),
    phase         TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    author_id     UUID NOT NULL REFERENCES users(id),
    note          TEXT NOT NULL
);
CREATE INDEX complaint_steps_complaint ON complaint_steps (complaint_id, at);
