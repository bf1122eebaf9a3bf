-- Issue 11: erasure on request (GDPR art. 17) and the audit log of the manager's acts. Never
-- edit once released: add a new migration.

-- When a record's personal data were erased: the row stays as an anonymous tombstone (its
-- stage history keeps the counts of the dashboards) and tells the phones to drop it.
ALTER TABLE contacts ADD COLUMN erased_at TIMESTAMPTZ;

-- Who did what, when: the manager's acts on people and records. Never holds personal data of
-- the persons concerned (ids only).
CREATE TABLE audit_log (
    id         UUID PRIMARY KEY,
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    at         TIMESTAMPTZ NOT NULL,
    actor_id   UUID NOT NULL REFERENCES users(id),
    action     TEXT NOT NULL,
    target_id  UUID,
    detail     TEXT NOT NULL
);
CREATE INDEX audit_log_agency ON audit_log (agency_id, at DESC);
